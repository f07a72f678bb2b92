#include "alerts/engine.hpp"

#include <spdlog/spdlog.h>

#include "util/time.hpp"

namespace alerts {

namespace {

using Kind = config::AlertChannelConfig::Kind;

std::string ts(util::TimePoint t) {
  return util::format_rfc3339(t);
}
util::TimePoint parse_ts(const std::string& s) {
  return util::parse_rfc3339(s).value_or(util::TimePoint{});
}
constexpr const char* k_instance_cols =
    "SELECT alert, state, started_at, updated_at, last_notified_at, resolved_at FROM alert_instances ";

Instance read_instance(store::Statement& st) {
  Instance i;
  i.alert = Alert::from_json(nlohmann::json::parse(st.column_text(0), nullptr, false));
  i.state = st.column_text(1);
  i.started_at = parse_ts(st.column_text(2));
  i.updated_at = parse_ts(st.column_text(3));
  i.last_notified_at = parse_ts(st.column_text(4));
  if (!st.column_is_null(5)) i.resolved_at = parse_ts(st.column_text(5));
  return i;
}

util::Status write_instance(store::Database& db, const Instance& i) {
  auto st = db.prepare(
      "INSERT INTO alert_instances (dedup_key, team, alertname, object, severity, tier, state, alert, "
      "started_at, "
      "updated_at, last_notified_at, resolved_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) "
      "ON CONFLICT (dedup_key) DO UPDATE SET severity = excluded.severity, tier = excluded.tier, state = "
      "excluded.state, alert = excluded.alert, started_at = excluded.started_at, updated_at = "
      "excluded.updated_at, "
      "last_notified_at = excluded.last_notified_at, resolved_at = excluded.resolved_at");
  if (!st) return st.error();
  st->bind_text(1, i.alert.dedup_key())
      .bind_text(2, i.alert.team)
      .bind_text(3, i.alert.name)
      .bind_text(4, i.alert.object)
      .bind_text(5, to_string(i.alert.severity))
      .bind_opt_int(6, i.alert.tier ? std::optional<int64_t>(*i.alert.tier) : std::nullopt)
      .bind_text(7, i.state)
      .bind_text(8, i.alert.to_json().dump())
      .bind_text(9, ts(i.started_at))
      .bind_text(10, ts(i.updated_at))
      .bind_text(11, ts(i.last_notified_at));
  if (i.resolved_at)
    st->bind_text(12, ts(*i.resolved_at));
  else
    st->bind_null(12);
  return st->run();
}

OutboxRow read_outbox(store::Statement& st) {
  OutboxRow r;
  r.id = st.column_int(0);
  r.channel = st.column_text(1);
  r.dedup_key = st.column_text(2);
  r.event = st.column_text(3);
  r.alert = nlohmann::json::parse(st.column_text(4), nullptr, false);
  r.created_at = parse_ts(st.column_text(5));
  r.attempts = static_cast<int>(st.column_int(6));
  r.next_attempt_ms = st.column_int(7);
  r.last_error = st.column_text(8);
  if (!st.column_is_null(9)) r.sent_at = parse_ts(st.column_text(9));
  return r;
}

// Every row of a prepared statement, each turned into a value by `read`.
template <typename Read>
auto collect_rows(store::Statement& st, Read read) -> util::Result<std::vector<decltype(read(st))>> {
  std::vector<decltype(read(st))> out;
  for (;;) {
    auto row = st.step();
    if (!row) return row.error();
    if (!*row) break;
    out.push_back(read(st));
  }
  return out;
}

constexpr const char* k_outbox_cols =
    "SELECT id, channel, dedup_key, event, alert, created_at, attempts, next_attempt_ms, last_error, sent_at "
    "FROM alert_outbox ";

}  // namespace

nlohmann::json Instance::to_json() const {
  nlohmann::json j = alert.to_json();
  j["labels"] = alert.labels();
  j["state"] = state;
  j["started_at"] = ts(started_at);
  j["updated_at"] = ts(updated_at);
  j["last_notified_at"] = ts(last_notified_at);
  j["resolved_at"] = resolved_at ? nlohmann::json(ts(*resolved_at)) : nlohmann::json(nullptr);
  return j;
}

Rules rules_from(const config::AlertsConfig& cfg) {
  Rules r;
  r.expiry_days = cfg.certificate_expiry_days;
  r.team_stale_intervals = cfg.team_stale_intervals;
  r.journal_stuck_after = cfg.journal_stuck_after;
  return r;
}

AlertEngine::AlertEngine(store::Database& db, config::AlertsConfig cfg, const util::Clock& clock)
    : m_db(&db), m_cfg(std::move(cfg)), m_clock(&clock) {}

util::Status AlertEngine::notify(const Alert& alert, const std::string& event, util::TimePoint starts_at,
                                 std::optional<util::TimePoint> ends_at, Changes& changes,
                                 bool alertmanager_only) {
  nlohmann::json payload = alert.to_json();
  payload["starts_at"] = ts(starts_at);
  payload["ends_at"] = ends_at ? nlohmann::json(ts(*ends_at)) : nlohmann::json(nullptr);
  const auto now = m_clock->now();
  for (const auto& ch : m_cfg.channels) {
    const bool am = ch.kind == Kind::alertmanager;
    if (alertmanager_only && !am) continue;
    // Why: Alertmanager repeats on its own (repeat_interval) and gets firing alerts re-posted.
    if (am && event == "repeat") continue;
    if (alert.severity < parse_severity(ch.min_severity).value_or(Severity::info)) continue;
    auto st = m_db->prepare(
        "INSERT INTO alert_outbox (channel, dedup_key, event, alert, created_at, next_attempt_ms) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    if (!st) return st.error();
    st->bind_text(1, ch.name)
        .bind_text(2, alert.dedup_key())
        .bind_text(3, event)
        .bind_text(4, payload.dump())
        .bind_text(5, ts(now))
        .bind_int(6, unix_ms(now));
    if (auto ok = st->run(); !ok) return ok;
    ++changes.notifications;
  }
  return util::ok_status();
}

util::Result<Changes> AlertEngine::apply_one(const Alert& alert, const std::optional<Instance>& existing,
                                             Changes changes) {
  const auto now = m_clock->now();
  if (!existing || existing->state != "firing") {
    Instance inst;
    inst.alert = alert;
    inst.state = alert.one_shot ? "resolved" : "firing";
    inst.started_at = inst.updated_at = inst.last_notified_at = now;
    if (alert.one_shot) inst.resolved_at = now;
    if (auto ok = write_instance(*m_db, inst); !ok) return ok.error();
    // A one-shot alert stays visible in Alertmanager for an hour.
    std::optional<util::TimePoint> ends;
    if (alert.one_shot) ends = now + std::chrono::hours(1);
    if (auto ok = notify(alert, "firing", now, ends, changes); !ok) return ok.error();
    ++changes.fired;
    spdlog::info("alert {} firing: {}", alert.dedup_key(), alert.summary);
    return changes;
  }
  Instance inst = *existing;
  const Alert previous = inst.alert;
  inst.alert = alert;
  inst.updated_at = now;
  // The tier only ever deepens while an alert fires: crossing a tier twice pages once.
  if (previous.tier && alert.tier && *alert.tier > *previous.tier) {
    inst.alert.tier = previous.tier;
    inst.alert.severity = std::max(previous.severity, alert.severity);
    inst.alert.details["tier_days"] = *previous.tier;
  }
  const bool deeper = previous.tier && alert.tier && *alert.tier < *previous.tier;
  if (deeper) {
    if (previous.severity != inst.alert.severity) {
      // Alertmanager identifies an alert by its labels; the old severity's alert must end.
      if (auto ok = notify(previous, "resolved", inst.started_at, now, changes, true); !ok) return ok.error();
    }
    inst.last_notified_at = now;
    if (auto ok = write_instance(*m_db, inst); !ok) return ok.error();
    if (auto ok = notify(inst.alert, "firing", inst.started_at, std::nullopt, changes); !ok)
      return ok.error();
    ++changes.escalated;
    spdlog::info("alert {} reached the {}-day tier: {}", alert.dedup_key(), *alert.tier, alert.summary);
    return changes;
  }
  if (now - inst.last_notified_at >= m_cfg.repeat) {
    inst.last_notified_at = now;
    if (auto ok = write_instance(*m_db, inst); !ok) return ok.error();
    if (auto ok = notify(inst.alert, "repeat", inst.started_at, std::nullopt, changes); !ok)
      return ok.error();
    ++changes.repeated;
    return changes;
  }
  if (auto ok = write_instance(*m_db, inst); !ok) return ok.error();
  return changes;
}

util::Status AlertEngine::resolve_instance(const Instance& inst, Changes& changes) {
  const auto now = m_clock->now();
  Instance r = inst;
  r.state = "resolved";
  r.resolved_at = now;
  r.updated_at = now;
  if (auto ok = write_instance(*m_db, r); !ok) return ok;
  if (auto ok = notify(r.alert, "resolved", r.started_at, now, changes); !ok) return ok;
  ++changes.resolved;
  spdlog::info("alert {} resolved", r.alert.dedup_key());
  return util::ok_status();
}

util::Result<Changes> AlertEngine::apply(const std::string& team, const Evaluation& evaluation) {
  auto tx = store::WriteTransaction::begin(*m_db);
  if (!tx) return tx.error();
  auto current = load_instances(*m_db, true, team);
  if (!current) return current.error();
  Changes changes;
  std::set<std::string> wanted;
  for (const auto& alert : evaluation.firing) {
    wanted.insert(alert.dedup_key());
    auto existing = load_instance(*m_db, alert.dedup_key());
    if (!existing) return existing.error();
    auto next = apply_one(alert, *existing, changes);
    if (!next) return next.error();
    changes = *next;
  }
  for (const auto& inst : *current) {
    if (wanted.count(inst.alert.dedup_key()) || !evaluation.covered.count(inst.alert.name)) continue;
    if (auto ok = resolve_instance(inst, changes); !ok) return ok.error();
  }
  if (auto ok = tx->commit(); !ok) return ok.error();
  return changes;
}

util::Result<Changes> AlertEngine::raise(const Alert& alert) {
  auto tx = store::WriteTransaction::begin(*m_db);
  if (!tx) return tx.error();
  auto existing = load_instance(*m_db, alert.dedup_key());
  if (!existing) return existing.error();
  auto changes = apply_one(alert, *existing, Changes{});
  if (!changes) return changes.error();
  if (auto ok = tx->commit(); !ok) return ok.error();
  return changes;
}

util::Result<Changes> AlertEngine::resolve(const std::string& team, const std::string& alertname,
                                           const std::string& object) {
  Alert probe;
  probe.team = team;
  probe.name = alertname;
  probe.object = object;
  auto tx = store::WriteTransaction::begin(*m_db);
  if (!tx) return tx.error();
  auto existing = load_instance(*m_db, probe.dedup_key());
  if (!existing) return existing.error();
  Changes changes;
  if (*existing && (*existing)->state == "firing")
    if (auto ok = resolve_instance(**existing, changes); !ok) return ok.error();
  if (auto ok = tx->commit(); !ok) return ok.error();
  return changes;
}

util::Status AlertEngine::record_cycle(const std::string& team, bool success, std::chrono::seconds interval) {
  const std::string now = ts(m_clock->now());
  auto st = m_db->prepare(
      "INSERT INTO alert_team_health (team, first_seen_at, last_cycle_at, last_success_at, interval_seconds) "
      "VALUES (?1, ?2, ?2, CASE WHEN ?3 THEN ?2 END, ?4) ON CONFLICT (team) DO UPDATE SET last_cycle_at = "
      "?2, "
      "last_success_at = CASE WHEN ?3 THEN ?2 ELSE last_success_at END, interval_seconds = ?4");
  if (!st) return st.error();
  st->bind_text(1, team).bind_text(2, now).bind_bool(3, success).bind_int(4, interval.count());
  return st->run();
}

util::Status AlertEngine::register_team(const std::string& team, std::chrono::seconds interval) {
  auto st = m_db->prepare(
      "INSERT INTO alert_team_health (team, first_seen_at, interval_seconds) VALUES (?1, ?2, ?3) "
      "ON CONFLICT (team) DO UPDATE SET interval_seconds = ?3");
  if (!st) return st.error();
  st->bind_text(1, team).bind_text(2, ts(m_clock->now())).bind_int(3, interval.count());
  return st->run();
}

util::Result<std::optional<AlertEngine::Health>> AlertEngine::health(const std::string& team) {
  auto st = m_db->prepare(
      "SELECT first_seen_at, last_success_at, interval_seconds FROM alert_team_health WHERE team = ?1");
  if (!st) return st.error();
  st->bind_text(1, team);
  auto row = st->step();
  if (!row) return row.error();
  if (!*row) return std::optional<Health>();
  Health h;
  h.first_seen = parse_ts(st->column_text(0));
  if (!st->column_is_null(1)) h.last_success = parse_ts(st->column_text(1));
  h.interval = std::chrono::seconds(st->column_int(2));
  return std::optional<Health>(h);
}

util::Result<std::vector<std::string>> AlertEngine::known_teams() {
  auto st = m_db->prepare("SELECT team FROM alert_team_health ORDER BY team");
  if (!st) return st.error();
  auto rows = collect_rows(*st, [](store::Statement& s) { return s.column_text(0); });
  return rows;
}

util::Result<int64_t> AlertEngine::enqueue_test(const std::string& channel) {
  const config::AlertChannelConfig* found = nullptr;
  for (const auto& ch : m_cfg.channels)
    if (ch.name == channel) found = &ch;
  if (!found) return util::make_error(util::ErrorKind::client, "no alert channel named '" + channel + "'");
  const auto now = m_clock->now();
  Alert a;
  a.name = "AscsyncTest";
  a.team = "-";
  a.object = "channel/" + channel + "/" + std::to_string(unix_ms(now));
  a.severity = Severity::info;
  a.summary = "ascsync test notification for channel " + channel;
  a.description = "Sent by `ascsync alerts test --channel " + channel +
                  "`; nothing is wrong. If you read this, the channel works; no action is needed.";
  nlohmann::json payload = a.to_json();
  payload["starts_at"] = ts(now);
  payload["ends_at"] = ts(now + std::chrono::minutes(5));
  auto st = m_db->prepare(
      "INSERT INTO alert_outbox (channel, dedup_key, event, alert, created_at, next_attempt_ms) "
      "VALUES (?1, ?2, 'test', ?3, ?4, ?5)");
  if (!st) return st.error();
  st->bind_text(1, channel)
      .bind_text(2, a.dedup_key())
      .bind_text(3, payload.dump())
      .bind_text(4, ts(now))
      .bind_int(5, unix_ms(now));
  if (auto ok = st->run(); !ok) return ok.error();
  return static_cast<int64_t>(sqlite3_last_insert_rowid(m_db->handle()));
}

util::Result<std::vector<Instance>> load_instances(store::Database& db, bool firing_only,
                                                   const std::optional<std::string>& team, int limit) {
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
  auto rows = collect_rows(*st, [](store::Statement& s) { return read_instance(s); });
  return rows;
}

util::Result<std::optional<Instance>> load_instance(store::Database& db, const std::string& dedup_key) {
  auto st = db.prepare(std::string(k_instance_cols) + "WHERE dedup_key = ?1");
  if (!st) return st.error();
  st->bind_text(1, dedup_key);
  auto row = st->step();
  if (!row) return row.error();
  if (!*row) return std::optional<Instance>();
  return std::optional<Instance>(read_instance(*st));
}

util::Result<std::vector<OutboxRow>> due_outbox(store::Database& db, const std::string& channel,
                                                long long now_ms, int limit) {
  // Why: rows go out in order per channel; the oldest undelivered row gates the rest.
  auto st =
      db.prepare(std::string(k_outbox_cols) + "WHERE channel = ?1 AND sent_at IS NULL ORDER BY id LIMIT ?2");
  if (!st) return st.error();
  st->bind_text(1, channel).bind_int(2, limit);
  auto rows = collect_rows(*st, [](store::Statement& s) { return read_outbox(s); });
  if (!rows) return rows.error();
  auto out = std::move(*rows);
  if (!out.empty() && out.front().next_attempt_ms > now_ms) out.clear();
  return out;
}

util::Result<std::vector<OutboxRow>> recent_outbox(store::Database& db, int limit) {
  auto st = db.prepare(std::string(k_outbox_cols) + "ORDER BY id DESC LIMIT ?1");
  if (!st) return st.error();
  st->bind_int(1, limit);
  auto rows = collect_rows(*st, [](store::Statement& s) { return read_outbox(s); });
  return rows;
}

util::Status mark_sent(store::Database& db, int64_t id, util::TimePoint at) {
  auto st = db.prepare(
      "UPDATE alert_outbox SET sent_at = ?2, attempts = attempts + 1, last_error = '' WHERE id = ?1");
  if (!st) return st.error();
  st->bind_int(1, id).bind_text(2, ts(at));
  return st->run();
}

util::Status mark_failed(store::Database& db, int64_t id, const std::string& error,
                         long long next_attempt_ms) {
  auto st = db.prepare(
      "UPDATE alert_outbox SET attempts = attempts + 1, last_error = ?2, next_attempt_ms = ?3 WHERE id = ?1");
  if (!st) return st.error();
  st->bind_int(1, id).bind_text(2, error).bind_int(3, next_attempt_ms);
  return st->run();
}

util::Result<std::vector<std::pair<std::string, long long>>> outbox_backlog(store::Database& db) {
  auto st = db.prepare("SELECT channel, count(*) FROM alert_outbox WHERE sent_at IS NULL GROUP BY channel");
  if (!st) return st.error();
  auto rows = collect_rows(*st, [](store::Statement& s) {
    return std::pair<std::string, long long>(s.column_text(0), s.column_int(1));
  });
  return rows;
}

}  // namespace alerts
