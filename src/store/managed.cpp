#include "store/managed.hpp"

#include "util/time.hpp"

namespace store {

util::Status ManagedObjects::mark_managed(const std::string& team, const std::string& key,
                                          std::string_view how, util::TimePoint at) {
  if (how != "created" && how != "adopted")
    return util::make_error(
        util::ErrorKind::internal,
        "managed objects are \"created\" or \"adopted\", not \"" + std::string(how) + "\" (a bug)");
  auto s = m_db->prepare(
      "INSERT INTO managed_objects (team, key, how, since) VALUES (?1, ?2, ?3, ?4) "
      "ON CONFLICT (team, key) DO NOTHING");
  if (!s) return std::move(s).error();
  s->bind_text(1, team).bind_text(2, key).bind_text(3, how).bind_text(4, util::format_rfc3339(at));
  return s->run();
}

util::Status ManagedObjects::unmark_managed(const std::string& team, const std::string& key) {
  auto s = m_db->prepare("DELETE FROM managed_objects WHERE team = ?1 AND key = ?2");
  if (!s) return std::move(s).error();
  s->bind_text(1, team).bind_text(2, key);
  return s->run();
}

util::Result<std::set<std::string>> ManagedObjects::load_managed(const std::string& team) {
  // Why not list_managed: every plan needs the keys only, and parsing each row's timestamp was
  // ~7% of a 50,000-tester `plan --no-refresh`.
  auto s = m_db->prepare("SELECT key FROM managed_objects WHERE team = ?1 ORDER BY key");
  if (!s) return std::move(s).error();
  s->bind_text(1, team);
  std::set<std::string> out;
  while (true) {
    auto row = s->step();
    if (!row) return std::move(row).error();
    if (!*row) return out;
    out.insert(out.end(), s->column_text(0));
  }
}

util::Result<std::vector<ManagedObject>> ManagedObjects::list_managed(const std::string& team) {
  auto s = m_db->prepare("SELECT key, how, since FROM managed_objects WHERE team = ?1 ORDER BY key");
  if (!s) return std::move(s).error();
  s->bind_text(1, team);
  std::vector<ManagedObject> out;
  while (true) {
    auto row = s->step();
    if (!row) return std::move(row).error();
    if (!*row) return out;
    out.push_back({s->column_text(0), s->column_text(1),
                   util::parse_rfc3339(s->column_text(2)).value_or(util::TimePoint{})});
  }
}

}  // namespace store
