#pragma once
// Helpers for the alert tests: a local HTTP receiver that records what it gets (and can play
// dead), alert configs, and a certificate/profile with a given expiry. Header-only.
#include <httplib.h>

#include <chrono>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "alerts/engine.hpp"
#include "alerts/service.hpp"
#include "support/daemon_fixture.hpp"
#include "support/temp_dir.hpp"
#include "util/time.hpp"

namespace test_support {

struct Received {
  std::string path;
  httplib::Headers headers;
  std::string body;
  nlohmann::json json() const { return nlohmann::json::parse(body, nullptr, false); }
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

// A loopback HTTP server on `port` (0 = pick one) answering every POST with `status`.
class Receiver {
 public:
  explicit Receiver(int port = 0, int status = 200, std::string reply = "ok")
      : m_status(status), m_reply(std::move(reply)) {
    start(port);
  }
  ~Receiver() { stop(); }
  Receiver(const Receiver&) = delete;
  Receiver& operator=(const Receiver&) = delete;

  void start(int port = 0) {
    m_server = std::make_unique<httplib::Server>();
    m_server->Post(".*", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(m_mutex);
      m_got.push_back({req.path, req.headers, req.body});
      res.status = m_status;
      res.set_content(m_reply, "text/plain");
    });
    m_port = port ? (m_server->bind_to_port("127.0.0.1", port) ? port : -1)
                  : m_server->bind_to_any_port("127.0.0.1");
    if (m_port <= 0) throw std::runtime_error("Receiver: cannot bind");
    m_thread = std::thread([this] { m_server->listen_after_bind(); });
    poll_until([this] { return m_server->is_running(); }, std::chrono::seconds(5));
  }
  void stop() {
    if (!m_server) return;
    m_server->stop();
    if (m_thread.joinable()) m_thread.join();
    m_server.reset();
  }
  int port() const { return m_port; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(m_port); }
  std::vector<Received> got() const {
    std::lock_guard lock(m_mutex);
    return m_got;
  }
  size_t count() const {
    std::lock_guard lock(m_mutex);
    return m_got.size();
  }
  bool wait_for(size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(10)) const {
    return poll_until([&] { return count() >= n; }, timeout);
  }

 private:
  int m_status;
  std::string m_reply;
  int m_port = 0;
  std::unique_ptr<httplib::Server> m_server;
  std::thread m_thread;
  mutable std::mutex m_mutex;
  std::vector<Received> m_got;
};

inline util::TimePoint at(const char* text) {
  return *util::parse_rfc3339(text);
}

inline core::Certificate certificate(const std::string& id, util::TimePoint expires,
                                     const std::string& type = "DISTRIBUTION") {
  core::Certificate c;
  c.id = id;
  c.name = "Apple Distribution: Acme";
  c.display_name = "Acme Distribution " + id;
  c.certificate_type = type;
  c.serial_number = "SER" + id;
  c.platform = "IOS";
  c.expiration_date = util::format_rfc3339(expires);
  return c;
}

inline alerts::TeamFacts cert_facts(const std::string& team, util::TimePoint now,
                                    std::vector<core::Certificate> certs) {
  alerts::TeamFacts f;
  f.team = team;
  f.now = now;
  f.certificates = std::move(certs);
  f.profiles = std::vector<core::Profile>{};
  return f;
}

inline config::AlertChannelConfig channel(const std::string& name, config::AlertChannelConfig::Kind kind,
                                          const std::string& url = {}, const std::string& secret_file = {}) {
  config::AlertChannelConfig c;
  c.name = name;
  c.kind = kind;
  c.url = url;
  c.secret_file = secret_file;
  return c;
}

// Fast retries for tests.
inline alerts::DeliveryOptions fast_delivery() {
  alerts::DeliveryOptions o;
  o.backoff_initial = std::chrono::milliseconds(100);
  o.backoff_max = std::chrono::milliseconds(400);
  o.poll = std::chrono::milliseconds(50);
  o.channel.timeout = std::chrono::seconds(2);
  o.channel.alertmanager_resend = std::chrono::seconds(1);
  return o;
}

// The program `name` on PATH or in /usr/sbin, /usr/bin; fails the test (never skips) when missing.
inline std::string require_tool(const std::string& name) {
  for (const char* dir : {"/usr/bin", "/usr/sbin", "/usr/local/bin", "/bin"}) {
    const std::string p = std::string(dir) + "/" + name;
    if (::access(p.c_str(), X_OK) == 0) return p;
  }
  throw std::runtime_error(name + " is not installed; run scripts/install-deps.sh --test");
}

}  // namespace test_support
