#include "store/conditions.hpp"

#include "util/time.hpp"

namespace store {

util::Status Conditions::set_condition(const std::string& team, const std::string& key, std::string_view type,
                                       std::string_view reason, std::string_view message,
                                       util::TimePoint at) {
  if (type != "ready" && type != "drifted" && type != "blocked" && type != "failed")
    return util::make_error(util::ErrorKind::internal,
                            "condition type must be ready, drifted, blocked or failed, "
                            "not \"" +
                                std::string(type) + "\" (a bug)");
  // SET expressions read the old row, so the CASE sees the previous type.
  auto s = m_db->prepare(
      "INSERT INTO conditions (team, key, type, reason, message, last_transition_at, updated_at) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6) "
      "ON CONFLICT (team, key) DO UPDATE SET "
      "last_transition_at = CASE WHEN type = excluded.type THEN last_transition_at ELSE excluded.updated_at "
      "END, "
      "type = excluded.type, reason = excluded.reason, message = excluded.message, "
      "updated_at = excluded.updated_at");
  if (!s) return std::move(s).error();
  s->bind_text(1, team).bind_text(2, key).bind_text(3, type).bind_text(4, reason).bind_text(5, message);
  s->bind_text(6, util::format_rfc3339(at));
  return s->run();
}

util::Status Conditions::clear_condition(const std::string& team, const std::string& key) {
  auto s = m_db->prepare("DELETE FROM conditions WHERE team = ?1 AND key = ?2");
  if (!s) return std::move(s).error();
  s->bind_text(1, team).bind_text(2, key);
  return s->run();
}

util::Result<std::vector<Condition>> Conditions::conditions(const std::string& team) {
  auto s = m_db->prepare(
      "SELECT key, type, reason, message, last_transition_at, updated_at FROM conditions WHERE team = ?1 "
      "ORDER BY key");
  if (!s) return std::move(s).error();
  s->bind_text(1, team);
  std::vector<Condition> out;
  while (true) {
    auto row = s->step();
    if (!row) return std::move(row).error();
    if (!*row) return out;
    out.push_back({s->column_text(0), s->column_text(1), s->column_text(2), s->column_text(3),
                   util::parse_rfc3339(s->column_text(4)).value_or(util::TimePoint{}),
                   util::parse_rfc3339(s->column_text(5)).value_or(util::TimePoint{})});
  }
}

}  // namespace store
