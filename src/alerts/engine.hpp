#pragma once
// Alert state (SQLite, migrations/0004_alerts.sql) and the decisions made on it: an evaluation
// (evaluate.hpp) is compared with the stored instances; new alerts fire, a deeper expiry tier
// notifies once, a still-firing alert repeats after `repeat`, a cleared one resolves. Every
// notification becomes one outbox row per channel (delivery.hpp sends them). Nothing here does
// network I/O, so a cycle never waits on a channel.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "alerts/alert.hpp"
#include "alerts/evaluate.hpp"
#include "config/daemon_config.hpp"
#include "store/database.hpp"
#include "util/clock.hpp"
#include "util/result.hpp"

namespace alerts {

// Milliseconds since the Unix epoch: how alert state stores times.
inline long long unix_ms(util::TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

struct Instance {
  Alert alert;
  std::string state;  // "firing" | "resolved"
  util::TimePoint started_at;
  util::TimePoint updated_at;
  util::TimePoint last_notified_at;
  std::optional<util::TimePoint> resolved_at;
  nlohmann::json to_json() const;
};

struct OutboxRow {
  int64_t id = 0;
  std::string channel;
  std::string dedup_key;
  std::string event;     // firing | repeat | resolved | test
  nlohmann::json alert;  // Alert::to_json() plus starts_at / ends_at
  util::TimePoint created_at;
  int attempts = 0;
  long long next_attempt_ms = 0;
  std::string last_error;
  std::optional<util::TimePoint> sent_at;
};

// What apply() did, for logs and tests.
struct Changes {
  int fired = 0;
  int escalated = 0;  // a deeper tier
  int repeated = 0;
  int resolved = 0;
  int notifications = 0;  // outbox rows written
};

Rules rules_from(const config::AlertsConfig& cfg);

class AlertEngine {
 public:
  // `db` must outlive the engine and be used by one thread at a time.
  AlertEngine(store::Database& db, config::AlertsConfig cfg, const util::Clock& clock);

  // Brings the team's stored alerts in line with `evaluation` (only names it covers resolve).
  util::Result<Changes> apply(const std::string& team, const Evaluation& evaluation);

  // For event-driven alerts (certificate renewal calls these): raise fires `alert` unless it is
  // already firing (then it repeats after `repeat` like any other); a one-shot alert
  // (AscsyncCertificateRenewed) notifies once and is stored as resolved at once.
  util::Result<Changes> raise(const Alert& alert);
  util::Result<Changes> resolve(const std::string& team, const std::string& alertname,
                                const std::string& object);

  // AscsyncTeamStale bookkeeping: a cycle ended (success or not) for a team with this interval.
  util::Status record_cycle(const std::string& team, bool success, std::chrono::seconds interval);
  // A configured team: first seen now unless known; its interval updated.
  util::Status register_team(const std::string& team, std::chrono::seconds interval);
  struct Health {
    util::TimePoint first_seen;
    std::optional<util::TimePoint> last_success;
    std::chrono::seconds interval{0};
  };
  util::Result<std::optional<Health>> health(const std::string& team);
  util::Result<std::vector<std::string>> known_teams();

  // A test notification to one channel (`ascsync alerts test`); error when no such channel.
  util::Result<int64_t> enqueue_test(const std::string& channel);

  const config::AlertsConfig& config() const { return m_cfg; }

 private:
  util::Status notify(const Alert& alert, const std::string& event, util::TimePoint starts_at,
                      std::optional<util::TimePoint> ends_at, Changes& changes,
                      bool alertmanager_only = false);
  util::Result<Changes> apply_one(const Alert& alert, const std::optional<Instance>& existing,
                                  Changes changes);
  util::Status resolve_instance(const Instance& inst, Changes& changes);

  store::Database* m_db;
  config::AlertsConfig m_cfg;
  const util::Clock* m_clock;
};

// Reads state (the daemon's worker threads and `ascsync alerts` use their own connections).
util::Result<std::vector<Instance>> load_instances(store::Database& db, bool firing_only,
                                                   const std::optional<std::string>& team = std::nullopt,
                                                   int limit = 1000);
util::Result<std::optional<Instance>> load_instance(store::Database& db, const std::string& dedup_key);
util::Result<std::vector<OutboxRow>> due_outbox(store::Database& db, const std::string& channel,
                                                long long now_ms, int limit);
util::Result<std::vector<OutboxRow>> recent_outbox(store::Database& db, int limit);
util::Status mark_sent(store::Database& db, int64_t id, util::TimePoint at);
util::Status mark_failed(store::Database& db, int64_t id, const std::string& error,
                         long long next_attempt_ms);
// Undelivered rows per channel.
util::Result<std::vector<std::pair<std::string, long long>>> outbox_backlog(store::Database& db);

}  // namespace alerts
