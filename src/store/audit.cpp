#include "store/audit.hpp"

#include "util/time.hpp"

namespace store {

util::Result<int64_t> AuditTrail::record_plan(const std::string& team, const nlohmann::json& plan,
                                              util::TimePoint at, const nlohmann::json& summary) {
  auto s =
      m_db->prepare("INSERT INTO plans (team, created_at, plan, summary, full) VALUES (?1, ?2, ?3, ?4, 1)");
  if (!s) return std::move(s).error();
  s->bind_text(1, team).bind_text(2, util::format_rfc3339(at)).bind_text(3, plan.dump());
  s->bind_text(4, summary.dump());
  if (auto st = s->run(); !st) return std::move(st).error();
  return static_cast<int64_t>(sqlite3_last_insert_rowid(m_db->handle()));
}

util::Status AuditTrail::finish_plan(int64_t plan_id, const nlohmann::json& summary, bool keep_full) {
  auto s = m_db->prepare(keep_full ? "UPDATE plans SET summary = ?2 WHERE id = ?1"
                                   : "UPDATE plans SET summary = ?2, plan = 'null', full = 0 WHERE id = ?1");
  if (!s) return std::move(s).error();
  s->bind_int(1, plan_id).bind_text(2, summary.dump());
  return s->run();
}

util::Result<std::optional<StoredPlan>> AuditTrail::one_plan(Statement& s) {
  auto row = s.step();
  if (!row) return std::move(row).error();
  if (!*row) return std::optional<StoredPlan>();
  return std::optional<StoredPlan>(
      StoredPlan{s.column_int(0), s.column_text(1), column_time(s.column_text(2)),
                 nlohmann::json::parse(s.column_text(3), nullptr, false),
                 nlohmann::json::parse(s.column_text(4), nullptr, false), s.column_bool(5)});
}

util::Result<std::optional<StoredPlan>> AuditTrail::plan(int64_t plan_id) {
  auto s = m_db->prepare("SELECT id, team, created_at, plan, summary, full FROM plans WHERE id = ?1");
  if (!s) return std::move(s).error();
  s->bind_int(1, plan_id);
  return one_plan(*s);
}

util::Result<std::optional<StoredPlan>> AuditTrail::latest_plan(const std::string& team) {
  auto s = m_db->prepare(
      "SELECT id, team, created_at, plan, summary, full FROM plans WHERE team = ?1 ORDER BY id DESC LIMIT 1");
  if (!s) return std::move(s).error();
  s->bind_text(1, team);
  return one_plan(*s);
}

util::Result<int64_t> AuditTrail::record_audit(const std::string& team, const AuditRecord& r) {
  auto s = m_db->prepare(
      "INSERT INTO audit (team, plan_id, at, change_kind, change_key, action, before, after, outcome, error) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
  if (!s) return std::move(s).error();
  s->bind_text(1, team).bind_opt_int(2, r.plan_id).bind_text(3, util::format_rfc3339(r.at));
  s->bind_text(4, r.change_kind).bind_text(5, r.change_key).bind_text(6, r.action);
  s->bind_text(7, r.before.dump())
      .bind_text(8, r.after.dump())
      .bind_text(9, r.outcome)
      .bind_text(10, r.error);
  if (auto st = s->run(); !st) return std::move(st).error();
  return static_cast<int64_t>(sqlite3_last_insert_rowid(m_db->handle()));
}

util::Result<std::vector<AuditRecord>> AuditTrail::audit(const std::string& team, int limit) {
  auto s = m_db->prepare(
      "SELECT id, plan_id, at, change_kind, change_key, action, before, after, outcome, error FROM audit "
      "WHERE team = ?1 ORDER BY id DESC LIMIT ?2");
  if (!s) return std::move(s).error();
  s->bind_text(1, team).bind_int(2, limit);
  std::vector<AuditRecord> out;
  while (true) {
    auto row = s->step();
    if (!row) return std::move(row).error();
    if (!*row) return out;
    AuditRecord r;
    r.id = s->column_int(0);
    r.plan_id = s->column_opt_int(1);
    r.at = column_time(s->column_text(2));
    r.change_kind = s->column_text(3);
    r.change_key = s->column_text(4);
    r.action = s->column_text(5);
    r.before = nlohmann::json::parse(s->column_text(6), nullptr, false);
    r.after = nlohmann::json::parse(s->column_text(7), nullptr, false);
    r.outcome = s->column_text(8);
    r.error = s->column_text(9);
    out.push_back(std::move(r));
  }
}

}  // namespace store
