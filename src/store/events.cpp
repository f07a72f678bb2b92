#include "store/events.hpp"

#include "store/sqlite.hpp"

namespace store {

namespace {

util::Result<std::vector<EventRow>> collect_events(Statement& st) {
  std::vector<EventRow> out;
  for (;;) {
    auto row = st.step();
    if (!row) return std::move(row).error();
    if (!*row) break;
    out.push_back({st.column_int(0), st.column_text(1), st.column_text(2), st.column_text(3)});
  }
  return out;
}

}  // namespace

util::Result<std::vector<EventRow>> run_events(Database& db, const std::string& team, int64_t run_id) {
  auto st =
      db.prepare("SELECT id, at, kind, object_key FROM events WHERE team = ?1 AND run_id = ?2 ORDER BY id");
  if (!st) return std::move(st).error();
  st->bind_text(1, team).bind_int(2, run_id);
  return collect_events(*st);
}

util::Result<std::map<std::string, long long>> run_event_counts(Database& db, const std::string& team,
                                                                int64_t run_id) {
  auto st = db.prepare("SELECT kind, count(*) FROM events WHERE team = ?1 AND run_id = ?2 GROUP BY kind");
  if (!st) return std::move(st).error();
  st->bind_text(1, team).bind_int(2, run_id);
  std::map<std::string, long long> out;
  for (;;) {
    auto row = st->step();
    if (!row) return std::move(row).error();
    if (!*row) break;
    out[st->column_text(0)] = st->column_int(1);
  }
  return out;
}

util::Result<int64_t> event_count(Database& db, const std::string& team) {
  auto st = db.prepare("SELECT count(*) FROM events WHERE team = ?1");
  if (!st) return std::move(st).error();
  st->bind_text(1, team);
  auto row = st->step();
  if (!row) return std::move(row).error();
  return *row ? st->column_int(0) : 0;
}

util::Result<std::vector<EventRow>> recent_events(Database& db, const std::string& team, int limit) {
  auto st = db.prepare(
      "SELECT id, at, kind, object_key FROM (SELECT id, at, kind, object_key FROM events WHERE team = ?1 "
      "ORDER BY id DESC LIMIT ?2) ORDER BY id");
  if (!st) return std::move(st).error();
  st->bind_text(1, team).bind_int(2, limit);
  return collect_events(*st);
}

}  // namespace store
