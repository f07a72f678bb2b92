#pragma once
// The daemon's alerting: one AlertService per `ascsync run`. after_cycle() evaluates a team's
// facts and records state and outbox rows in SQLite (quick, no network); a delivery worker per
// channel sends the outbox with exponential backoff and jitter, so a channel that is down never
// blocks a cycle and loses nothing. A periodic check raises AscsyncTeamStale for teams whose
// cycles stopped succeeding (or stopped ending at all).
#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "alerts/channels.hpp"
#include "alerts/engine.hpp"
#include "alerts/evaluate.hpp"
#include "config/daemon_config.hpp"
#include "store/database.hpp"
#include "util/clock.hpp"

namespace alerts {

struct DeliveryOptions {
  std::chrono::milliseconds backoff_initial{std::chrono::seconds(5)};
  std::chrono::milliseconds backoff_max{std::chrono::minutes(10)};  // retried forever, at most this far apart
  std::chrono::milliseconds poll{std::chrono::seconds(1)};          // longest sleep between outbox looks
  std::chrono::milliseconds stale_check{std::chrono::minutes(1)};   // AscsyncTeamStale between cycles
  ChannelOptions channel;
};

// The delay before attempt `attempts + 1`: initial * 2^(attempts-1), capped, with jitter (a
// uniform share of up to half of it taken off).
std::chrono::milliseconds backoff_delay(int attempts, const DeliveryOptions& options, double random01);

class AlertService {
 public:
  // Opens its own connections to `database`. Throws nothing; errors are logged.
  AlertService(std::string database, config::AlertsConfig cfg, std::shared_ptr<util::Clock> clock,
               DeliveryOptions options = {});
  ~AlertService();
  AlertService(const AlertService&) = delete;
  AlertService& operator=(const AlertService&) = delete;

  // Starts one delivery worker per channel and the stale check; stop() joins them.
  void start();
  void stop();

  // After each team cycle: records health, evaluates the facts (filled in from the database:
  // mirror, journal, health) and applies the result. Thread-safe; never does network I/O.
  util::Result<Changes> after_cycle(TeamFacts facts, bool success, std::chrono::seconds interval);
  // Event alerts (certificate renewal): see AlertEngine::raise/resolve.
  util::Result<Changes> raise(const Alert& alert);
  util::Result<Changes> resolve(const std::string& team, const std::string& alertname,
                                const std::string& object);
  // The configured (enabled) teams and their intervals; the stale check covers only these. A
  // team seen for the first time counts as seen now, so one whose cycles never end goes stale.
  void set_teams(const std::vector<std::pair<std::string, std::chrono::seconds>>& teams);
  // Runs the AscsyncTeamStale check for every configured team now.
  util::Status check_stale();

  // /status: the firing alerts. /metrics inputs: firing counts by name and severity.
  nlohmann::json status();
  std::map<std::pair<std::string, std::string>, long long> firing_counts();

  // Called for each delivery attempt: (channel, "sent" | "failed").
  void set_delivery_observer(std::function<void(const std::string&, const std::string&)> fn);
  void wake();

 private:
  template <typename F>
  auto with_engine(F&& f) -> decltype(f(std::declval<AlertEngine&>()));
  void deliver_loop(const config::AlertChannelConfig& cfg, std::stop_token stop);
  void stale_loop(std::stop_token stop);

  std::string m_database;
  config::AlertsConfig m_cfg;
  std::shared_ptr<util::Clock> m_clock;
  DeliveryOptions m_options;

  std::mutex m_engine_mutex;  // guards m_db (one connection for evaluation)
  std::optional<store::Database> m_db;

  std::mutex m_wake_mutex;
  std::condition_variable_any m_wake_cv;
  long long m_wake_seq = 0;
  std::mutex m_observer_mutex;
  std::function<void(const std::string&, const std::string&)> m_observer;
  std::mutex m_teams_mutex;
  std::optional<std::vector<std::string>> m_teams;
  std::vector<std::jthread> m_workers;
};

}  // namespace alerts
