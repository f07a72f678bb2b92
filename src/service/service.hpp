#pragma once
// `ascsync run`: the service around the reconcile cycle. Start-up (load config, bind the admin
// endpoint, start the per-team scheduler, READY=1), a main loop that feeds the systemd
// watchdog and handles SIGHUP (reload) and SIGTERM/SIGINT (stop), and an orderly stop.
// The cycle itself and the configuration loading are injected (see daemon/cycle.hpp).
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "service/admin_server.hpp"
#include "service/cycle_result.hpp"
#include "service/notify.hpp"
#include "service/scheduler.hpp"
#include "service/service_metrics.hpp"
#include "util/clock.hpp"

namespace service {

class SignalWatcher;

inline constexpr int k_exit_ok = 0;
inline constexpr int k_exit_failure = 1;  // start-up failed, or a cycle ignored the stop deadline
inline constexpr int k_exit_config = 78;  // EX_CONFIG: invalid configuration at start-up

struct ServiceOptions {
  AdminOptions admin;
  bool admin_enabled = true;
  SchedulerOptions scheduler;
  // How long in-flight cycles get to honour their stop token at shutdown (keep it below the
  // unit's TimeoutStopSec).
  std::chrono::milliseconds stop_deadline{std::chrono::seconds(20)};
  // /healthz fails when the main loop has not come round for this long.
  std::chrono::milliseconds heartbeat_timeout{std::chrono::seconds(30)};
  // Longest main-loop sleep; shortened to half the systemd watchdog interval when that is on.
  std::chrono::milliseconds tick{std::chrono::seconds(1)};
  // Install SIGHUP/SIGTERM/SIGINT handlers for the duration of run(). Tests that run several
  // services use request_reload()/request_stop() instead.
  bool handle_signals = true;
  // alerts (docs/alerts.md): when set, /status carries its result as "alerts" (the firing ones).
  std::function<nlohmann::json()> alerts_status;
};

class Service {
 public:
  Service(ServiceOptions options, CycleFn cycle, ReloadFn reload,
          std::shared_ptr<util::Clock> clock = util::system_clock());
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  // Blocks: start-up → READY=1 → main loop → stop. Returns k_exit_ok after a clean stop,
  // k_exit_config when the configuration is invalid at start-up, k_exit_failure otherwise.
  // Call once.
  int run();

  // Thread-safe, callable before or during run(); they only enqueue work for the main loop.
  void request_stop();
  void request_reload();
  bool trigger(const std::string& team);  // false when no such team
  void trigger_all();

  // Blocks (real time) until run() reached its main loop or returned; true when it is running.
  bool wait_until_running(std::chrono::milliseconds timeout) const;

  // The admin endpoint's bound port (0 before it started or when disabled).
  int admin_port() const;
  // /healthz: the main loop's heartbeat is fresh.
  bool healthy() const;
  // /readyz: {"ready": bool, "reasons": [...]}: ready when running, the configuration is valid
  // and no team's configuration is broken or last cycle failed or was blocked. With `team`, only
  // that team counts (and the configuration of the others does not); {"unknown_team": true}
  // for a team not configured. A team paused for budget is ready.
  nlohmann::json readiness(const std::optional<std::string>& team = std::nullopt) const;
  // /status: config state and per team the last cycle, outcome, summary, error and next run.
  nlohmann::json status() const;
  // /metrics: Prometheus text format 0.0.4.
  std::string metrics_text() const;

  ServiceMetrics& metrics() { return m_metrics; }
  Scheduler& scheduler() { return m_scheduler; }

 private:
  enum class Phase { created, starting, running, stopping, stopped };

  int run_started();
  void main_loop();
  void reload();
  // Takes a (re)load's per-team problems (TeamSchedule::error): status, metrics, log.
  void apply_team_errors(const std::vector<TeamSchedule>& teams);
  void set_phase(Phase phase);
  void beat();
  void wake_main_loop();
  std::string status_line() const;

  ServiceOptions m_options;
  ReloadFn m_reload;
  std::shared_ptr<util::Clock> m_clock;
  Notifier m_notifier;
  ServiceMetrics m_metrics;
  Scheduler m_scheduler;  // after m_metrics: its workers report into the metrics
  std::unique_ptr<AdminServer> m_admin;
  std::atomic<int> m_admin_port{0};

  SignalWatcher* m_signals = nullptr;  // set for the duration of run() when handling signals
  int m_wake_read_fd = -1;
  int m_wake_write_fd = -1;
  std::atomic<bool> m_stop_requested{false};
  std::atomic<bool> m_reload_requested{false};
  std::atomic<long long> m_heartbeat_ns{0};  // steady clock

  mutable std::mutex m_mutex;
  mutable std::condition_variable m_phase_cv;
  Phase m_phase = Phase::created;
  bool m_config_valid = false;
  std::string m_config_error;
  std::map<std::string, std::string> m_team_errors;  // team -> TeamSchedule::error (non-empty only)
  std::optional<util::TimePoint> m_last_reload;
  util::TimePoint m_started_at;
};

}  // namespace service
