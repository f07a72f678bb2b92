#include "asc/client.hpp"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "asc/http_error.hpp"
#include "asc/jsonapi.hpp"
#include "util/strings.hpp"

namespace asc {

namespace {

using Ms = std::chrono::milliseconds;

std::pair<time_t, time_t> sec_usec(Ms d) {
  const long long ms = std::max<long long>(d.count(), 1);
  return {static_cast<time_t>(ms / 1000), static_cast<time_t>((ms % 1000) * 1000)};
}

util::Error with_context(util::Error err, const std::string& context) {
  err.message = context + ": " + err.message;
  return err;
}

}  // namespace

// A bounded set of keep-alive connections to the one origin: at most max_in_flight are lent
// out at once, which is also how the client limits parallelism per key.
class Client::Pool {
 public:
  Pool(const ClientOptions& options, Origin origin)
      : m_options(options), m_origin(std::move(origin)),
        m_max(std::clamp(options.max_in_flight, 1, k_max_in_flight_cap)) {}

  std::unique_ptr<httplib::Client> acquire() {
    std::unique_lock lock(m_mutex);
    m_cv.wait(lock, [&] { return m_lent < m_max; });
    ++m_lent;
    if (!m_idle.empty()) {
      auto c = std::move(m_idle.back());
      m_idle.pop_back();
      return c;
    }
    lock.unlock();
    return make();
  }

  // Returns a connection; a broken one is dropped so the next request dials afresh.
  void release(std::unique_ptr<httplib::Client> c, bool healthy) {
    std::lock_guard lock(m_mutex);
    --m_lent;
    if (healthy) m_idle.push_back(std::move(c));
    m_cv.notify_one();
  }

 private:
  std::unique_ptr<httplib::Client> make() const {
    auto c = std::make_unique<httplib::Client>(m_origin.str());
    const auto [cs, cu] = sec_usec(m_options.connect_timeout);
    const auto [rs, ru] = sec_usec(m_options.read_timeout);
    const auto [ws, wu] = sec_usec(m_options.write_timeout);
    c->set_connection_timeout(cs, cu);
    c->set_read_timeout(rs, ru);
    c->set_write_timeout(ws, wu);
    c->set_keep_alive(true);
    // httplib writes headers and body separately; without this, Nagle + delayed ACK hold every
    // request body back ~40 ms.
    c->set_tcp_nodelay(true);
    // Redirects could lead requests (and the token) to another host: never follow them.
    c->set_follow_location(false);
    // Paths are encoded by Query already; httplib must not encode them twice.
    c->set_url_encode(false);
    if (m_origin.scheme == "https") {
      c->enable_server_certificate_verification(true);
      if (!m_options.ca_file.empty()) c->set_ca_cert_path(m_options.ca_file);
    }
    return c;
  }

  const ClientOptions& m_options;
  Origin m_origin;
  int m_max;
  std::mutex m_mutex;
  std::condition_variable m_cv;
  int m_lent = 0;
  std::vector<std::unique_ptr<httplib::Client>> m_idle;
};

util::Result<std::unique_ptr<Client>> Client::create(Credentials credentials, ClientOptions options) {
  auto url = split_url(options.base_url);
  if (!url) return with_context(url.error(), "base_url");
  if (url->path_and_query != "/")
    return util::make_error(util::ErrorKind::client,
                            "base_url must be scheme://host[:port] without a path, got '" + options.base_url + "'");
  if (!credentials.private_key)
    return util::make_error(util::ErrorKind::auth, "no private key loaded for key " + credentials.key_id);
  return std::unique_ptr<Client>(new Client(std::move(credentials), std::move(options), url->origin));
}

Client::Client(Credentials credentials, ClientOptions options, Origin origin)
    : m_options(std::move(options)),
      m_origin(std::move(origin)),
      m_clock(m_options.clock ? m_options.clock : util::system_clock()),
      m_sleeper(m_options.sleeper ? m_options.sleeper : real_sleeper()),
      m_tokens(std::move(credentials), m_clock, m_options.token),
      m_budget(m_options.shared_budget ? m_options.shared_budget
                                       : std::make_shared<RateBudget>(m_clock, m_options.budget)),
      m_backoff(m_options.retry, m_options.jitter_seed),
      m_pool(std::make_unique<Pool>(m_options, m_origin)) {}

Client::~Client() = default;

Client::Attempt Client::attempt(const Request& request, const std::string& token) {
  httplib::Request req;
  req.method = request.method;
  req.path = request.path_and_query;
  req.headers.emplace("Authorization", "Bearer " + token);
  req.headers.emplace("Accept", "application/json");
  req.headers.emplace("User-Agent", std::string("ascsync/") + ASCSYNC_VERSION);
  if (!request.body.is_null()) {
    req.body = request.body.dump();
    req.headers.emplace("Content-Type", "application/json");
  }

  auto conn = m_pool->acquire();
  const auto started = std::chrono::steady_clock::now();
  httplib::Result res = conn->send(req);
  const auto elapsed = std::chrono::duration_cast<Ms>(std::chrono::steady_clock::now() - started);

  Attempt out;
  if (res) {
    out.status = res->status;
    out.body = std::move(res->body);
    out.rate_limit = res->get_header_value("X-Rate-Limit");
    out.retry_after = res->get_header_value("Retry-After");
    // A server that announces it closes the connection must not see it reused.
    const bool healthy = !util::iequals(res->get_header_value("Connection"), "close");
    m_pool->release(std::move(conn), healthy);
    spdlog::debug("asc {} {} -> {} in {} ms", request.method, request.path_and_query, out.status, elapsed.count());
    return out;
  }
  m_pool->release(std::move(conn), false);

  const httplib::Error e = res.error();
  const std::string where = m_origin.host + ":" + std::to_string(m_origin.port);
  util::ErrorKind kind = util::ErrorKind::network;
  std::string what;
  switch (e) {
    case httplib::Error::Connection:
      what = "cannot connect to " + where;
      out.maybe_processed = false;
      break;
    case httplib::Error::ConnectionTimeout:
      kind = util::ErrorKind::timeout;
      what = "connecting to " + where + " timed out";
      out.maybe_processed = false;
      break;
    case httplib::Error::SSLConnection:
      what = "TLS handshake with " + where + " failed";
      out.maybe_processed = false;
      break;
    case httplib::Error::SSLServerVerification:
      what = "the TLS certificate of " + where + " could not be verified (wrong host, or set ca_file)";
      out.maybe_processed = false;
      out.transient = false;
      break;
    case httplib::Error::SSLLoadingCerts:
      kind = util::ErrorKind::internal;
      what = "cannot load CA certificates" + (m_options.ca_file.empty() ? std::string() : " from " + m_options.ca_file);
      out.maybe_processed = false;
      out.transient = false;
      break;
    case httplib::Error::Read:
      // httplib reports a read timeout as a read error; the elapsed time tells them apart.
      if (elapsed + Ms(50) >= m_options.read_timeout) {
        kind = util::ErrorKind::timeout;
        what = "no response from " + where + " within " + std::to_string(m_options.read_timeout.count()) + " ms";
      } else {
        what = "connection to " + where + " closed before a complete response";
      }
      break;
    case httplib::Error::Write:
      what = "sending the request to " + where + " failed";
      break;
    default:
      what = "request to " + where + " failed: " + httplib::to_string(e);
      break;
  }
  out.transport_error = util::make_error(kind, request.route + ": " + what);
  spdlog::debug("asc {} {} -> {} after {} ms", request.method, request.path_and_query, httplib::to_string(e),
                elapsed.count());
  return out;
}

void Client::count(const std::string& route, int status) {
  std::lock_guard lock(m_stats_mutex);
  ++m_by_route[{route, status}];
  ++m_requests;
}

util::Result<Response> Client::send(const Request& request, CallStats* stats) {
  const int max_attempts = m_backoff.options().max_attempts;
  bool renewed_token = false;
  int attempts = 0;
  const auto retry_after = [&](Ms delay) {
    m_sleeper(delay);
    std::lock_guard lock(m_stats_mutex);
    ++m_retries;
    if (stats) ++stats->retries;
  };
  while (true) {
    ++attempts;
    auto wait = m_budget->acquire();
    if (!wait) return with_context(wait.error(), request.route);
    if (wait->count() > 0) m_sleeper(*wait);
    auto token = m_tokens.token();
    if (!token) return token.error();

    Attempt a = attempt(request, *token);
    count(request.route, a.status);
    if (stats) ++stats->requests;

    if (a.status == 0) {
      const bool replayable = request.replay == Replay::safe || !a.maybe_processed;
      if (a.transient && replayable && attempts < max_attempts) {
        retry_after(m_backoff.delay(attempts));
        continue;
      }
      if (attempts > 1) a.transport_error.message += " (after " + std::to_string(attempts) + " attempts)";
      return a.transport_error;
    }

    if (auto header = parse_rate_limit(a.rate_limit)) m_budget->observe(*header);

    if (a.status >= 200 && a.status < 300) {
      Response out;
      out.status = a.status;
      if (!a.body.empty()) {
        out.body = nlohmann::json::parse(a.body, nullptr, false);
        if (out.body.is_discarded()) {
          // A cut-off body looks like this: the answer may be fine, its transport was not.
          util::Error err = util::make_error(util::ErrorKind::network,
                                             request.route +
                                                 ": response body is not valid JSON (truncated?)");
          err.http_status = a.status;
          if (request.replay == Replay::safe && attempts < max_attempts) {
            retry_after(m_backoff.delay(attempts));
            continue;
          }
          return err;
        }
      }
      return out;
    }

    if (a.status == 401 && !renewed_token) {
      // A token can be refused early (clock skew, key rotated on our side): sign a new one, once.
      renewed_token = true;
      m_tokens.invalidate();
      retry_after(Ms(0));
      continue;
    }

    util::Error err = error_from_response(request.route, a.status, a.body, a.retry_after);
    // 429 means Apple did not process the request, so even writes may be repeated.
    const bool retryable =
        a.status == 429 || (a.status >= 500 && request.replay == Replay::safe);
    if (retryable && attempts < max_attempts) {
      Ms delay = m_backoff.delay(attempts);
      if (err.retry_after_seconds >= 0) {
        const Ms asked = std::chrono::seconds(err.retry_after_seconds);
        if (asked > m_backoff.options().max_retry_after) {
          err.message += " (Retry-After " + std::to_string(err.retry_after_seconds) + " s is beyond the limit)";
          return err;
        }
        delay = std::max(delay, asked);
      }
      retry_after(delay);
      continue;
    }
    if (attempts > 1) err.message += " (after " + std::to_string(attempts) + " attempts)";
    return err;
  }
}

util::Status Client::for_each_page(const std::string& route, const std::string& path_and_query,
                                   const std::function<util::Status(const nlohmann::json&)>& on_page,
                                   CallStats* stats) {
  std::string path = path_and_query;
  for (long long page = 1;; ++page) {
    Request request;
    request.route = route;
    request.path_and_query = path;
    auto response = send(request, stats);
    const std::string context = "listing " + route + " (page " + std::to_string(page) + ")";
    if (!response) return with_context(std::move(response).error(), context);
    if (auto ok = check_collection(response->body); !ok) return with_context(ok.error(), context);
    if (stats) ++stats->pages;
    if (auto ok = on_page(response->body); !ok) return with_context(ok.error(), context);

    const auto& links = response->body["links"];
    const auto next = links.find("next");
    if (next == links.end() || next->is_null()) return util::ok_status();
    if (!next->is_string() || next->get_ref<const std::string&>().empty())
      return util::make_error(util::ErrorKind::client, context + ": links.next is not a URL string");
    auto url = split_url(next->get_ref<const std::string&>());
    if (!url) return with_context(url.error(), context + ": links.next");
    if (!(url->origin == m_origin))
      return util::make_error(util::ErrorKind::client, context + ": refusing links.next on another host (" +
                                                           url->origin.str() + "; the API is at " + m_origin.str() +
                                                           ")");
    if (url->path_and_query == path)
      return util::make_error(util::ErrorKind::client, context + ": links.next points at the same page again");
    path = url->path_and_query;
  }
}

ClientStats Client::stats() const {
  ClientStats out;
  {
    std::lock_guard lock(m_stats_mutex);
    out.requests = m_requests;
    out.retries = m_retries;
    for (const auto& [key, n] : m_by_route) out.by_route.push_back({key.first, key.second, n});
  }
  out.tokens_signed = m_tokens.tokens_signed();
  out.budget = m_budget->snapshot();
  return out;
}

BudgetSnapshot Client::budget() const { return m_budget->snapshot(); }

}  // namespace asc
