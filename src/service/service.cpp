#include "service/service.hpp"

#include <fcntl.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <set>
#include <system_error>

#include "service/signals.hpp"
#include "util/time.hpp"

namespace service {

using std::chrono::milliseconds;

namespace {

long long steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

nlohmann::json time_or_null(const std::optional<util::TimePoint>& t) {
  return t ? nlohmann::json(util::format_rfc3339(*t)) : nlohmann::json(nullptr);
}

void drain(int fd) {
  char buf[64];
  while (read(fd, buf, sizeof buf) > 0) {
  }
}

}  // namespace

Service::Service(ServiceOptions options, CycleFn cycle, ReloadFn reload, std::shared_ptr<util::Clock> clock)
    : m_options(std::move(options)),
      m_reload(std::move(reload)),
      m_clock(std::move(clock)),
      m_scheduler(std::move(cycle), m_clock, m_options.scheduler,
                  [this](const std::string& team, const CycleResult& r, std::chrono::duration<double> elapsed,
                         util::TimePoint finished) {
                    m_metrics.record_cycle(team, r, elapsed, finished);
                    spdlog::debug("team {}: cycle {} in {:.1f} s", team, util::metric_label(r.outcome),
                                  elapsed.count());
                    wake_main_loop();  // refreshes STATUS=
                  }) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0)
    throw std::system_error(errno, std::generic_category(), "pipe2");
  m_wake_read_fd = fds[0];
  m_wake_write_fd = fds[1];
  m_started_at = m_clock->now();
}

Service::~Service() {
  m_scheduler.stop(m_options.stop_deadline);
  if (m_admin) m_admin->stop();
  close(m_wake_read_fd);
  close(m_wake_write_fd);
}

void Service::wake_main_loop() {
  const char byte = 1;
  [[maybe_unused]] const ssize_t n = write(m_wake_write_fd, &byte, 1);
}

void Service::request_stop() {
  m_stop_requested = true;
  wake_main_loop();
}

void Service::request_reload() {
  m_reload_requested = true;
  wake_main_loop();
}

bool Service::trigger(const std::string& team) {
  return m_scheduler.trigger(team);
}

void Service::trigger_all() {
  m_scheduler.trigger_all();
}

void Service::set_phase(Phase phase) {
  {
    std::lock_guard lock(m_mutex);
    m_phase = phase;
  }
  m_phase_cv.notify_all();
}

void Service::beat() {
  m_heartbeat_ns = steady_ns();
}

bool Service::wait_until_running(milliseconds timeout) const {
  std::unique_lock lock(m_mutex);
  m_phase_cv.wait_for(lock, timeout, [&] { return m_phase == Phase::running || m_phase == Phase::stopped; });
  return m_phase == Phase::running;
}

int Service::admin_port() const {
  return m_admin_port.load();
}

int Service::run() {
  {
    std::lock_guard lock(m_mutex);
    if (m_phase != Phase::created) {
      spdlog::error("Service::run called twice");
      return k_exit_failure;
    }
    m_phase = Phase::starting;
  }
  beat();
  int code = k_exit_failure;
  try {
    // Installed before any thread starts and kept until the stop is done: a second SIGTERM
    // must not kill the process half-way through joining.
    std::optional<SignalWatcher> signals;
    if (m_options.handle_signals) signals.emplace();
    m_signals = signals ? &*signals : nullptr;
    code = run_started();
    m_signals = nullptr;
  } catch (const std::exception& e) {
    spdlog::critical("start-up failed: {}", e.what());
    code = k_exit_failure;
  }
  m_metrics.up.set({}, 0);
  set_phase(Phase::stopped);
  return code;
}

int Service::run_started() {
  auto teams = m_reload();
  if (!teams) {
    spdlog::critical("configuration invalid: {}", teams.error().describe());
    {
      std::lock_guard lock(m_mutex);
      m_config_valid = false;
      m_config_error = teams.error().message;
    }
    m_metrics.record_config_load(false, false);
    m_notifier.status("Configuration invalid: " + teams.error().message);
    return k_exit_config;
  }
  {
    std::lock_guard lock(m_mutex);
    m_config_valid = true;
    m_last_reload = m_clock->now();
  }
  apply_team_errors(*teams);
  {
    std::lock_guard lock(m_mutex);
    m_metrics.record_config_load(m_config_valid, false);
  }

  if (m_options.admin_enabled) {
    AdminHandlers handlers;
    handlers.healthy = [this] { return healthy(); };
    handlers.readiness = [this](const std::optional<std::string>& team) { return readiness(team); };
    handlers.metrics = [this] { return metrics_text(); };
    handlers.status = [this] { return status(); };
    handlers.trigger = [this](const std::optional<std::string>& team) {
      if (!team) {
        m_scheduler.trigger_all();
        return m_scheduler.team_names();
      }
      return m_scheduler.trigger(*team) ? std::vector<std::string>{*team} : std::vector<std::string>{};
    };
    m_admin = std::make_unique<AdminServer>(m_options.admin, std::move(handlers));
    if (auto started = m_admin->start(); !started) {
      spdlog::critical("{}", started.error().describe());
      m_admin.reset();
      return k_exit_failure;
    }
    m_admin_port = m_admin->port();
  }

  m_scheduler.set_teams(*teams);
  spdlog::info("ascsync {} running {} team(s)", ASCSYNC_VERSION, teams->size());
  set_phase(Phase::running);
  m_notifier.ready(status_line());

  main_loop();

  set_phase(Phase::stopping);
  m_notifier.stopping();
  spdlog::info("stopping: cancelling in-flight cycles");
  const bool clean = m_scheduler.stop(m_options.stop_deadline);
  if (m_admin) m_admin->stop();
  if (!clean) spdlog::error("a cycle did not stop within {} ms", m_options.stop_deadline.count());
  spdlog::info("stopped");
  return clean ? k_exit_ok : k_exit_failure;
}

void Service::main_loop() {
  const auto watchdog = Notifier::watchdog_interval();
  milliseconds tick = m_options.tick;
  if (watchdog) {
    // Pinged from this loop, not a helper thread, so a stuck loop is restarted by systemd.
    tick = std::min(tick, std::chrono::duration_cast<milliseconds>(*watchdog / 2));
    tick = std::max(tick, milliseconds(1));
    spdlog::info("systemd watchdog every {} ms", std::chrono::duration_cast<milliseconds>(*watchdog).count());
  }
  std::string last_status = status_line();
  while (true) {
    beat();
    if (watchdog) m_notifier.watchdog();
    if (m_stop_requested) return;
    if (m_reload_requested.exchange(false)) {
      reload();
      beat();
      continue;
    }
    const std::string line = status_line();
    if (line != last_status) {
      m_notifier.status(line);
      last_status = line;
    }

    pollfd fds[2] = {{m_wake_read_fd, POLLIN, 0}, {m_signals ? m_signals->fd() : -1, POLLIN, 0}};
    if (poll(fds, 2, static_cast<int>(tick.count())) <= 0) continue;
    if (fds[0].revents != 0) drain(m_wake_read_fd);
    while (m_signals != nullptr) {
      const auto event = m_signals->next();
      if (!event) break;
      if (*event == SignalEvent::stop) {
        spdlog::info("stop signal received");
        m_stop_requested = true;
      } else {
        m_reload_requested = true;
      }
    }
  }
}

void Service::reload() {
  spdlog::info("reloading configuration");
  m_notifier.reloading();
  const std::vector<std::string> before = m_scheduler.team_names();
  auto teams = m_reload();
  if (!teams) {
    spdlog::error("configuration reload failed, keeping the last good configuration: {}",
                  teams.error().describe());
    {
      std::lock_guard lock(m_mutex);
      m_config_valid = false;
      m_config_error = teams.error().message;
      m_last_reload = m_clock->now();
    }
    m_metrics.record_config_load(false, true);
    m_notifier.ready(status_line());
    return;
  }
  std::set<std::string> after;
  for (const auto& t : *teams) after.insert(t.name);
  // Removed teams leave the metrics before the scheduler shows them gone (readers that see the
  // new team list never see their series), and again after, for a cycle that was still ending.
  const auto forget_removed = [&] {
    for (const auto& name : before)
      if (after.count(name) == 0) m_metrics.forget_team(name);
  };
  forget_removed();
  m_scheduler.set_teams(*teams);
  forget_removed();
  // The desired state may have changed: every team converges to it now, not at its next tick
  // (teams new to the configuration already start with an immediate cycle).
  for (const auto& name : before) {
    if (after.count(name) > 0) m_scheduler.trigger(name);
  }
  {
    std::lock_guard lock(m_mutex);
    m_config_valid = true;
    m_config_error.clear();
    m_last_reload = m_clock->now();
  }
  apply_team_errors(*teams);
  bool valid = true;
  {
    std::lock_guard lock(m_mutex);
    valid = m_config_valid;
  }
  m_metrics.record_config_load(valid, true);
  spdlog::info("configuration reloaded: {} team(s){}", teams->size(),
               valid ? "" : ", some with problems (see /status)");
  m_notifier.ready(status_line());
}

void Service::apply_team_errors(const std::vector<TeamSchedule>& teams) {
  std::map<std::string, std::string> errors;
  for (const auto& t : teams) {
    m_metrics.record_team_config(t.name, t.error.empty());
    if (t.error.empty()) continue;
    errors[t.name] = t.error;
    spdlog::error("team {}: {}", t.name, t.error);
  }
  std::lock_guard lock(m_mutex);
  m_team_errors = std::move(errors);
  if (!m_team_errors.empty()) {
    // One team's broken key or desired state does not stop the others (invariant 11), but the
    // configuration as loaded is not all good: said in /status, /readyz and ascsync_config_valid.
    m_config_valid = false;
    m_config_error.clear();
    for (const auto& [name, error] : m_team_errors)
      m_config_error += (m_config_error.empty() ? "" : "\n") + ("team " + name + ": " + error);
  }
}

bool Service::healthy() const {
  {
    std::lock_guard lock(m_mutex);
    if (m_phase == Phase::created || m_phase == Phase::stopped) return false;
  }
  return steady_ns() - m_heartbeat_ns.load() <
         std::chrono::duration_cast<std::chrono::nanoseconds>(m_options.heartbeat_timeout).count();
}

nlohmann::json Service::readiness(const std::optional<std::string>& team) const {
  nlohmann::json reasons = nlohmann::json::array();
  const auto teams = m_scheduler.snapshot();
  if (team && std::none_of(teams.begin(), teams.end(), [&](const TeamStatus& t) { return t.name == *team; }))
    return {{"ready", false}, {"unknown_team", true}};
  {
    std::lock_guard lock(m_mutex);
    if (m_phase != Phase::running) reasons.push_back(m_phase == Phase::stopping ? "stopping" : "not running");
    if (!team && !m_config_valid)
      reasons.push_back("configuration invalid (running on the last good one): " + m_config_error);
    if (team)
      if (auto it = m_team_errors.find(*team); it != m_team_errors.end())
        reasons.push_back("team " + *team + ": " + it->second);
  }
  for (const auto& t : teams) {
    if (team && t.name != *team) continue;
    if (t.last_result && util::is_failure(t.last_result->outcome))
      reasons.push_back("team " + t.name + ": last cycle failed: " + t.last_result->error);
    if (t.last_result && t.last_result->outcome == util::CycleOutcome::blocked)
      reasons.push_back("team " + t.name + ": last cycle blocked (nothing applied): " + t.last_result->error);
  }
  return {{"ready", reasons.empty()}, {"reasons", reasons}};
}

nlohmann::json Service::status() const {
  nlohmann::json config;
  std::string phase;
  util::TimePoint started_at;
  {
    std::lock_guard lock(m_mutex);
    config = {{"valid", m_config_valid},
              {"error", m_config_error.empty() ? nlohmann::json(nullptr) : nlohmann::json(m_config_error)},
              {"last_load", time_or_null(m_last_reload)}};
    static const char* const k_phases[] = {"created", "starting", "running", "stopping", "stopped"};
    phase = k_phases[static_cast<int>(m_phase)];
    started_at = m_started_at;
  }
  nlohmann::json teams = nlohmann::json::array();
  for (const auto& t : m_scheduler.snapshot()) {
    nlohmann::json team = {{"name", t.name},
                           {"interval_seconds", t.interval.count()},
                           {"jitter_seconds", t.jitter.count()},
                           {"running", t.running},
                           {"trigger_pending", t.trigger_pending},
                           {"next_run", t.running ? nlohmann::json(nullptr) : time_or_null(t.next_run)},
                           {"last_started", time_or_null(t.last_started)},
                           {"last_finished", time_or_null(t.last_finished)},
                           {"last_success", time_or_null(t.last_success)},
                           {"consecutive_failures", t.consecutive_failures},
                           {"cycles", t.cycles}};
    {
      std::lock_guard lock(m_mutex);
      auto it = m_team_errors.find(t.name);
      team["config_error"] = it == m_team_errors.end() ? nlohmann::json(nullptr) : nlohmann::json(it->second);
    }
    team["paused_until"] = t.last_result && t.last_result->outcome == util::CycleOutcome::paused
                               ? time_or_null(t.last_result->paused_until)
                               : nlohmann::json(nullptr);
    if (t.last_result) {
      team["last_outcome"] = util::metric_label(t.last_result->outcome);
      team["last_summary"] = t.last_result->summary;
      team["last_error"] =
          t.last_result->error.empty() ? nlohmann::json(nullptr) : nlohmann::json(t.last_result->error);
    } else {
      team["last_outcome"] = nullptr;
      team["last_summary"] = nullptr;
      team["last_error"] = nullptr;
    }
    teams.push_back(std::move(team));
  }
  nlohmann::json out = {{"version", ASCSYNC_VERSION},
                        {"phase", phase},
                        {"started_at", util::format_rfc3339(started_at)},
                        {"now", util::format_rfc3339(m_clock->now())},
                        {"config", config},
                        {"teams", teams}};
  // alerts: the firing alerts, from the alerts layer (injected by `ascsync run`).
  if (m_options.alerts_status) out["alerts"] = m_options.alerts_status();
  return out;
}

std::string Service::metrics_text() const {
  return m_metrics.render();
}

std::string Service::status_line() const {
  int failing = 0;
  int running = 0;
  const auto teams = m_scheduler.snapshot();
  for (const auto& t : teams) {
    if (t.running) ++running;
    if (t.last_result && util::is_failure(t.last_result->outcome)) ++failing;
  }
  bool valid = false;
  {
    std::lock_guard lock(m_mutex);
    valid = m_config_valid;
  }
  std::string line = std::to_string(teams.size()) + " team(s), " + std::to_string(running) + " running, " +
                     std::to_string(failing) + " failing; configuration " +
                     (valid ? "valid" : "INVALID (last good in use)");
  // The most recently finished cycle's one-line summary, so `systemctl status` answers "what
  // did it last do?".
  const TeamStatus* latest = nullptr;
  for (const auto& t : teams)
    if (t.last_result && t.last_finished && (!latest || *t.last_finished > *latest->last_finished))
      latest = &t;
  if (latest) line += "; last cycle " + latest->name + ": " + latest->last_result->summary;
  return line;
}

}  // namespace service
