#include "asc/client.hpp"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <condition_variable>
#include <set>
#include <thread>

#include "asc/http_error.hpp"
#include "asc/json_parse.hpp"
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

using SteadyTime = std::chrono::steady_clock::time_point;

// Bounds one HTTP exchange in wall time: when the deadline passes (or `stop` fires) first, it
// shuts the connection's socket down, which makes the blocked read or write fail at once.
// httplib's own timeouts restart with every byte, so they cannot do this. It keeps shutting
// down until the exchange has ended: a request still connecting has no socket to shut yet.
class Watchdog {
 public:
  Watchdog(httplib::Client& conn, SteadyTime deadline, std::stop_token stop)
      : m_thread([this, &conn, deadline, stop] { run(conn, deadline, stop); }) {}
  ~Watchdog() {
    {
      std::lock_guard lock(m_mutex);
      m_done = true;
    }
    m_cv.notify_all();
    m_thread.join();
  }
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  bool timed_out() const { return m_timed_out.load(); }
  bool stopped() const { return m_stopped.load(); }

 private:
  void run(httplib::Client& conn, SteadyTime deadline, const std::stop_token& stop) {
    std::stop_callback on_stop(stop, [this] {
      std::lock_guard lock(m_mutex);
      m_stop_requested = true;
      m_cv.notify_all();
    });
    std::unique_lock lock(m_mutex);
    m_cv.wait_until(lock, deadline, [&] { return m_done || m_stop_requested; });
    if (m_done) return;
    (m_stop_requested ? m_stopped : m_timed_out) = true;
    while (!m_done) {
      lock.unlock();
      conn.stop();
      lock.lock();
      m_cv.wait_for(lock, Ms(20), [&] { return m_done; });
    }
  }

  std::mutex m_mutex;
  std::condition_variable m_cv;
  bool m_done = false;
  bool m_stop_requested = false;
  std::atomic<bool> m_timed_out{false};
  std::atomic<bool> m_stopped{false};
  std::thread m_thread;  // last: starts once the members above exist
};

std::string format_bytes(size_t n) {
  if (n % (size_t{1} << 20) == 0) return std::to_string(n >> 20) + " MiB";
  return std::to_string(n) + " bytes";
}

// The value of the `cursor` query parameter, or the whole path when there is none: what
// identifies a page of a listing.
std::string cursor_of(const std::string& path_and_query) {
  const auto q = path_and_query.find('?');
  if (q == std::string::npos) return path_and_query;
  size_t pos = q + 1;
  while (pos <= path_and_query.size()) {
    const auto end = std::min(path_and_query.find('&', pos), path_and_query.size());
    const std::string_view param(path_and_query.data() + pos, end - pos);
    if (param.substr(0, 7) == "cursor=") return "cursor " + std::string(param.substr(7));
    pos = end + 1;
  }
  return path_and_query;
}

}  // namespace

// A bounded set of keep-alive connections to the one origin: at most max_in_flight are lent
// out at once, which is also how the client limits parallelism per key.
class Client::Pool {
 public:
  Pool(const ClientOptions& options, Origin origin)
      : m_options(options),
        m_origin(std::move(origin)),
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
    return util::make_error(
        util::ErrorKind::client,
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

  // The body goes through a receiver so that its size is bounded as it arrives.
  const size_t max_bytes = m_options.max_response_bytes;
  std::string body;
  size_t announced = 0;
  bool too_large = false;
  req.response_handler = [&](const httplib::Response& r) {
    const std::string length = r.get_header_value("Content-Length");
    if (!length.empty()) {
      try {
        announced = static_cast<size_t>(std::stoull(length));
      } catch (const std::exception&) {
        announced = 0;
      }
      if (announced > max_bytes) {
        too_large = true;
        return false;
      }
      // One allocation for the whole page instead of a doubling series.
      body.reserve(announced);
    }
    return true;
  };
  req.content_receiver = [&](const char* data, size_t n, uint64_t, uint64_t) {
    if (body.size() + n > max_bytes) {
      too_large = true;
      return false;
    }
    body.append(data, n);
    return true;
  };

  // A read (or an idempotent linkage call) in flight is abandoned at a stop request or the
  // cycle's deadline. A create or other write runs to its end (bounded by request_timeout): an
  // abandoned write would leave its outcome unknown for no gain.
  const Interrupt intr = request.replay == Replay::safe ? interrupt() : Interrupt{};
  const auto started = std::chrono::steady_clock::now();
  SteadyTime deadline = started + m_options.request_timeout;
  const bool cycle_bound = intr.deadline && *intr.deadline < deadline;
  if (cycle_bound) deadline = *intr.deadline;

  auto conn = m_pool->acquire();
  bool timed_out = false;
  bool stopped = false;
  httplib::Result res = [&] {
    Watchdog watchdog(*conn, deadline, intr.stop);
    httplib::Result r = conn->send(req);
    // Joined here: after this line nothing touches the connection from another thread.
    timed_out = watchdog.timed_out();
    stopped = watchdog.stopped();
    return r;
  }();
  const auto elapsed = std::chrono::duration_cast<Ms>(std::chrono::steady_clock::now() - started);
  const std::string where = m_origin.host + ":" + std::to_string(m_origin.port);

  Attempt out;
  if (timed_out || stopped || too_large) {
    m_pool->release(std::move(conn), false);
    out.transient = false;
    if (too_large) {
      out.transport_error = util::make_error(
          util::ErrorKind::client,
          request.route + ": response body from " + where + " is larger than the limit of " +
              format_bytes(max_bytes) +
              (announced > max_bytes ? " (Content-Length " + std::to_string(announced) + ")" : "") +
              "; raise defaults.max_response_mib if such responses are expected");
    } else if (stopped) {
      out.transport_error =
          util::make_error(util::ErrorKind::cancelled, request.route + ": stop requested, request abandoned");
    } else if (cycle_bound) {
      out.transport_error =
          util::make_error(util::ErrorKind::timeout, request.route + ": " + k_cycle_deadline_exceeded + " (" +
                                                         intr.deadline_what + "), request abandoned");
    } else {
      // A server that answers too slowly may answer in time on another try.
      out.transient = true;
      out.transport_error =
          util::make_error(util::ErrorKind::timeout,
                           request.route + ": no complete response from " + where + " within " +
                               std::to_string(m_options.request_timeout.count()) + " ms (request_timeout)");
    }
    spdlog::debug("asc {} {} -> abandoned after {} ms", request.method, request.path_and_query,
                  elapsed.count());
    return out;
  }
  if (res) {
    out.status = res->status;
    out.body = std::move(body);
    out.rate_limit = res->get_header_value("X-Rate-Limit");
    out.retry_after = res->get_header_value("Retry-After");
    // A server that announces it closes the connection must not see it reused.
    const bool healthy = !util::iequals(res->get_header_value("Connection"), "close");
    m_pool->release(std::move(conn), healthy);
    spdlog::debug("asc {} {} -> {} in {} ms", request.method, request.path_and_query, out.status,
                  elapsed.count());
    return out;
  }
  m_pool->release(std::move(conn), false);

  const httplib::Error e = res.error();
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
      what = "cannot load CA certificates" +
             (m_options.ca_file.empty() ? std::string() : " from " + m_options.ca_file);
      out.maybe_processed = false;
      out.transient = false;
      break;
    case httplib::Error::Read:
      // httplib reports a read timeout as a read error; the elapsed time tells them apart.
      if (elapsed + Ms(50) >= m_options.read_timeout) {
        kind = util::ErrorKind::timeout;
        what =
            "no response from " + where + " within " + std::to_string(m_options.read_timeout.count()) + " ms";
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
    pause(delay);
    std::lock_guard lock(m_stats_mutex);
    ++m_retries;
    if (stats) ++stats->retries;
  };
  while (true) {
    ++attempts;
    if (auto st = check_interrupt(); !st) return with_context(std::move(st).error(), request.route);
    auto wait = m_budget->acquire();
    if (!wait) return with_context(wait.error(), request.route);
    if (wait->count() > 0) {
      pause(*wait);
      if (auto st = check_interrupt(); !st) return with_context(std::move(st).error(), request.route);
    }
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

    // A 401 says nothing about the key's budget (the request was not counted as the key's).
    if (a.status != 401)
      if (auto header = parse_rate_limit(a.rate_limit)) m_budget->observe(*header);

    if (a.status >= 200 && a.status < 300) {
      Response out;
      out.status = a.status;
      if (!a.body.empty()) {
        out.body = parse_json(a.body);
        if (out.body.is_discarded()) {
          // A cut-off body looks like this: the answer may be fine, its transport was not.
          util::Error err = util::make_error(
              util::ErrorKind::network, request.route + ": response body is not valid JSON (truncated?)");
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
    const bool retryable = a.status == 429 || (a.status >= 500 && request.replay == Replay::safe);
    if (retryable && attempts < max_attempts) {
      Ms delay = m_backoff.delay(attempts);
      if (err.retry_after_seconds >= 0) {
        const Ms asked = std::chrono::seconds(err.retry_after_seconds);
        if (asked > m_backoff.options().max_retry_after) {
          err.message +=
              " (Retry-After " + std::to_string(err.retry_after_seconds) + " s is beyond the limit)";
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
  std::set<std::string> seen = {cursor_of(path)};
  const long long hard_cap = std::max<long long>(m_options.max_pages, 1);
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
                                                           url->origin.str() + "; the API is at " +
                                                           m_origin.str() + ")");
    if (!seen.insert(cursor_of(url->path_and_query)).second)
      return util::make_error(util::ErrorKind::client,
                              context + ": links.next repeats a page already read (" +
                                  cursor_of(url->path_and_query) + "); the listing would never end");
    // Bounded by what the server announced (the latest total: data may move while we walk)…
    if (auto paging = collection_paging(response->body)) {
      const long long expected = std::max<long long>(1, (paging->total + paging->limit - 1) / paging->limit);
      const long long allowed = expected + 2 + expected / 10;
      if (page + 1 > allowed)
        return util::make_error(util::ErrorKind::client,
                                context + ": links.next leads past the " + std::to_string(allowed) +
                                    " pages that meta.paging (total " + std::to_string(paging->total) +
                                    ", limit " + std::to_string(paging->limit) + ") allows");
    }
    // …and by a hard cap when it announced nothing.
    if (page + 1 > hard_cap)
      return util::make_error(util::ErrorKind::client, context + ": links.next leads past max_pages (" +
                                                           std::to_string(hard_cap) + " pages)");
    path = url->path_and_query;
  }
}

void Client::set_interrupt(Interrupt interrupt) {
  std::lock_guard lock(m_interrupt_mutex);
  m_interrupt = std::move(interrupt);
}

Interrupt Client::interrupt() const {
  std::lock_guard lock(m_interrupt_mutex);
  return m_interrupt;
}

util::Status Client::check_interrupt() const {
  const Interrupt intr = interrupt();
  if (intr.stop.stop_requested())
    return util::make_error(util::ErrorKind::cancelled, "stop requested, no further requests sent");
  if (intr.deadline && std::chrono::steady_clock::now() >= *intr.deadline)
    return util::make_error(util::ErrorKind::timeout, std::string(k_cycle_deadline_exceeded) + " (" +
                                                          intr.deadline_what + "), no further requests sent");
  return util::ok_status();
}

void Client::pause(Ms delay) {
  if (delay.count() <= 0) return;
  if (m_options.sleeper) {
    m_sleeper(delay);
    return;
  }
  const Interrupt intr = interrupt();
  auto until = std::chrono::steady_clock::now() + delay;
  if (intr.deadline && *intr.deadline < until) until = *intr.deadline;
  std::mutex m;
  std::condition_variable_any cv;
  std::unique_lock lock(m);
  cv.wait_until(lock, intr.stop, until, [] { return false; });
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

BudgetSnapshot Client::budget() const {
  return m_budget->snapshot();
}

util::Status Client::budget_headroom(int requests) const {
  return m_budget->headroom(requests);
}

}  // namespace asc
