#pragma once
// Black-box harness for `ascsync run`: a running simulator (SimFixture) with apps, a private
// directory holding ascsync.yaml, the team's desired state and the database, a fake systemd
// notification socket, and the daemon itself as a child process (fork+exec, stderr to a log
// file, always killed by the destructor). Header-only; link ascsync_cli and ascsync_sim.
#include <fcntl.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "support/cli_fixture.hpp"
#include "support/ports.hpp"
#include "support/reconcile_fixture.hpp"

namespace test_support {

using SteadyClock = std::chrono::steady_clock;

// Polls `done` every `step` until it holds or `timeout` passes; returns its last value.
inline bool poll_until(const std::function<bool()>& done, std::chrono::milliseconds timeout,
                       std::chrono::milliseconds step = std::chrono::milliseconds(20)) {
  const auto deadline = SteadyClock::now() + timeout;
  for (;;) {
    if (done()) return true;
    if (SteadyClock::now() >= deadline) return false;
    std::this_thread::sleep_for(step);
  }
}

// A loopback TCP port that was free a moment ago (bound to port 0, then released).
// A fake systemd NOTIFY_SOCKET: an AF_UNIX datagram socket bound at `path`; a reader thread
// collects every datagram (one sd_notify message, "KEY=value" lines) in arrival order.
class NotifySocket {
 public:
  explicit NotifySocket(std::string path) : m_path(std::move(path)) {
    m_fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (m_fd < 0) throw std::runtime_error("NotifySocket: socket");
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (m_path.size() >= sizeof addr.sun_path) throw std::runtime_error("NotifySocket: path too long");
    std::memcpy(addr.sun_path, m_path.c_str(), m_path.size() + 1);
    ::unlink(m_path.c_str());
    if (::bind(m_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
      throw std::runtime_error("NotifySocket: bind " + m_path);
    m_reader = std::thread([this] { read_loop(); });
  }
  ~NotifySocket() {
    m_stop = true;
    m_reader.join();
    ::close(m_fd);
    ::unlink(m_path.c_str());
  }
  NotifySocket(const NotifySocket&) = delete;
  NotifySocket& operator=(const NotifySocket&) = delete;

  const std::string& path() const { return m_path; }

  std::vector<std::string> messages() const {
    std::lock_guard lock(m_mutex);
    return m_messages;
  }
  size_t count() const {
    std::lock_guard lock(m_mutex);
    return m_messages.size();
  }
  // Index of the first message at or after `from` containing the line `line` (e.g. "READY=1"),
  // or std::nullopt.
  std::optional<size_t> find(const std::string& line, size_t from = 0) const {
    std::lock_guard lock(m_mutex);
    for (size_t i = from; i < m_messages.size(); ++i)
      if (has_line(m_messages[i], line)) return i;
    return std::nullopt;
  }
  // Waits for a message at or after `from` with the line `line`; returns its index.
  std::optional<size_t> wait_for(const std::string& line, size_t from = 0,
                                 std::chrono::milliseconds timeout = std::chrono::seconds(15)) const {
    std::optional<size_t> found;
    poll_until([&] { return (found = find(line, from)).has_value(); }, timeout);
    return found;
  }
  // Every value of `KEY=` seen so far, in order.
  std::vector<std::string> values(const std::string& key) const {
    std::vector<std::string> out;
    for (const auto& m : messages()) {
      size_t start = 0;
      while (start <= m.size()) {
        size_t end = m.find('\n', start);
        if (end == std::string::npos) end = m.size();
        const std::string line = m.substr(start, end - start);
        if (line.rfind(key + "=", 0) == 0) out.push_back(line.substr(key.size() + 1));
        start = end + 1;
      }
    }
    return out;
  }
  std::string dump() const {
    std::string out;
    for (const auto& m : messages()) out += "  [" + m + "]\n";
    return out;
  }

  static bool has_line(const std::string& message, const std::string& line) {
    size_t start = 0;
    while (start <= message.size()) {
      size_t end = message.find('\n', start);
      if (end == std::string::npos) end = message.size();
      if (message.compare(start, end - start, line) == 0) return true;
      start = end + 1;
    }
    return false;
  }

 private:
  void read_loop() {
    char buf[4096];
    while (!m_stop) {
      pollfd p{m_fd, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      const ssize_t n = ::recv(m_fd, buf, sizeof buf, MSG_DONTWAIT);
      if (n <= 0) continue;
      std::lock_guard lock(m_mutex);
      m_messages.emplace_back(buf, static_cast<size_t>(n));
    }
  }

  std::string m_path;
  int m_fd = -1;
  std::atomic<bool> m_stop{false};
  std::thread m_reader;
  mutable std::mutex m_mutex;
  std::vector<std::string> m_messages;
};

// A child process: `program args...` with exactly `env` ("NAME=value") as its environment,
// stdin /dev/null, stdout and stderr appended to `log_path`. With `watchdog_pid_env`, the child
// sets WATCHDOG_PID to its own pid between fork and exec, as systemd does.
class ChildProcess {
 public:
  ChildProcess(const std::string& program, const std::vector<std::string>& args, std::vector<std::string> env,
               const std::string& log_path, bool watchdog_pid_env) {
    std::vector<std::string> argv_s{program};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);
    // Everything the child needs is prepared here: between fork and exec only async-signal-safe
    // calls are allowed (the parent has threads).
    char pid_env[64] = "WATCHDOG_PID=";
    std::vector<char*> envp;
    for (auto& e : env) envp.push_back(e.data());
    if (watchdog_pid_env) envp.push_back(pid_env);
    envp.push_back(nullptr);
    const int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (log_fd < 0 || null_fd < 0) throw std::runtime_error("ChildProcess: cannot open " + log_path);

    m_pid = ::fork();
    if (m_pid < 0) throw std::runtime_error("ChildProcess: fork");
    if (m_pid == 0) {
      // Child: WATCHDOG_PID=<getpid()> written by hand (no allocation, no locale).
      char digits[24];
      int n = 0;
      for (long v = ::getpid(); v > 0; v /= 10) digits[n++] = static_cast<char>('0' + v % 10);
      size_t at = std::strlen(pid_env);
      while (n > 0) pid_env[at++] = digits[--n];
      pid_env[at] = '\0';
      ::dup2(null_fd, 0);
      ::dup2(log_fd, 1);
      ::dup2(log_fd, 2);
      ::execve(program.c_str(), argv.data(), envp.data());
      ::_exit(127);
    }
    ::close(log_fd);
    ::close(null_fd);
  }
  ~ChildProcess() { kill_now(); }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return m_pid; }
  bool running() {
    reap(false);
    return !m_status.has_value();
  }
  void signal(int sig) const {
    if (!m_status) ::kill(m_pid, sig);
  }
  // Waits up to `timeout` for the exit; returns the exit code (-signal when killed by one), or
  // std::nullopt when still running.
  std::optional<int> wait(std::chrono::milliseconds timeout) {
    poll_until([&] { return !running(); }, timeout, std::chrono::milliseconds(10));
    return m_status;
  }
  void kill_now() {
    if (m_pid <= 0 || m_status) return;
    ::kill(m_pid, SIGKILL);
    reap(true);
  }

 private:
  void reap(bool block) {
    if (m_status || m_pid <= 0) return;
    int status = 0;
    const pid_t r = ::waitpid(m_pid, &status, block ? 0 : WNOHANG);
    if (r != m_pid) return;
    m_status = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
  }

  pid_t m_pid = -1;
  std::optional<int> m_status;
};

struct HttpReply {
  int status = 0;  // 0 = no answer
  std::string body;
  nlohmann::json json() const { return nlohmann::json::parse(body, nullptr, false); }
};

// One running `ascsync run` set-up: simulator + config + daemon + notify socket.
class DaemonFixture {
 public:
  static constexpr const char* k_team = "acme";

  explicit DaemonFixture(sim::Options options = {}) : fx(std::move(options)) {
    dir = fx.dir;
    config_path = dir + "/ascsync.yaml";
    desired_path = dir + "/acme.yaml";
    db_path = dir + "/ascsync.db";
    log_path = dir + "/daemon.log";
    admin_port = free_loopback_port();
    write_config();
    write_text(desired_path, std::string("team: ") + k_team + "\n");
  }
  ~DaemonFixture() {
    daemon.reset();
    notify.reset();
  }
  DaemonFixture(const DaemonFixture&) = delete;
  DaemonFixture& operator=(const DaemonFixture&) = delete;

  sim::Simulator& sim() { return *fx.sim; }

  void add_apps(const std::vector<std::string>& bundle_ids) {
    for (const auto& b : bundle_ids) app_ids[b] = sim().add_app(b, "App " + b);
  }

  // Writes ascsync.yaml: one team against the simulator, admin on 127.0.0.1:<admin_port>, the
  // given interval (long: cycles run only at start, on reload and on trigger), plus `extra`
  // top-level YAML.
  void write_config(const std::string& interval = "1h", const std::string& extra = "") {
    write_text(config_path,
               "database: " + db_path + "\nlog:\n  level: info\nadmin:\n  listen: " + admin_host + ":" +
                   std::to_string(admin_port) + "\ndefaults:\n  interval: " + interval +
                   "\n  jitter: 1s\nteams:\n  - name: " + k_team + "\n    issuer_id: " + fx.issuer_id +
                   "\n    key_id: " + fx.key_id + "\n    private_key_file: " + fx.key_path +
                   "\n    desired_state: " + desired_path + "\n    base_url: " + fx.base_url + "\n" + extra);
  }
  void write_desired(const std::string& yaml) { write_text(desired_path, yaml); }

  // The environment every ascsync child gets: PATH and sanitizer options only, nothing from
  // the test's own environment (no ASCSYNC_*, no JOURNAL_STREAM, no real NOTIFY_SOCKET).
  std::vector<std::string> base_env() const {
    std::vector<std::string> env;
    for (const char* keep : {"PATH", "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", "TMPDIR"})
      if (const char* v = std::getenv(keep)) env.push_back(std::string(keep) + "=" + v);
    env.push_back("HOME=" + dir);
    return env;
  }

  // Starts `ascsync --config <config> run` with a fake NOTIFY_SOCKET and, with `watchdog`,
  // WATCHDOG_USEC=2000000 and WATCHDOG_PID=<its pid>.
  void start(bool watchdog = true) {
    daemon.reset();
    if (!notify) notify = std::make_unique<NotifySocket>(dir + "/notify.sock");
    auto env = base_env();
    env.push_back("NOTIFY_SOCKET=" + notify->path());
    if (watchdog) env.push_back("WATCHDOG_USEC=2000000");
    daemon = std::make_unique<ChildProcess>(
        ascsync_binary(), std::vector<std::string>{"--config", config_path, "run"}, env, log_path, watchdog);
  }
  // The daemon's stderr so far (for failure messages).
  std::string log() const {
    return "--- daemon log ---\n" + read_text(log_path) + "--- notify ---\n" +
           (notify ? notify->dump() : std::string());
  }

  HttpReply get(const std::string& path) const {
    httplib::Client client("127.0.0.1", admin_port);
    client.set_connection_timeout(2);
    client.set_read_timeout(10);
    auto res = client.Get(path);
    if (!res) return {};
    return {res->status, res->body};
  }
  nlohmann::json status() const { return get("/status").json(); }
  // The team's entry in /status, or null.
  nlohmann::json team_status() const {
    const auto s = status();
    if (!s.is_object() || !s.contains("teams")) return nullptr;
    for (const auto& t : s["teams"])
      if (t.value("name", "") == k_team) return t;
    return nullptr;
  }
  // The team's finished cycle count (-1 when the endpoint does not answer).
  long long cycles() const {
    const auto t = team_status();
    return t.is_object() ? t.value("cycles", -1LL) : -1;
  }
  // Waits until the team has finished more than `after` cycles and none is running.
  bool wait_for_cycle(long long after, std::chrono::milliseconds timeout = std::chrono::seconds(30)) const {
    return poll_until(
        [&] {
          const auto t = team_status();
          return t.is_object() && t.value("cycles", -1LL) > after && !t.value("running", true);
        },
        timeout);
  }
  // The value of an unlabelled sample in /metrics, or std::nullopt.
  std::optional<double> metric(const std::string& name) const {
    const std::string text = get("/metrics").body;
    size_t at = 0;
    while ((at = text.find(name, at)) != std::string::npos) {
      const bool line_start = at == 0 || text[at - 1] == '\n';
      const size_t after = at + name.size();
      if (line_start && after < text.size() && text[after] == ' ') return std::stod(text.substr(after + 1));
      at = after;
    }
    return std::nullopt;
  }

  // `ascsync --config <config> args...` run to completion.
  CommandResult ascsync(const std::vector<std::string>& args) const {
    std::vector<std::string> full{"--config", config_path};
    full.insert(full.end(), args.begin(), args.end());
    return run_process(ascsync_binary(), full, dir);
  }

  World world() const { return world_of(fx.sim->dump_state()); }

  SimFixture fx;
  std::string dir;
  std::string config_path;
  std::string desired_path;
  std::string db_path;
  std::string log_path;
  std::string admin_host = "127.0.0.1";
  int admin_port = 0;
  std::map<std::string, std::string> app_ids;
  std::unique_ptr<NotifySocket> notify;
  std::unique_ptr<ChildProcess> daemon;
};

}  // namespace test_support
