#include "store/cycle_outcomes.hpp"

#include "store/sqlite.hpp"
#include "util/time.hpp"

namespace store {

util::Status record_cycle_outcome(Database& db, const CycleOutcomeRow& row) {
  auto s = db.prepare(
      "INSERT INTO cycle_outcomes (team, finished_at, outcome, summary, error, resume_at) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (team) DO UPDATE SET finished_at = excluded.finished_at, "
      "outcome = excluded.outcome, summary = excluded.summary, error = excluded.error, "
      "resume_at = excluded.resume_at");
  if (!s) return std::move(s).error();
  s->bind_text(1, row.team).bind_text(2, util::format_rfc3339(row.finished_at)).bind_text(3, row.outcome);
  s->bind_text(4, row.summary).bind_text(5, row.error);
  if (row.resume_at)
    s->bind_text(6, util::format_rfc3339(*row.resume_at));
  else
    s->bind_null(6);
  return s->run();
}

util::Result<std::optional<CycleOutcomeRow>> last_cycle_outcome(Database& db, const std::string& team) {
  auto s = db.prepare(
      "SELECT finished_at, outcome, summary, error, resume_at FROM cycle_outcomes WHERE team = ?1");
  if (!s) return std::move(s).error();
  s->bind_text(1, team);
  auto row = s->step();
  if (!row) return std::move(row).error();
  if (!*row) return std::optional<CycleOutcomeRow>();
  CycleOutcomeRow out;
  out.team = team;
  out.finished_at = column_time(s->column_text(0));
  out.outcome = s->column_text(1);
  out.summary = s->column_text(2);
  out.error = s->column_text(3);
  if (!s->column_is_null(4)) out.resume_at = column_time(s->column_text(4));
  return std::optional<CycleOutcomeRow>(std::move(out));
}

}  // namespace store
