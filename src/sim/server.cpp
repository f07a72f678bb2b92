#include <dirent.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <sys/socket.h>

#include <chrono>
#include <optional>
#include <regex>
#include <stdexcept>
#include <string_view>
#include <thread>

#include "core/model.hpp"
#include "sim/engine.hpp"
#include "sim/state_check.hpp"
#include "util/strings.hpp"
#include "util/time.hpp"

namespace sim {

namespace {

// Apple refuses API request bodies over 1 MiB; the admin API takes whole team states (a
// 10,000-tester team is about 2.3 MB), so the server's own cap is larger and /v1 checks its own.
constexpr size_t k_max_v1_body = 1024 * 1024;
constexpr size_t k_max_admin_body = 256 * 1024 * 1024;
constexpr size_t k_log_capacity = 10'000;
constexpr size_t k_logged_body = 4096;

std::vector<std::string> segments(const std::string& path) {
  std::vector<std::string> out;
  for (auto& s : util::split(path, '/'))
    if (!s.empty()) out.push_back(s);
  return out;
}

// Matches path segments against a pattern; fills args for {placeholders}.
bool match_route(const std::vector<std::string>& pattern, const std::vector<std::string>& path,
                 std::vector<std::string>& args) {
  if (pattern.size() != path.size()) return false;
  args.clear();
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (!pattern[i].empty() && pattern[i].front() == '{')
      args.push_back(path[i]);
    else if (pattern[i] != path[i])
      return false;
  }
  return true;
}

int socket_port(const sockaddr_storage& addr) {
  if (addr.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&addr)->sin_port);
  if (addr.ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6*>(&addr)->sin6_port);
  return -1;
}

// cpp-httplib gives handlers no socket, so a dropped connection finds it: the TLS session
// knows its fd; for plain HTTP the fd whose local and peer ports are this request's.
// shutdown() (not close) so httplib's own close stays the only one and no fd is reused early.
void drop_connection(const httplib::Request& req) {
  int fd = -1;
  if (req.ssl != nullptr) fd = SSL_get_fd(req.ssl);
  if (fd < 0) {
    DIR* dir = opendir("/proc/self/fd");
    if (dir == nullptr) return;
    while (dirent* entry = readdir(dir)) {
      const int candidate = std::atoi(entry->d_name);
      if (candidate <= 2) continue;
      sockaddr_storage local{}, peer{};
      socklen_t llen = sizeof(local), plen = sizeof(peer);
      if (getsockname(candidate, reinterpret_cast<sockaddr*>(&local), &llen) != 0) continue;
      if (getpeername(candidate, reinterpret_cast<sockaddr*>(&peer), &plen) != 0) continue;
      if (socket_port(local) == req.local_port && socket_port(peer) == req.remote_port) {
        fd = candidate;
        break;
      }
    }
    closedir(dir);
  }
  if (fd >= 0) ::shutdown(fd, SHUT_RDWR);
}

ApiError injected_error(int status) {
  if (status == 429)
    return {429,
            "RATE_LIMIT_EXCEEDED",
            "The request rate limit has been reached.",
            "We've received too many requests for this API. Please wait and try again or slow down your "
            "request rate.",
            "",
            ""};
  if (status == 503)
    return {503,
            "SERVICE_UNAVAILABLE",
            "The service is temporarily unavailable.",
            "The service is temporarily unavailable. Try again later.",
            "",
            ""};
  return {status,
          "UNEXPECTED_ERROR",
          "An unexpected error occurred.",
          "An unexpected error occurred on the server side. If this issue continues, contact us.",
          "",
          ""};
}

ApiError rate_limited() {
  return injected_error(429);
}

ApiError request_too_large() {
  return {413,
          "ENTITY_ERROR.REQUEST_TOO_LARGE",
          "The request entity is too large.",
          "The request body is larger than the allowed 1 MiB.",
          "",
          ""};
}

// Apple answers 400 to query parameters (names or values, also from form bodies) that are not
// UTF-8; rendering them into an error document would otherwise fail with a 500.
std::optional<ApiError> non_utf8_request(const httplib::Request& req) {
  if (!util::is_valid_utf8(req.path))
    return ApiError{400,
                    "PARAMETER_ERROR.INVALID",
                    "A parameter has an invalid value",
                    "The request path is not valid UTF-8.",
                    "",
                    ""};
  for (const auto& [name, value] : req.params) {
    if (!util::is_valid_utf8(name))
      return ApiError{400,
                      "PARAMETER_ERROR.INVALID",
                      "A parameter has an invalid value",
                      "A query parameter name is not valid UTF-8.",
                      "",
                      ""};
    if (!util::is_valid_utf8(value))
      return parameter_invalid(name, "The value of '" + name + "' is not valid UTF-8.");
  }
  return std::nullopt;
}

}  // namespace

Engine::Engine(Options opts)
    : options(std::move(opts)),
      keys(options.strict_iat),
      limiter(options.rate_limit_per_hour, options.max_concurrent_per_key),
      faults(options.seed),
      ca(options.seed),
      state(options.seed) {
  add_user_routes(routes);
  add_testflight_routes(routes);
  add_signing_routes(routes);
}

void Engine::record(const std::string& route, const LoggedRequest& entry) {
  std::lock_guard lock(log_mutex);
  ++counters[{route, entry.status}];
  log.push_back(entry);
  if (log.size() > k_log_capacity) log.pop_front();
}

struct Simulator::Impl : Engine {
  explicit Impl(Options o) : Engine(std::move(o)) {}

  std::unique_ptr<httplib::Server> server;
  std::thread thread;
  int bound_port = 0;

  std::string base_url() const {
    const std::string scheme = options.tls_cert_file.empty() ? "http" : "https";
    std::string host = options.host == "0.0.0.0" || options.host.empty() ? "127.0.0.1" : options.host;
    if (host.find(':') != std::string::npos) host = "[" + host + "]";
    return scheme + "://" + host + ":" + std::to_string(bound_port);
  }

  void handle_v1(const httplib::Request& req, httplib::Response& res);
  Reply route_v1(const httplib::Request& req, const ApiKey& key, std::string& route_name);
};

Reply Simulator::Impl::route_v1(const httplib::Request& req, const ApiKey& key, std::string& route_name) {
  const auto path = segments(req.path);
  bool path_known = false;
  std::vector<std::string> args;
  for (const auto& route : routes) {
    if (!match_route(segments(route.pattern), path, args)) continue;
    path_known = true;
    if (route.method != req.method) continue;
    route_name = route.method + " " + route.pattern;
    if (!key_allows(key, route.access)) return error_reply(forbidden());
    auto parsed = parse_query(req.params, route.query);
    if (auto* e = std::get_if<ApiError>(&parsed)) return error_reply(*e);
    Call call{req, args, std::move(std::get<Query>(parsed)), base_url(), key};
    std::lock_guard lock(state_mutex);
    process_expirations();
    return route.handler(*this, call);
  }
  route_name = req.method + " (unmatched)";
  if (path_known) return error_reply(method_not_allowed(req.method, req.path));
  return error_reply(path_not_found(req.path));
}

void Simulator::Impl::handle_v1(const httplib::Request& req, httplib::Response& res) {
  ++requests;
  std::string route_name = req.method + " " + req.path;
  std::string key_id;
  Reply reply;
  bool drop = false;
  bool truncate = false;
  int remaining = limiter.per_hour();
  auto auth = keys.authenticate(req.get_header_value("Authorization"), now());
  if (auto* e = std::get_if<ApiError>(&auth)) {
    reply = error_reply(*e);
  } else if (req.body.size() > k_max_v1_body) {
    reply = error_reply(request_too_large());
  } else if (auto bad = non_utf8_request(req)) {
    route_name = req.method + " (invalid UTF-8)";
    reply = error_reply(*bad);
  } else {
    const ApiKey& key = std::get<ApiKey>(auth);
    key_id = key.key_id;
    // enter() only once admit() let the request in (short-circuit).
    if (!limiter.admit(key_id, now(), remaining) || !limiter.enter(key_id)) {
      reply = error_reply(rate_limited());
    } else {
      const FaultDecision fault = faults.decide(req.method, req.path);
      if (fault.latency_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(fault.latency_ms));
      if (fault.error_status > 0) {
        reply = error_reply(injected_error(fault.error_status));
      } else {
        reply = route_v1(req, key, route_name);
        drop = fault.drop;
        truncate = fault.truncate;
      }
      limiter.leave(key_id);
    }
  }
  res.status = reply.status;
  res.set_header("X-Rate-Limit", limiter.header_value(remaining));
  for (const auto& [k, v] : reply.headers) res.set_header(k, v);
  if (!reply.body.empty()) {
    if (truncate) {
      // Promise the full length, send half, then fail the provider so httplib closes the socket.
      auto body = std::make_shared<std::string>(std::move(reply.body));
      res.set_content_provider(body->size(), "application/json",
                               [body](size_t offset, size_t, httplib::DataSink& sink) {
                                 if (offset == 0) sink.write(body->data(), body->size() / 2);
                                 return false;
                               });
    } else {
      res.set_content(reply.body, "application/json");
    }
  }
  if (drop) drop_connection(req);
  if (reply.status >= 200 && reply.status < 300 && req.method != "GET") ++writes;
  LoggedRequest entry{req.method, req.target, reply.status, key_id, req.body.substr(0, k_logged_body)};
  record(route_name, entry);
}

Simulator::Simulator(Options options) : m_impl(std::make_unique<Impl>(std::move(options))) {}

Simulator::~Simulator() {
  stop();
}

void Simulator::start() {
  auto& impl = *m_impl;
  if (impl.server) return;
  const auto& o = impl.options;
  if (!o.tls_cert_file.empty() || !o.tls_key_file.empty()) {
    if (o.tls_cert_file.empty() || o.tls_key_file.empty())
      throw std::runtime_error("ascsim: TLS needs both a certificate and a key file");
    auto ssl = std::make_unique<httplib::SSLServer>(o.tls_cert_file.c_str(), o.tls_key_file.c_str());
    if (!ssl->is_valid()) throw std::runtime_error("ascsim: cannot load TLS certificate or key");
    impl.server = std::move(ssl);
  } else {
    impl.server = std::make_unique<httplib::Server>();
  }
  auto& server = *impl.server;
  const size_t threads = static_cast<size_t>(std::max(1, o.threads));
  server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server.set_payload_max_length(k_max_admin_body);
  // httplib's default also sets SO_REUSEPORT, which lets a second server bind a port that is
  // already taken (and the kernel then splits connections between them): refuse instead.
  server.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  server.set_keep_alive_max_count(1000);
  server.set_keep_alive_timeout(2);
  server.set_tcp_nodelay(true);
  auto bodiless_posts = add_admin_routes(server, impl, [&impl] { return impl.base_url(); });
  auto v1 = [&impl](const httplib::Request& req, httplib::Response& res) { impl.handle_v1(req, res); };
  server.Get("/v1/.*", v1);
  server.Post("/v1/.*", v1);
  server.Patch("/v1/.*", v1);
  server.Delete("/v1/.*", v1);
  server.Put("/v1/.*", v1);
  server.set_error_handler(httplib::Server::HandlerWithResponse(
      [bodiless_posts = std::move(bodiless_posts)](const httplib::Request& req, httplib::Response& res) {
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        if (res.status == 400 && req.method == "POST" && !req.has_header("Content-Length") &&
            !req.has_header("Transfer-Encoding")) {
          for (const auto& [pattern, handler] : bodiless_posts) {
            // Patterns are regular expressions like the routes they mirror; the copy carries the
            // captures a routed request would have.
            httplib::Request routed = req;
            if (!std::regex_match(routed.path, routed.matches, std::regex(pattern))) continue;
            handler(routed, res);
            return httplib::Server::HandlerResponse::Handled;
          }
        }
        ApiError e;
        if (res.status == 413)
          e = request_too_large();
        else if (res.status == 404)
          e = path_not_found(req.path);
        else if (res.status == 405)
          e = method_not_allowed(req.method, req.path);
        else
          e = {res.status,
               res.status >= 500 ? "UNEXPECTED_ERROR" : "PARAMETER_ERROR.INVALID",
               "The request failed.",
               "The request could not be processed (HTTP " + std::to_string(res.status) + ").",
               "",
               ""};
        res.set_content(error_document({e}).dump(), "application/json");
        return httplib::Server::HandlerResponse::Handled;
      }));
  server.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, const std::exception_ptr&) {
        res.status = 500;
        res.set_content(error_document({injected_error(500)}).dump(), "application/json");
      });
  const int port =
      o.port == 0 ? server.bind_to_any_port(o.host) : (server.bind_to_port(o.host, o.port) ? o.port : -1);
  if (port <= 0) {
    impl.server.reset();
    throw std::runtime_error("ascsim: cannot bind " + o.host + ":" + std::to_string(o.port));
  }
  impl.bound_port = port;
  impl.thread = std::thread([&server] { server.listen_after_bind(); });
  // httplib's stop() is a no-op until the accept loop runs, so a stop() right after start()
  // would leave the thread serving forever: wait until it accepts.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!server.is_running() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

void Simulator::stop() {
  if (!m_impl || !m_impl->server) return;
  m_impl->server->stop();
  if (m_impl->thread.joinable()) m_impl->thread.join();
  m_impl->server.reset();
}

int Simulator::port() const {
  return m_impl->bound_port;
}
std::string Simulator::base_url() const {
  return m_impl->base_url();
}

void Simulator::add_api_key(const std::string& issuer_id, const std::string& key_id,
                            const std::string& public_key_pem, const std::string& role,
                            bool certificate_access) {
  m_impl->keys.add(issuer_id, key_id, public_key_pem, role, certificate_access);
}

void Simulator::revoke_api_key(const std::string& key_id) {
  m_impl->keys.revoke(key_id);
}

std::string Simulator::add_app(const std::string& bundle_id, const std::string& name) {
  return m_impl->add_app(bundle_id, name);
}

std::string Simulator::add_bundle_id(const std::string& identifier, const std::string& name,
                                     const std::string& platform) {
  return m_impl->add_bundle_id(identifier, name, platform);
}

std::string Simulator::add_user(const std::string& email, const std::string& first_name,
                                const std::string& last_name, const std::vector<std::string>& roles,
                                bool all_apps_visible, const std::vector<std::string>& visible_app_ids) {
  return m_impl->add_user(email, first_name, last_name, roles, all_apps_visible, visible_app_ids);
}

void Simulator::remove_user(const std::string& user_id) {
  m_impl->remove_user(user_id);
}

std::string Simulator::add_beta_group(const std::string& app_id, const std::string& name, bool is_internal) {
  return m_impl->add_beta_group(app_id, name, is_internal);
}

void Simulator::remove_beta_group(const std::string& group_id) {
  m_impl->remove_beta_group(group_id);
}

std::string Simulator::add_beta_tester(const std::string& email, const std::string& first_name,
                                       const std::string& last_name,
                                       const std::vector<std::string>& group_ids) {
  return m_impl->add_beta_tester(email, first_name, last_name, group_ids);
}

void Simulator::remove_beta_tester(const std::string& tester_id) {
  m_impl->remove_beta_tester(tester_id);
}

std::optional<std::string> Simulator::accept_invitation(const std::string& email) {
  return m_impl->accept_invitation(email);
}

std::string Simulator::add_certificate(const std::string& certificate_type, const std::string& common_name,
                                       std::chrono::seconds validity) {
  return m_impl->add_certificate(certificate_type, common_name, validity);
}

std::string Simulator::add_foreign_certificate(const std::string& certificate_type,
                                               const std::string& common_name, util::TimePoint expires,
                                               bool enforce_slots) {
  return m_impl->add_foreign_certificate(certificate_type, common_name, expires, enforce_slots);
}

void Simulator::revoke_certificate(const std::string& certificate_id) {
  std::lock_guard lock(m_impl->state_mutex);
  if (!m_impl->state.certificates.contains(certificate_id))
    throw std::invalid_argument("revoke_certificate: no certificate with id '" + certificate_id + "'");
  m_impl->revoke_certificate(certificate_id);
}

void Simulator::set_certificate_expiry(const std::string& certificate_id, util::TimePoint expires) {
  std::lock_guard lock(m_impl->state_mutex);
  m_impl->set_certificate_expiry(certificate_id, expires);
}

void Simulator::set_certificate_slot_limit(const std::string& certificate_type, int slots) {
  read_slot_limits(nlohmann::json{{certificate_type, slots}});  // throws on a bad type or count
  std::lock_guard lock(m_impl->state_mutex);
  m_impl->state.certificate_slot_limits[certificate_type] = slots;
}

std::string Simulator::ca_root_pem() const {
  return m_impl->ca.root_certificate_pem();
}

std::string Simulator::team_id() const {
  return m_impl->ca.team_id();
}

void Simulator::age_world(std::chrono::seconds by) {
  m_impl->age_world(by);
}

void Simulator::advance_clock(std::chrono::seconds by) {
  m_impl->clock.advance(by);
  std::lock_guard lock(m_impl->state_mutex);
  m_impl->process_expirations();
}
util::TimePoint Simulator::now() const {
  return m_impl->now();
}
void Simulator::add_fault(const FaultRule& rule) {
  m_impl->faults.add(rule);
}
void Simulator::clear_faults() {
  m_impl->faults.clear();
}

std::vector<RouteCounter> Simulator::route_counters() const {
  std::lock_guard lock(m_impl->log_mutex);
  std::vector<RouteCounter> out;
  for (const auto& [k, n] : m_impl->counters) out.push_back({k.first, k.second, n});
  return out;
}

long long Simulator::request_count() const {
  return m_impl->requests.load();
}
long long Simulator::write_count() const {
  return m_impl->writes.load();
}

std::vector<LoggedRequest> Simulator::request_log() const {
  std::lock_guard lock(m_impl->log_mutex);
  return {m_impl->log.begin(), m_impl->log.end()};
}

void Simulator::reset_counters() {
  m_impl->reset_observation();
}

nlohmann::json Simulator::dump_state() const {
  std::lock_guard lock(m_impl->state_mutex);
  return m_impl->state.dump();
}

void Simulator::load_state(const nlohmann::json& state) {
  std::lock_guard lock(m_impl->state_mutex);
  const std::string error = m_impl->state.load(state);
  if (!error.empty()) throw std::invalid_argument("load_state: " + error);
}

void Simulator::reset() {
  m_impl->reset_all();
}

}  // namespace sim
