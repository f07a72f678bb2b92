#pragma once
// Runs Stoplight Prism (the OpenAPI validation proxy, see /work/shared/asc-openapi/TESTING-NOTES.md)
// as a child process in its own process group, bound to 127.0.0.1, with its output in a log
// file. The destructor always stops the whole group. Header-only test support.
#include <fcntl.h>
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

#include "support/ports.hpp"

namespace test_support {

// Where scripts/install-prism.sh puts Prism: $ASCSYNC_PRISM, else
// ${ASCSYNC_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ascsync-tools}/prism/node_modules/.bin/prism.
// Returns the path, or "" when no executable is there.
inline std::string find_prism() {
  namespace fs = std::filesystem;
  std::vector<std::string> candidates;
  if (const char* explicit_path = std::getenv("ASCSYNC_PRISM"); explicit_path && *explicit_path)
    candidates.emplace_back(explicit_path);
  std::string tools;
  if (const char* dir = std::getenv("ASCSYNC_TOOLS_DIR"); dir && *dir)
    tools = dir;
  else if (const char* cache = std::getenv("XDG_CACHE_HOME"); cache && *cache)
    tools = std::string(cache) + "/ascsync-tools";
  else if (const char* home = std::getenv("HOME"); home && *home)
    tools = std::string(home) + "/.cache/ascsync-tools";
  if (!tools.empty()) candidates.push_back(tools + "/prism/node_modules/.bin/prism");
  for (const auto& path : candidates)
    if (::access(path.c_str(), X_OK) == 0) return path;
  return {};
}

struct PrismOptions {
  std::string executable;  // from find_prism()
  std::string spec_path;   // the OpenAPI document
  std::string upstream;    // "http://127.0.0.1:<port>"
  // false forwards requests Prism considers invalid, so the upstream's own 400/422 answers can
  // be validated too; response validation is unaffected.
  bool validate_request = true;
};

class PrismProxy {
 public:
  PrismProxy() = default;
  PrismProxy(const PrismProxy&) = delete;
  PrismProxy& operator=(const PrismProxy&) = delete;
  ~PrismProxy() { stop(); }

  // Spawns `prism proxy --errors` on a free loopback port. Returns an error text, or "" when the
  // process started (it is not ready yet: call wait_ready()).
  std::string start(const PrismOptions& options) {
    m_port = free_loopback_port();
    if (m_port == 0) return "no free loopback port";
    char log_template[] = "/tmp/ascsync-prism-XXXXXX";
    const int log_fd = ::mkstemp(log_template);
    if (log_fd < 0) return "cannot create a log file";
    ::close(log_fd);
    m_log_path = log_template;

    std::vector<std::string> args = {
        options.executable,    "proxy", "--errors", "-v", "warn", "-h", "127.0.0.1", "-p",
        std::to_string(m_port)};
    if (!options.validate_request) args.emplace_back("--validate-request=false");
    args.push_back(options.spec_path);
    args.push_back(options.upstream);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);

    std::vector<std::string> env_strings;
    for (char** e = environ; e && *e; ++e)
      if (std::string_view(*e).rfind("SCARF_ANALYTICS=", 0) != 0) env_strings.emplace_back(*e);
    env_strings.emplace_back("SCARF_ANALYTICS=false");  // no analytics calls from a dependency
    std::vector<char*> envp;
    for (auto& e : env_strings) envp.push_back(e.data());
    envp.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, m_log_path.c_str(), O_WRONLY | O_APPEND, 0);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attr, 0);  // its own group, so stop() reaches node's children too
    const int rc = ::posix_spawn(&m_pid, argv[0], &actions, &attr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    if (rc != 0) {
      m_pid = -1;
      return "posix_spawn " + options.executable + " failed: " + std::strerror(rc);
    }
    return {};
  }

  // Polls until Prism answers any HTTP request. Returns an error text (with the log), or "".
  std::string wait_ready(std::chrono::seconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (m_pid > 0 && ::waitpid(m_pid, &status, WNOHANG) == m_pid) {
        m_pid = -1;
        return "Prism exited during startup (status " + std::to_string(status) + "):\n" + log();
      }
      httplib::Client probe("127.0.0.1", m_port);
      probe.set_connection_timeout(0, 200'000);
      if (probe.Get("/__ascsync_ready")) return {};
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return "Prism did not answer within " + std::to_string(timeout.count()) + " s:\n" + log();
  }

  // Terminates the whole process group: SIGTERM, then SIGKILL after two seconds.
  void stop() {
    if (m_pid <= 0) return;
    ::kill(-m_pid, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    int status = 0;
    while (::waitpid(m_pid, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        ::kill(-m_pid, SIGKILL);
        ::waitpid(m_pid, &status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ::kill(-m_pid, SIGKILL);  // stragglers in the group, if any
    m_pid = -1;
    if (!m_log_path.empty() && std::getenv("ASCSYNC_KEEP_PRISM_LOG") == nullptr) {
      std::error_code ec;
      std::filesystem::remove(m_log_path, ec);
    }
  }

  int port() const { return m_port; }
  const std::string& log_path() const { return m_log_path; }
  std::string log() const {
    std::ifstream in(m_log_path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

 private:
  pid_t m_pid = -1;
  int m_port = 0;
  std::string m_log_path;
};

}  // namespace test_support
