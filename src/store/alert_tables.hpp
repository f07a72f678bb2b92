#pragma once
// The alert engine's tables (schema v4): alert instances (one row per alert identity, firing or
// resolved), the delivery outbox (one row per notification per channel) and each team's cycle
// health. The engine (src/alerts/engine.cpp) decides; these only read and write rows.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "store/database.hpp"
#include "util/clock.hpp"
#include "util/result.hpp"

namespace store {

struct AlertInstanceRow {
  std::string dedup_key;
  std::string team;
  std::string alertname;
  std::string object;
  std::string severity;
  std::optional<int64_t> tier;
  std::string state;       // "firing" | "resolved"
  std::string alert_json;  // the alert, serialised by the engine
  util::TimePoint started_at;
  util::TimePoint updated_at;
  util::TimePoint last_notified_at;
  std::optional<util::TimePoint> resolved_at;
};

// Inserts, or updates the row with the same dedup_key (severity, tier, state, alert and times).
util::Status upsert_alert_instance(Database& db, const AlertInstanceRow& row);
// Firing first, then newest update first; `team` nullopt = every team. Filled in: state,
// alert_json and the times.
util::Result<std::vector<AlertInstanceRow>> alert_instances(Database& db, bool firing_only,
                                                            const std::optional<std::string>& team,
                                                            int limit);
util::Result<std::optional<AlertInstanceRow>> alert_instance(Database& db, const std::string& dedup_key);

struct AlertOutboxRow {
  int64_t id = 0;
  std::string channel;
  std::string dedup_key;
  std::string event;       // firing | repeat | resolved | test
  std::string alert_json;  // the payload
  util::TimePoint created_at;
  int attempts = 0;
  long long next_attempt_ms = 0;
  std::string last_error;
  std::optional<util::TimePoint> sent_at;
};

// Queues one notification; returns its id.
util::Result<int64_t> enqueue_alert_notification(Database& db, const std::string& channel,
                                                 const std::string& dedup_key, const std::string& event,
                                                 const std::string& alert_json, util::TimePoint created_at,
                                                 long long next_attempt_ms);
// The channel's undelivered rows, oldest first, at most `limit`.
util::Result<std::vector<AlertOutboxRow>> undelivered_notifications(Database& db, const std::string& channel,
                                                                    int limit);
// The newest `limit` rows, newest first.
util::Result<std::vector<AlertOutboxRow>> recent_notifications(Database& db, int limit);
util::Status mark_notification_sent(Database& db, int64_t id, util::TimePoint at);
util::Status mark_notification_failed(Database& db, int64_t id, const std::string& error,
                                      long long next_attempt_ms);
// channel -> undelivered rows.
util::Result<std::vector<std::pair<std::string, long long>>> notification_backlog(Database& db);

struct AlertTeamHealthRow {
  util::TimePoint first_seen;
  std::optional<util::TimePoint> last_success;
  std::chrono::seconds interval{0};
};

// A cycle of the team ended at `at` (successful or not).
util::Status record_alert_team_cycle(Database& db, const std::string& team, util::TimePoint at, bool success,
                                     std::chrono::seconds interval);
// The team is configured (first seen `at` unless already known); updates its interval.
util::Status register_alert_team(Database& db, const std::string& team, util::TimePoint at,
                                 std::chrono::seconds interval);
util::Result<std::optional<AlertTeamHealthRow>> alert_team_health(Database& db, const std::string& team);
// Sorted.
util::Result<std::vector<std::string>> alert_teams(Database& db);

}  // namespace store
