#include "alerts/engine.hpp"

#include <spdlog/spdlog.h>

#include "store/alert_tables.hpp"
#include "util/time.hpp"

namespace alerts {

namespace {

using Kind = config::AlertChannelConfig::Kind;

std::string ts(util::TimePoint t) {
  return util::format_rfc3339(t);
}
Instance instance_of(const store::AlertInstanceRow& row) {
  Instance i;
  i.alert = Alert::from_json(nlohmann::json::parse(row.alert_json, nullptr, false));
  i.state = row.state;
  i.started_at = row.started_at;
  i.updated_at = row.updated_at;
  i.last_notified_at = row.last_notified_at;
  i.resolved_at = row.resolved_at;
  return i;
}

util::Status write_instance(store::Database& db, const Instance& i) {
  store::AlertInstanceRow row;
  row.dedup_key = i.alert.dedup_key();
  row.team = i.alert.team;
  row.alertname = i.alert.name;
  row.object = i.alert.object;
  row.severity = to_string(i.alert.severity);
  if (i.alert.tier) row.tier = *i.alert.tier;
  row.state = i.state;
  row.alert_json = i.alert.to_json().dump();
  row.started_at = i.started_at;
  row.updated_at = i.updated_at;
  row.last_notified_at = i.last_notified_at;
  row.resolved_at = i.resolved_at;
  return store::upsert_alert_instance(db, row);
}

OutboxRow outbox_of(const store::AlertOutboxRow& row) {
  OutboxRow r;
  r.id = row.id;
  r.channel = row.channel;
  r.dedup_key = row.dedup_key;
  r.event = row.event;
  r.alert = nlohmann::json::parse(row.alert_json, nullptr, false);
  r.created_at = row.created_at;
  r.attempts = row.attempts;
  r.next_attempt_ms = row.next_attempt_ms;
  r.last_error = row.last_error;
  r.sent_at = row.sent_at;
  return r;
}

std::vector<OutboxRow> outbox_of(const std::vector<store::AlertOutboxRow>& rows) {
  std::vector<OutboxRow> out;
  out.reserve(rows.size());
  for (const auto& r : rows) out.push_back(outbox_of(r));
  return out;
}

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
    if (auto id = store::enqueue_alert_notification(*m_db, ch.name, alert.dedup_key(), event, payload.dump(),
                                                    now, unix_ms(now));
        !id)
      return id.error();
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
  return store::record_alert_team_cycle(*m_db, team, m_clock->now(), success, interval);
}

util::Status AlertEngine::register_team(const std::string& team, std::chrono::seconds interval) {
  return store::register_alert_team(*m_db, team, m_clock->now(), interval);
}

util::Result<std::optional<AlertEngine::Health>> AlertEngine::health(const std::string& team) {
  auto row = store::alert_team_health(*m_db, team);
  if (!row) return row.error();
  if (!*row) return std::optional<Health>();
  Health h;
  h.first_seen = (*row)->first_seen;
  h.last_success = (*row)->last_success;
  h.interval = (*row)->interval;
  return std::optional<Health>(h);
}

util::Result<std::vector<std::string>> AlertEngine::known_teams() {
  return store::alert_teams(*m_db);
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
  return store::enqueue_alert_notification(*m_db, channel, a.dedup_key(), "test", payload.dump(), now,
                                           unix_ms(now));
}

util::Result<std::vector<Instance>> load_instances(store::Database& db, bool firing_only,
                                                   const std::optional<std::string>& team, int limit) {
  auto rows = store::alert_instances(db, firing_only, team, limit);
  if (!rows) return rows.error();
  std::vector<Instance> out;
  out.reserve(rows->size());
  for (const auto& r : *rows) out.push_back(instance_of(r));
  return out;
}

util::Result<std::optional<Instance>> load_instance(store::Database& db, const std::string& dedup_key) {
  auto row = store::alert_instance(db, dedup_key);
  if (!row) return row.error();
  if (!*row) return std::optional<Instance>();
  return std::optional<Instance>(instance_of(**row));
}

util::Result<std::vector<OutboxRow>> due_outbox(store::Database& db, const std::string& channel,
                                                long long now_ms, int limit) {
  // Why: rows go out in order per channel; the oldest undelivered row gates the rest.
  auto rows = store::undelivered_notifications(db, channel, limit);
  if (!rows) return rows.error();
  auto out = outbox_of(*rows);
  if (!out.empty() && out.front().next_attempt_ms > now_ms) out.clear();
  return out;
}

util::Result<std::vector<OutboxRow>> recent_outbox(store::Database& db, int limit) {
  auto rows = store::recent_notifications(db, limit);
  if (!rows) return rows.error();
  return outbox_of(*rows);
}

util::Status mark_sent(store::Database& db, int64_t id, util::TimePoint at) {
  return store::mark_notification_sent(db, id, at);
}

util::Status mark_failed(store::Database& db, int64_t id, const std::string& error,
                         long long next_attempt_ms) {
  return store::mark_notification_failed(db, id, error, next_attempt_ms);
}

util::Result<std::vector<std::pair<std::string, long long>>> outbox_backlog(store::Database& db) {
  return store::notification_backlog(db);
}

}  // namespace alerts
