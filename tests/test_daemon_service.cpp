// The Service end to end on loopback: admin endpoints over real HTTP, reloads, stop, sd_notify
// to a fake NOTIFY_SOCKET, signals. The cycle and the config loader are scripted fakes.
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "service/service.hpp"
#include "service/signals.hpp"
#include "util/time.hpp"

using namespace std::chrono_literals;
using service::CycleResult;
using service::Service;
using service::ServiceOptions;
using service::TeamSchedule;
using util::CycleOutcome;

namespace {

bool wait_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout = 5s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(2ms);
  }
  return true;
}

// Sends `request` as is over a fresh loopback connection and returns everything answered.
std::string raw_http(int port, const std::string& request) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  timeval tv{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  REQUIRE(send(fd, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size()));
  std::string out;
  char buf[4096];
  while (true) {
    const ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return out;
}

ServiceOptions test_options() {
  ServiceOptions o;
  o.admin.host = "127.0.0.1";
  o.admin.port = 0;
  o.handle_signals = false;
  o.tick = 20ms;
  o.stop_deadline = 3s;
  o.scheduler.seed = 1;
  return o;
}

// A Service on a thread with a scripted cycle and a config that the test edits.
class Harness {
 public:
  Harness()
      : clock(std::make_shared<util::ManualClock>(util::TimePoint(std::chrono::seconds(1'800'000'000)))) {}
  ~Harness() {
    if (m_runner.joinable()) {
      service->request_stop();
      m_runner.join();
    }
  }

  void set_config(std::vector<TeamSchedule> teams) {
    std::lock_guard lock(m_mutex);
    m_teams = std::move(teams);
    m_error.reset();
  }
  void set_config_error(const std::string& message) {
    std::lock_guard lock(m_mutex);
    m_error = util::make_error(util::ErrorKind::client, message);
  }
  void set_cycle(std::function<CycleResult(const std::string&, std::stop_token)> fn) {
    std::lock_guard lock(m_mutex);
    m_respond = std::move(fn);
  }
  int cycles(const std::string& team) const {
    std::lock_guard lock(m_mutex);
    const auto it = m_cycles.find(team);
    return it == m_cycles.end() ? 0 : it->second;
  }

  void start(ServiceOptions options = test_options()) {
    service = std::make_unique<Service>(
        options,
        [this](const std::string& team, std::stop_token stop) {
          std::function<CycleResult(const std::string&, std::stop_token)> respond;
          {
            std::lock_guard lock(m_mutex);
            ++m_cycles[team];
            respond = m_respond;
          }
          return respond(team, std::move(stop));
        },
        [this]() -> util::Result<std::vector<TeamSchedule>> {
          ++reloads;
          if (before_reload) before_reload();
          std::lock_guard lock(m_mutex);
          if (m_error) return *m_error;
          return m_teams;
        },
        clock);
    m_runner = std::thread([this] { exit_code = service->run(); });
  }
  void start_and_wait(ServiceOptions options = test_options()) {
    start(options);
    REQUIRE(service->wait_until_running(5s));
  }
  int stop() {
    service->request_stop();
    m_runner.join();
    return exit_code.load();
  }
  int join() {
    m_runner.join();
    return exit_code.load();
  }
  httplib::Client client() const {
    httplib::Client c("127.0.0.1", service->admin_port());
    c.set_connection_timeout(2s);
    c.set_read_timeout(5s);
    return c;
  }

  std::shared_ptr<util::ManualClock> clock;
  std::unique_ptr<Service> service;
  std::atomic<int> exit_code{-1};
  std::atomic<int> reloads{0};
  std::function<void()> before_reload;

 private:
  mutable std::mutex m_mutex;
  std::vector<TeamSchedule> m_teams{TeamSchedule{"acme", 900s, 0s}};
  std::optional<util::Error> m_error;
  std::map<std::string, int> m_cycles;
  std::function<CycleResult(const std::string&, std::stop_token)> m_respond = [](const std::string&,
                                                                                 std::stop_token) {
    CycleResult r;
    r.outcome = CycleOutcome::converged;
    r.summary = "no changes";
    return r;
  };
  std::thread m_runner;
};

CycleResult failed(const std::string& error) {
  CycleResult r;
  r.outcome = CycleOutcome::failed;
  r.error = error;
  return r;
}

}  // namespace

TEST_CASE("service: admin endpoints serve health, readiness, metrics, status and triggers") {
  Harness h;
  h.start_and_wait();
  REQUIRE(h.service->admin_port() > 0);
  REQUIRE(wait_until([&] { return h.cycles("acme") == 1; }));
  REQUIRE(h.service->scheduler().wait_idle(5s));
  auto c = h.client();

  auto res = c.Get("/healthz");
  REQUIRE(res);
  CHECK(res->status == 200);

  res = c.Get("/readyz");
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(nlohmann::json::parse(res->body)["ready"] == true);

  res = c.Get("/metrics");
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(res->get_header_value("Content-Type") == "text/plain; version=0.0.4; charset=utf-8");
  CHECK(res->body.find("\nascsync_up 1\n") != std::string::npos);
  CHECK(res->body.find("ascsync_cycles_total{team=\"acme\",outcome=\"success\"} 1") != std::string::npos);

  res = c.Get("/status");
  REQUIRE(res);
  CHECK(res->status == 200);
  const auto status = nlohmann::json::parse(res->body);
  CHECK(status["phase"] == "running");
  CHECK(status["config"]["valid"] == true);
  REQUIRE(status["teams"].size() == 1);
  CHECK(status["teams"][0]["name"] == "acme");
  CHECK(status["teams"][0]["last_outcome"] == "success");
  CHECK(status["teams"][0]["last_summary"] == "no changes");
  CHECK(status["teams"][0]["next_run"] == "2027-01-15T08:15:00.000+00:00");  // start + 900 s

  res = c.Post("/trigger?team=acme");
  REQUIRE(res);
  CHECK(res->status == 202);
  CHECK(nlohmann::json::parse(res->body)["triggered"] == nlohmann::json::array({"acme"}));
  REQUIRE(wait_until([&] { return h.cycles("acme") == 2; }));

  res = c.Post("/trigger");
  REQUIRE(res);
  CHECK(res->status == 202);
  REQUIRE(wait_until([&] { return h.cycles("acme") == 3; }));

  res = c.Post("/trigger?team=nobody");
  REQUIRE(res);
  CHECK(res->status == 404);

  res = c.Get("/trigger");
  REQUIRE(res);
  CHECK(res->status >= 400);
  CHECK(h.cycles("acme") == 3);

  // What `curl -X POST url` sends: no Content-Length, hence no body. Answered at once, not
  // after the server's read timeout.
  const auto started = std::chrono::steady_clock::now();
  const std::string raw = raw_http(h.service->admin_port(),
                                   "POST /trigger?team=acme HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                   "Connection: close\r\n\r\n");
  CHECK(raw.rfind("HTTP/1.1 202", 0) == 0);
  CHECK(std::chrono::steady_clock::now() - started < 2s);
  REQUIRE(wait_until([&] { return h.cycles("acme") == 4; }));

  CHECK(h.stop() == service::k_exit_ok);
  CHECK_FALSE(h.service->healthy());
}

TEST_CASE("service: a bearer token guards every endpoint but /healthz") {
  Harness h;
  auto options = test_options();
  options.admin.token = "tok-" + std::to_string(::getpid());
  h.start_and_wait(options);
  auto c = h.client();

  auto res = c.Get("/healthz");
  REQUIRE(res);
  CHECK(res->status == 200);

  struct Row {
    const char* method;
    const char* path;
  };
  for (const Row& row :
       {Row{"GET", "/readyz"}, Row{"GET", "/metrics"}, Row{"GET", "/status"}, Row{"POST", "/trigger"}}) {
    CAPTURE(row.path);
    const bool post = std::string(row.method) == "POST";
    auto none = post ? c.Post(row.path) : c.Get(row.path);
    REQUIRE(none);
    CHECK(none->status == 401);
    CHECK(none->get_header_value("WWW-Authenticate").find("Bearer") == 0);

    const httplib::Headers wrong = {{"Authorization", "Bearer tok-wrong"}};
    auto bad = post ? c.Post(row.path, wrong, "", "text/plain") : c.Get(row.path, wrong);
    REQUIRE(bad);
    CHECK(bad->status == 401);

    const httplib::Headers right = {{"Authorization", "Bearer " + options.admin.token}};
    auto good = post ? c.Post(row.path, right, "", "text/plain") : c.Get(row.path, right);
    REQUIRE(good);
    CHECK(good->status < 300);
  }
  CHECK(h.stop() == service::k_exit_ok);
}

TEST_CASE("service: the admin endpoint refuses a non-loopback address without a token") {
  CHECK(service::is_loopback_host("127.0.0.1"));
  CHECK(service::is_loopback_host("127.8.9.10"));
  CHECK(service::is_loopback_host("::1"));
  CHECK(service::is_loopback_host("localhost"));
  CHECK_FALSE(service::is_loopback_host("0.0.0.0"));
  CHECK_FALSE(service::is_loopback_host("::"));
  CHECK_FALSE(service::is_loopback_host("10.0.0.1"));

  service::AdminServer server({"0.0.0.0", 0, ""}, {});
  const auto started = server.start();
  REQUIRE_FALSE(started.ok());
  CHECK(started.error().message.find("token") != std::string::npos);
  CHECK(server.port() == 0);

  Harness h;
  auto options = test_options();
  options.admin.host = "0.0.0.0";
  h.start(options);
  CHECK(h.join() == service::k_exit_failure);
}

TEST_CASE("service: the admin endpoint refuses a port another process already listens on") {
  service::AdminServer first({"127.0.0.1", 0, ""}, {});
  REQUIRE(first.start().ok());
  REQUIRE(first.port() > 0);
  service::AdminServer second({"127.0.0.1", first.port(), ""}, {});
  const auto started = second.start();
  REQUIRE_FALSE(started.ok());
  CHECK(started.error().message.find("cannot listen on 127.0.0.1:" + std::to_string(first.port())) !=
        std::string::npos);
  CHECK(started.error().message.find("taken") != std::string::npos);
}

TEST_CASE("service: /readyz turns 503 with the reason when a team's last cycle failed, and back") {
  Harness h;
  h.set_config({TeamSchedule{"acme", 900s, 0s}, TeamSchedule{"globex", 900s, 0s}});
  h.set_cycle([](const std::string& team, std::stop_token) {
    if (team == "globex") return failed("auth: key revoked [HTTP 401 NOT_AUTHORIZED]");
    CycleResult r;
    r.outcome = CycleOutcome::converged;
    return r;
  });
  h.start_and_wait();
  REQUIRE(wait_until([&] { return h.cycles("globex") == 1 && h.cycles("acme") == 1; }));
  REQUIRE(h.service->scheduler().wait_idle(5s));
  auto c = h.client();

  auto res = c.Get("/readyz");
  REQUIRE(res);
  CHECK(res->status == 503);
  auto body = nlohmann::json::parse(res->body);
  CHECK(body["ready"] == false);
  REQUIRE(body["reasons"].size() == 1);
  CHECK(body["reasons"][0].get<std::string>().find("globex") != std::string::npos);
  CHECK(body["reasons"][0].get<std::string>().find("key revoked") != std::string::npos);
  const auto status = nlohmann::json::parse(c.Get("/status")->body);
  CHECK(status["teams"][1]["last_outcome"] == "failed");
  CHECK(status["teams"][1]["consecutive_failures"] == 1);
  CHECK(h.service->metrics().cycles_total.value({"globex", "failed"}) == 1);

  h.set_cycle([](const std::string&, std::stop_token) {
    CycleResult r;
    r.outcome = CycleOutcome::converged;
    return r;
  });
  CHECK(h.service->trigger("globex"));
  REQUIRE(wait_until([&] { return h.cycles("globex") == 2; }));
  REQUIRE(h.service->scheduler().wait_idle(5s));
  res = c.Get("/readyz");
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(h.stop() == service::k_exit_ok);
}

TEST_CASE("service: a bad reload keeps the last good state and reports it; a good one applies") {
  Harness h;
  h.start_and_wait();
  REQUIRE(wait_until([&] { return h.cycles("acme") == 1; }));
  auto c = h.client();

  h.set_config_error("/etc/ascsync/ascsync.yaml:7:3: unknown key 'intervall' (did you mean 'interval'?)");
  h.service->request_reload();
  REQUIRE(wait_until([&] { return h.service->metrics().config_reloads_total.value({"failure"}) == 1; }));
  CHECK(h.reloads == 2);
  CHECK(h.service->metrics().config_valid.value({}) == 0);
  auto status = nlohmann::json::parse(c.Get("/status")->body);
  CHECK(status["config"]["valid"] == false);
  CHECK(status["config"]["error"].get<std::string>().find("ascsync.yaml:7:3") != std::string::npos);
  REQUIRE(status["teams"].size() == 1);
  auto res = c.Get("/readyz");
  REQUIRE(res);
  CHECK(res->status == 503);
  CHECK(res->body.find("ascsync.yaml:7:3") != std::string::npos);
  // Still reconciling on the last good configuration.
  CHECK(h.service->trigger("acme"));
  REQUIRE(wait_until([&] { return h.cycles("acme") == 2; }));

  h.set_config({TeamSchedule{"acme", 900s, 0s}, TeamSchedule{"initech", 600s, 0s}});
  h.service->request_reload();
  REQUIRE(wait_until([&] { return h.cycles("initech") == 1; }));
  REQUIRE(wait_until([&] { return h.cycles("acme") == 3; }));  // a reload re-runs every team
  CHECK(h.service->metrics().config_valid.value({}) == 1);
  CHECK(h.service->metrics().config_reloads_total.value({"success"}) == 1);
  status = nlohmann::json::parse(c.Get("/status")->body);
  CHECK(status["config"]["valid"] == true);
  CHECK(status["config"]["error"].is_null());
  CHECK(status["teams"].size() == 2);

  // A team dropped from the configuration stops and disappears from the metrics.
  h.set_config({TeamSchedule{"initech", 600s, 0s}});
  h.service->request_reload();
  REQUIRE(
      wait_until([&] { return h.service->scheduler().team_names() == std::vector<std::string>{"initech"}; }));
  REQUIRE(h.service->scheduler().wait_idle(5s));
  CHECK(h.service->metrics_text().find("team=\"acme\"") == std::string::npos);
  CHECK(h.stop() == service::k_exit_ok);
}

TEST_CASE("service: an invalid configuration at start-up exits with EX_CONFIG") {
  Harness h;
  h.set_config_error("ascsync.yaml:1:1: not a mapping");
  h.start();
  CHECK(h.join() == service::k_exit_config);
  CHECK(h.cycles("acme") == 0);
}

TEST_CASE("service: stop cancels the in-flight cycle and returns within the deadline") {
  Harness h;
  std::atomic<bool> entered{false};
  h.set_cycle([&](const std::string&, std::stop_token stop) {
    entered = true;
    CycleResult r;
    while (!stop.stop_requested()) std::this_thread::sleep_for(1ms);
    r.outcome = CycleOutcome::cancelled;
    return r;
  });
  h.start_and_wait();
  REQUIRE(wait_until([&] { return entered.load(); }));
  const auto started = std::chrono::steady_clock::now();
  CHECK(h.stop() == service::k_exit_ok);
  CHECK(std::chrono::steady_clock::now() - started < 2s);
  CHECK(h.service->metrics().cycles_total.value({"acme", "cancelled"}) == 1);
  CHECK(h.service->metrics().up.value({}) == 0);
}

TEST_CASE("service: /healthz fails while the main loop is stuck") {
  Harness h;
  auto options = test_options();
  options.heartbeat_timeout = 150ms;
  std::atomic<bool> hang{false};
  std::atomic<bool> hanging{false};
  h.before_reload = [&] {
    while (hang) {
      hanging = true;
      std::this_thread::sleep_for(1ms);
    }
  };
  h.start_and_wait(options);
  auto c = h.client();
  CHECK(c.Get("/healthz")->status == 200);
  hang = true;
  h.service->request_reload();  // reloads run on the main loop
  REQUIRE(wait_until([&] { return hanging.load(); }));
  REQUIRE(wait_until([&] { return c.Get("/healthz")->status == 503; }));
  hang = false;
  REQUIRE(wait_until([&] { return c.Get("/healthz")->status == 200; }));
  CHECK(h.stop() == service::k_exit_ok);
}

namespace {

// An AF_UNIX datagram socket standing in for systemd's notify socket.
class FakeNotifySocket {
 public:
  FakeNotifySocket() {
    char dir[] = "/tmp/ascsync-notify-XXXXXX";
    REQUIRE(mkdtemp(dir) != nullptr);
    m_dir = dir;
    m_path = m_dir + "/notify.sock";
    m_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    REQUIRE(m_fd >= 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", m_path.c_str());
    REQUIRE(bind(m_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    timeval tv{0, 100'000};
    setsockopt(m_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~FakeNotifySocket() {
    close(m_fd);
    std::filesystem::remove_all(m_dir);
  }
  const std::string& path() const { return m_path; }

  // Reads datagrams until one contains `needle`; returns it, or "" after `timeout`.
  std::string wait_for(const std::string& needle, std::chrono::milliseconds timeout = 5s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      char buf[4096];
      const ssize_t n = recv(m_fd, buf, sizeof buf, 0);
      if (n <= 0) continue;
      std::string msg(buf, static_cast<size_t>(n));
      received.push_back(msg);
      if (msg.find(needle) != std::string::npos) return msg;
    }
    return "";
  }
  std::vector<std::string> received;

 private:
  std::string m_dir;
  std::string m_path;
  int m_fd = -1;
};

// Sets environment variables for the scope of a test.
class ScopedEnv {
 public:
  void set(const std::string& name, const std::string& value) {
    ::setenv(name.c_str(), value.c_str(), 1);
    m_names.push_back(name);
  }
  ~ScopedEnv() {
    for (const auto& n : m_names) ::unsetenv(n.c_str());
  }

 private:
  std::vector<std::string> m_names;
};

}  // namespace

TEST_CASE("service: sd_notify sends READY, STATUS, WATCHDOG, RELOADING and STOPPING") {
  FakeNotifySocket sock;
  ScopedEnv env;
  env.set("NOTIFY_SOCKET", sock.path());
  env.set("WATCHDOG_USEC", "200000");  // 200 ms: the loop must ping at least every 100 ms
  env.set("WATCHDOG_PID", std::to_string(::getpid()));

  Harness h;
  auto options = test_options();
  options.tick = 1s;  // the watchdog, not the tick, must set the ping rate
  h.start_and_wait(options);

  const std::string ready = sock.wait_for("READY=1");
  CHECK(ready.find("STATUS=1 team(s)") != std::string::npos);

  const auto first_ping = std::chrono::steady_clock::now();
  int pings = 0;
  while (pings < 5) {
    REQUIRE_FALSE(sock.wait_for("WATCHDOG=1", 1s).empty());
    ++pings;
  }
  CHECK(std::chrono::steady_clock::now() - first_ping < 900ms);

  h.service->request_reload();
  const std::string reloading = sock.wait_for("RELOADING=1");
  REQUIRE_FALSE(reloading.empty());
  CHECK(reloading.find("MONOTONIC_USEC=") != std::string::npos);
  CHECK_FALSE(sock.wait_for("READY=1").empty());

  // A change of state shows up as a fresh STATUS= line.
  h.set_cycle([](const std::string&, std::stop_token) { return failed("network: connection reset"); });
  h.service->trigger("acme");
  const std::string status = sock.wait_for("1 failing");
  CHECK(status.rfind("STATUS=", 0) == 0);

  CHECK(h.stop() == service::k_exit_ok);
  CHECK_FALSE(sock.wait_for("STOPPING=1").empty());
}

TEST_CASE("service: without NOTIFY_SOCKET notifications are silent no-ops") {
  ::unsetenv("NOTIFY_SOCKET");
  service::Notifier n;
  n.ready("x");
  n.watchdog();
  n.stopping();
  CHECK_FALSE(service::Notifier::watchdog_interval().has_value());
}

TEST_CASE("service: SIGHUP reloads and SIGTERM stops") {
  Harness h;
  auto options = test_options();
  options.handle_signals = true;
  h.start_and_wait(options);
  CHECK(h.reloads == 1);
  REQUIRE(std::raise(SIGHUP) == 0);
  REQUIRE(wait_until([&] { return h.service->metrics().config_reloads_total.value({"success"}) == 1; }));
  CHECK(h.reloads == 2);
  REQUIRE(std::raise(SIGTERM) == 0);
  CHECK(h.join() == service::k_exit_ok);
  // The handlers are gone with run(): a second watcher can be installed.
  CHECK_NOTHROW(service::SignalWatcher());
}

TEST_CASE("service: /readyz counts blocked teams and per-team problems; a budget pause is not a failure") {
  Harness h;
  TeamSchedule broken{"initech", 900s, 0s};
  broken.error = "API key: refusing initech.p8: readable by group or others (run: chmod 600 initech.p8)";
  h.set_config({TeamSchedule{"acme", 900s, 0s}, TeamSchedule{"globex", 900s, 0s}, broken});
  const auto resume = h.clock->now() + 42min;
  h.set_cycle([resume](const std::string& team, std::stop_token) {
    CycleResult r;
    if (team == "globex") {
      r.outcome = CycleOutcome::blocked;
      r.error = "deletion cap exceeded";
    } else if (team == "acme") {
      r.outcome = CycleOutcome::paused;
      r.summary = "paused for budget until ~HH:MM UTC";
      r.paused_until = resume;
      r.requeue_after = 42min;
    } else {
      r = failed("API key: refusing initech.p8");
    }
    return r;
  });
  h.start_and_wait();
  REQUIRE(wait_until(
      [&] { return h.cycles("acme") == 1 && h.cycles("globex") == 1 && h.cycles("initech") == 1; }));
  REQUIRE(h.service->scheduler().wait_idle(5s));
  auto c = h.client();

  auto all = c.Get("/readyz");
  REQUIRE(all);
  CHECK(all->status == 503);
  CHECK(all->body.find("globex: last cycle blocked") != std::string::npos);
  CHECK(all->body.find("initech") != std::string::npos);
  auto acme = c.Get("/readyz?team=acme");
  REQUIRE(acme);
  CHECK(acme->status == 200);  // paused for budget is not a failure
  auto globex = c.Get("/readyz?team=globex");
  REQUIRE(globex);
  CHECK(globex->status == 503);
  auto initech = c.Get("/readyz?team=initech");
  REQUIRE(initech);
  CHECK(initech->status == 503);
  CHECK(initech->body.find("chmod 600") != std::string::npos);
  auto unknown = c.Get("/readyz?team=nobody");
  REQUIRE(unknown);
  CHECK(unknown->status == 404);

  const auto status = nlohmann::json::parse(c.Get("/status")->body);
  CHECK_FALSE(status["config"]["valid"].get<bool>());
  for (const auto& t : status["teams"]) {
    if (t["name"] == "acme") {
      CHECK(t["last_outcome"] == "paused");
      CHECK(t["paused_until"] == util::format_rfc3339(resume));
      CHECK(t["consecutive_failures"] == 0);
      CHECK(t["config_error"].is_null());
      CHECK(t["next_run"] == util::format_rfc3339(h.clock->now() + 42min));
    }
    if (t["name"] == "initech")
      CHECK(t["config_error"].get<std::string>().find("chmod") != std::string::npos);
  }
  CHECK(h.service->metrics().cycles_total.value({"acme", "paused"}) == 1);
  CHECK(h.service->metrics().budget_paused_until_timestamp_seconds.value({"acme"}) ==
        static_cast<double>(util::to_unix(resume)));
  CHECK(h.service->metrics().team_config_valid.value({"initech"}) == 0);
  CHECK(h.service->metrics().team_config_valid.value({"acme"}) == 1);
  CHECK(h.service->metrics().config_valid.value({}) == 0);
  CHECK(h.stop() == service::k_exit_ok);
}
