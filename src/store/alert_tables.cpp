#include "store/alert_tables.hpp"

#include <sqlite3.h>

#include "store/sqlite.hpp"
#include "util/time.hpp"

namespace store {

namespace {

std::string ts(util::TimePoint t) {
  return util::format_rfc3339(t);
}
util::TimePoint parse_ts(const std::string& s) {
  return util::parse_rfc3339(s).value_or(util::TimePoint{});
}

constexpr const char* k_instance_cols =
    "SELECT alert, state, started_at, updated_at, last_notified_at, resolved_at FROM alert_instances ";
constexpr const char* k_outbox_cols =
    "SELECT id, channel, dedup_key, event, alert, created_at, attempts, next_attempt_ms, last_error, sent_at "
    "FROM alert_outbox ";

AlertInstanceRow read_instance(Statement& st) {
  AlertInstanceRow i;
  i.alert_json = st.column_text(0);
  i.state = st.column_text(1);
  i.started_at = parse_ts(st.column_text(2));
  i.updated_at = parse_ts(st.column_text(3));
  i.last_notified_at = parse_ts(st.column_text(4));
  if (!st.column_is_null(5)) i.resolved_at = parse_ts(st.column_text(5));
  return i;
}

AlertOutboxRow read_outbox(Statement& st) {
  AlertOutboxRow r;
  r.id = st.column_int(0);
  r.channel = st.column_text(1);
  r.dedup_key = st.column_text(2);
  r.event = st.column_text(3);
  r.alert_json = st.column_text(4);
  r.created_at = parse_ts(st.column_text(5));
  r.attempts = static_cast<int>(st.column_int(6));
  r.next_attempt_ms = st.column_int(7);
  r.last_error = st.column_text(8);
  if (!st.column_is_null(9)) r.sent_at = parse_ts(st.column_text(9));
  return r;
}

// Every row of a prepared statement, each turned into a value by `read`.
template <typename Read>
auto alert_rows(Statement& st, Read read) -> util::Result<std::vector<decltype(read(st))>> {
  std::vector<decltype(read(st))> out;
  for (;;) {
    auto row = st.step();
    if (!row) return row.error();
    if (!*row) break;
    out.push_back(read(st));
  }
  return out;
}

}  // namespace

util::Status upsert_alert_instance(Database& db, const AlertInstanceRow& row) {
  auto st = db.prepare(
      "INSERT INTO alert_instances (dedup_key, team, alertname, object, severity, tier, state, alert, "
      "started_at, "
      "updated_at, last_notified_at, resolved_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) "
      "ON CONFLICT (dedup_key) DO UPDATE SET severity = excluded.severity, tier = excluded.tier, state = "
      "excluded.state, alert = excluded.alert, started_at = excluded.started_at, updated_at = "
      "excluded.updated_at, "
      "last_notified_at = excluded.last_notified_at, resolved_at = excluded.resolved_at");
  if (!st) return st.error();
  st->bind_text(1, row.dedup_key)
      .bind_text(2, row.team)
      .bind_text(3, row.alertname)
      .bind_text(4, row.object)
      .bind_text(5, row.severity)
      .bind_opt_int(6, row.tier)
      .bind_text(7, row.state)
      .bind_text(8, row.alert_json)
      .bind_text(9, ts(row.started_at))
      .bind_text(10, ts(row.updated_at))
      .bind_text(11, ts(row.last_notified_at));
  if (row.resolved_at)
    st->bind_text(12, ts(*row.resolved_at));
  else
    st->bind_null(12);
  return st->run();
}

util::Result<std::vector<AlertInstanceRow>> alert_instances(Database& db, bool firing_only,
                                                            const std::optional<std::string>& team,
                                                            int limit) {
  const std::string sql = std::string(k_instance_cols) +
                          "WHERE (?1 = 0 OR state = 'firing') AND (?2 IS NULL OR team = ?2) "
                          "ORDER BY state = 'firing' DESC, updated_at DESC LIMIT ?3";
  auto st = db.prepare(sql);
  if (!st) return st.error();
  st->bind_bool(1, firing_only).bind_int(3, limit);
  if (team)
    st->bind_text(2, *team);
  else
    st->bind_null(2);
  return alert_rows(*st, [](Statement& s) { return read_instance(s); });
}

util::Result<std::optional<AlertInstanceRow>> alert_instance(Database& db, const std::string& dedup_key) {
  auto st = db.prepare(std::string(k_instance_cols) + "WHERE dedup_key = ?1");
  if (!st) return st.error();
  st->bind_text(1, dedup_key);
  auto row = st->step();
  if (!row) return row.error();
  if (!*row) return std::optional<AlertInstanceRow>();
  return std::optional<AlertInstanceRow>(read_instance(*st));
}

util::Result<int64_t> enqueue_alert_notification(Database& db, const std::string& channel,
                                                 const std::string& dedup_key, const std::string& event,
                                                 const std::string& alert_json, util::TimePoint created_at,
                                                 long long next_attempt_ms) {
  auto st = db.prepare(
      "INSERT INTO alert_outbox (channel, dedup_key, event, alert, created_at, next_attempt_ms) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
  if (!st) return st.error();
  st->bind_text(1, channel)
      .bind_text(2, dedup_key)
      .bind_text(3, event)
      .bind_text(4, alert_json)
      .bind_text(5, ts(created_at))
      .bind_int(6, next_attempt_ms);
  if (auto ok = st->run(); !ok) return ok.error();
  return static_cast<int64_t>(sqlite3_last_insert_rowid(db.handle()));
}

util::Result<std::vector<AlertOutboxRow>> undelivered_notifications(Database& db, const std::string& channel,
                                                                    int limit) {
  auto st =
      db.prepare(std::string(k_outbox_cols) + "WHERE channel = ?1 AND sent_at IS NULL ORDER BY id LIMIT ?2");
  if (!st) return st.error();
  st->bind_text(1, channel).bind_int(2, limit);
  return alert_rows(*st, [](Statement& s) { return read_outbox(s); });
}

util::Result<std::vector<AlertOutboxRow>> recent_notifications(Database& db, int limit) {
  auto st = db.prepare(std::string(k_outbox_cols) + "ORDER BY id DESC LIMIT ?1");
  if (!st) return st.error();
  st->bind_int(1, limit);
  return alert_rows(*st, [](Statement& s) { return read_outbox(s); });
}

util::Status mark_notification_sent(Database& db, int64_t id, util::TimePoint at) {
  auto st = db.prepare(
      "UPDATE alert_outbox SET sent_at = ?2, attempts = attempts + 1, last_error = '' WHERE id = ?1");
  if (!st) return st.error();
  st->bind_int(1, id).bind_text(2, ts(at));
  return st->run();
}

util::Status mark_notification_failed(Database& db, int64_t id, const std::string& error,
                                      long long next_attempt_ms) {
  auto st = db.prepare(
      "UPDATE alert_outbox SET attempts = attempts + 1, last_error = ?2, next_attempt_ms = ?3 WHERE id = ?1");
  if (!st) return st.error();
  st->bind_int(1, id).bind_text(2, error).bind_int(3, next_attempt_ms);
  return st->run();
}

util::Result<std::vector<std::pair<std::string, long long>>> notification_backlog(Database& db) {
  auto st = db.prepare("SELECT channel, count(*) FROM alert_outbox WHERE sent_at IS NULL GROUP BY channel");
  if (!st) return st.error();
  return alert_rows(
      *st, [](Statement& s) { return std::pair<std::string, long long>(s.column_text(0), s.column_int(1)); });
}

util::Status record_alert_team_cycle(Database& db, const std::string& team, util::TimePoint at, bool success,
                                     std::chrono::seconds interval) {
  auto st = db.prepare(
      "INSERT INTO alert_team_health (team, first_seen_at, last_cycle_at, last_success_at, interval_seconds) "
      "VALUES (?1, ?2, ?2, CASE WHEN ?3 THEN ?2 END, ?4) ON CONFLICT (team) DO UPDATE SET last_cycle_at = "
      "?2, "
      "last_success_at = CASE WHEN ?3 THEN ?2 ELSE last_success_at END, interval_seconds = ?4");
  if (!st) return st.error();
  st->bind_text(1, team).bind_text(2, ts(at)).bind_bool(3, success).bind_int(4, interval.count());
  return st->run();
}

util::Status register_alert_team(Database& db, const std::string& team, util::TimePoint at,
                                 std::chrono::seconds interval) {
  auto st = db.prepare(
      "INSERT INTO alert_team_health (team, first_seen_at, interval_seconds) VALUES (?1, ?2, ?3) "
      "ON CONFLICT (team) DO UPDATE SET interval_seconds = ?3");
  if (!st) return st.error();
  st->bind_text(1, team).bind_text(2, ts(at)).bind_int(3, interval.count());
  return st->run();
}

util::Result<std::optional<AlertTeamHealthRow>> alert_team_health(Database& db, const std::string& team) {
  auto st = db.prepare(
      "SELECT first_seen_at, last_success_at, interval_seconds FROM alert_team_health WHERE team = ?1");
  if (!st) return st.error();
  st->bind_text(1, team);
  auto row = st->step();
  if (!row) return row.error();
  if (!*row) return std::optional<AlertTeamHealthRow>();
  AlertTeamHealthRow h;
  h.first_seen = parse_ts(st->column_text(0));
  if (!st->column_is_null(1)) h.last_success = parse_ts(st->column_text(1));
  h.interval = std::chrono::seconds(st->column_int(2));
  return std::optional<AlertTeamHealthRow>(h);
}

util::Result<std::vector<std::string>> alert_teams(Database& db) {
  auto st = db.prepare("SELECT team FROM alert_team_health ORDER BY team");
  if (!st) return st.error();
  return alert_rows(*st, [](Statement& s) { return s.column_text(0); });
}

}  // namespace store
