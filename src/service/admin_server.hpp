#pragma once
// The admin HTTP endpoint (cpp-httplib): /healthz, /readyz, /metrics, /status, POST /trigger.
// Loopback by default; any other address needs a bearer token, and with a token configured
// every endpoint except /healthz requires `Authorization: Bearer <token>`.
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "util/result.hpp"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace service {

struct AdminOptions {
  std::string host = "127.0.0.1";
  int port = 9469;    // 0 = any free port; see AdminServer::port()
  std::string token;  // empty = no authentication (loopback only)
};

// What the endpoints serve; each is called on an HTTP worker thread and must be thread-safe.
struct AdminHandlers {
  std::function<bool()> healthy;  // /healthz: 200 when true, else 503
  // /readyz[?team=T]: {"ready": bool, "reasons": [...]}; {"unknown_team": true} answers 404.
  std::function<nlohmann::json(const std::optional<std::string>& team)> readiness;
  std::function<std::string()> metrics;    // /metrics body
  std::function<nlohmann::json()> status;  // /status body
  // POST /trigger: team name or std::nullopt for all; returns the triggered teams, or an
  // empty list when the team is unknown (404).
  std::function<std::vector<std::string>(const std::optional<std::string>& team)> trigger;
};

// True for 127.0.0.0/8, ::1 and "localhost".
bool is_loopback_host(const std::string& host);

class AdminServer {
 public:
  AdminServer(AdminOptions options, AdminHandlers handlers);
  ~AdminServer();  // stop()
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  // Binds and serves on a background thread. Fails (client error) for a non-loopback address
  // without a token, (network error) when the address cannot be bound.
  util::Status start();
  void stop();
  // The bound port (the real one when options.port was 0); 0 before start().
  int port() const { return m_port; }

 private:
  void handle_trigger(const httplib::Request& req, httplib::Response& res);

  AdminOptions m_options;
  AdminHandlers m_handlers;
  std::unique_ptr<httplib::Server> m_server;
  std::thread m_thread;
  int m_port = 0;
};

}  // namespace service
