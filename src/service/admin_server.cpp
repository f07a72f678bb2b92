#include "service/admin_server.hpp"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <chrono>

#include "service/metrics.hpp"
#include "util/strings.hpp"

namespace service {

namespace {

// Compares without an early exit so response time does not leak how much of a guess matched.
bool constant_time_equal(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

void send_json(httplib::Response& res, int status, const nlohmann::json& body) {
  res.status = status;
  res.set_content(body.dump(2) + "\n", "application/json");
}

bool authorized(const httplib::Request& req, const std::string& token) {
  const std::string auth = req.get_header_value("Authorization");
  const std::string prefix = "Bearer ";
  return auth.size() > prefix.size() && util::iequals(auth.substr(0, prefix.size()), prefix) &&
         constant_time_equal(auth.substr(prefix.size()), token);
}

}  // namespace

bool is_loopback_host(const std::string& host) {
  return host == "::1" || host == "[::1]" || util::iequals(host, "localhost") ||
         util::starts_with(host, "127.");
}

AdminServer::AdminServer(AdminOptions options, AdminHandlers handlers)
    : m_options(std::move(options)), m_handlers(std::move(handlers)) {}

AdminServer::~AdminServer() {
  stop();
}

util::Status AdminServer::start() {
  if (!is_loopback_host(m_options.host) && m_options.token.empty())
    return util::make_error(
        util::ErrorKind::client,
        "admin endpoint on " + m_options.host + " needs a bearer token; set one, or bind it to 127.0.0.1");
  m_server = std::make_unique<httplib::Server>();
  auto& srv = *m_server;
  // Admin traffic is a scrape every few seconds and the odd curl: two threads are plenty.
  srv.new_task_queue = [] { return new httplib::ThreadPool(2); };
  srv.set_read_timeout(std::chrono::seconds(5));
  srv.set_write_timeout(std::chrono::seconds(5));
  srv.set_keep_alive_max_count(20);

  const std::string token = m_options.token;
  srv.set_pre_routing_handler([this, token](const httplib::Request& req, httplib::Response& res) {
    if (!token.empty() && req.path != "/healthz" && !authorized(req, token)) {
      res.set_header("WWW-Authenticate", "Bearer realm=\"ascsync\"");
      send_json(res, 401, {{"error", "missing or wrong bearer token"}});
      return httplib::Server::HandlerResponse::Handled;
    }
    // `curl -X POST url` sends neither Content-Length nor Transfer-Encoding: per RFC 9112 there
    // is no body, but cpp-httplib would wait for one until its read timeout. Answer at once.
    if (req.method == "POST" && req.path == "/trigger" && !req.has_header("Content-Length") &&
        !req.has_header("Transfer-Encoding")) {
      handle_trigger(req, res);
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });

  srv.Get("/healthz", [this](const httplib::Request&, httplib::Response& res) {
    const bool ok = m_handlers.healthy && m_handlers.healthy();
    res.status = ok ? 200 : 503;
    res.set_content(ok ? "ok\n" : "main loop stalled\n", "text/plain; charset=utf-8");
  });
  srv.Get("/readyz", [this](const httplib::Request& req, httplib::Response& res) {
    std::optional<std::string> team;
    if (req.has_param("team")) team = req.get_param_value("team");
    const nlohmann::json body =
        m_handlers.readiness ? m_handlers.readiness(team) : nlohmann::json{{"ready", false}};
    if (body.value("unknown_team", false)) {
      send_json(res, 404, {{"error", "unknown team: " + team.value_or("")}});
      return;
    }
    send_json(res, body.value("ready", false) ? 200 : 503, body);
  });
  srv.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(m_handlers.metrics ? m_handlers.metrics() : std::string(), k_exposition_content_type);
  });
  srv.Get("/status", [this](const httplib::Request&, httplib::Response& res) {
    send_json(res, 200, m_handlers.status ? m_handlers.status() : nlohmann::json::object());
  });
  srv.Post("/trigger",
           [this](const httplib::Request& req, httplib::Response& res) { handle_trigger(req, res); });

  // httplib's default socket options include SO_REUSEPORT, under which a second daemon could
  // bind the same port and the kernel would split requests between the two: refuse instead.
  srv.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  int port = m_options.port;
  if (port == 0) {
    port = srv.bind_to_any_port(m_options.host);
    if (port <= 0) port = -1;
  } else if (!srv.bind_to_port(m_options.host, port)) {
    port = -1;
  }
  if (port < 0) {
    m_server.reset();
    return util::make_error(util::ErrorKind::network,
                            "admin endpoint: cannot listen on " + m_options.host + ":" +
                                std::to_string(m_options.port) +
                                " (is the port taken by another process? choose another "
                                "admin.listen port)");
  }
  m_port = port;
  m_thread = std::thread([this] { m_server->listen_after_bind(); });
  // stop() is a no-op until the accept loop runs; wait for it so an early stop cannot hang.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!m_server->is_running() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  spdlog::info("admin endpoint on http://{}:{}{}", m_options.host, m_port,
               m_options.token.empty() ? "" : " (bearer token required)");
  return util::ok_status();
}

void AdminServer::handle_trigger(const httplib::Request& req, httplib::Response& res) {
  std::optional<std::string> team;
  if (req.has_param("team")) team = req.get_param_value("team");
  const auto triggered = m_handlers.trigger ? m_handlers.trigger(team) : std::vector<std::string>{};
  if (triggered.empty()) {
    send_json(res, 404, {{"error", team ? "unknown team: " + *team : std::string("no teams configured")}});
    return;
  }
  send_json(res, 202, {{"triggered", triggered}});
}

void AdminServer::stop() {
  if (!m_server) return;
  m_server->stop();
  if (m_thread.joinable()) m_thread.join();
  m_server.reset();
}

}  // namespace service
