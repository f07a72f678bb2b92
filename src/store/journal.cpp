#include "store/journal.hpp"

#include "util/time.hpp"

namespace store {

util::Result<int64_t> Journal::record_pending(const std::string& team, const JournalEntry& entry,
                                              util::TimePoint at) {
  auto s = m_db->prepare(
      "INSERT INTO journal (team, plan_id, kind, action, natural_key, request, state, created_at) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'pending', ?7)");
  if (!s) return std::move(s).error();
  s->bind_text(1, team).bind_opt_int(2, entry.plan_id).bind_text(3, entry.kind).bind_text(4, entry.action);
  s->bind_text(5, entry.natural_key)
      .bind_text(6, entry.request.dump())
      .bind_text(7, util::format_rfc3339(at));
  if (auto st = s->run(); !st) return std::move(st).error();
  return static_cast<int64_t>(sqlite3_last_insert_rowid(m_db->handle()));
}

util::Status Journal::complete(int64_t id, std::string_view outcome, const nlohmann::json& result,
                               std::string_view error, util::TimePoint at) {
  if (outcome != "done" && outcome != "failed" && outcome != "resolved")
    return util::make_error(
        util::ErrorKind::internal,
        "journal outcome must be done, failed or resolved, not \"" + std::string(outcome) + "\" (a bug)");
  auto s = m_db->prepare(
      "UPDATE journal SET state = ?2, result = ?3, error = ?4, completed_at = ?5 "
      "WHERE id = ?1 AND state = 'pending'");
  if (!s) return std::move(s).error();
  s->bind_int(1, id).bind_text(2, outcome).bind_text(3, result.dump()).bind_text(4, error);
  s->bind_text(5, util::format_rfc3339(at));
  if (auto st = s->run(); !st) return st;
  if (sqlite3_changes(m_db->handle()) != 1)
    return util::make_error(
        util::ErrorKind::internal,
        m_db->path() + ": journal entry " + std::to_string(id) +
            " is not pending (unknown or completed already); this is a bug, please report it");
  return util::ok_status();
}

util::Result<std::vector<JournalEntry>> Journal::pending(const std::string& team) {
  return query(
      "SELECT id, team, plan_id, kind, action, natural_key, request, state, result, error, created_at, "
      "completed_at FROM journal WHERE team = ?1 AND state = 'pending' ORDER BY id LIMIT ?2",
      team, -1);
}

util::Result<std::vector<JournalEntry>> Journal::recent(const std::string& team, int limit) {
  return query(
      "SELECT id, team, plan_id, kind, action, natural_key, request, state, result, error, created_at, "
      "completed_at FROM journal WHERE team = ?1 ORDER BY id DESC LIMIT ?2",
      team, limit);
}

util::Result<std::vector<JournalEntry>> Journal::query(const char* sql, const std::string& team, int limit) {
  auto s = m_db->prepare(sql);
  if (!s) return std::move(s).error();
  s->bind_text(1, team).bind_int(2, limit);
  std::vector<JournalEntry> out;
  while (true) {
    auto row = s->step();
    if (!row) return std::move(row).error();
    if (!*row) return out;
    JournalEntry e;
    e.id = s->column_int(0);
    e.team = s->column_text(1);
    e.plan_id = s->column_opt_int(2);
    e.kind = s->column_text(3);
    e.action = s->column_text(4);
    e.natural_key = s->column_text(5);
    e.request = nlohmann::json::parse(s->column_text(6), nullptr, false);
    e.state = s->column_text(7);
    e.result = nlohmann::json::parse(s->column_text(8), nullptr, false);
    e.error = s->column_text(9);
    e.created_at = util::parse_rfc3339(s->column_text(10)).value_or(util::TimePoint{});
    if (!s->column_is_null(11))
      e.completed_at = util::parse_rfc3339(s->column_text(11)).value_or(util::TimePoint{});
    out.push_back(std::move(e));
  }
}

}  // namespace store
