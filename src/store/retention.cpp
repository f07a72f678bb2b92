#include "store/retention.hpp"

#include <vector>

#include "util/time.hpp"

namespace store {

namespace {

util::Result<std::vector<int64_t>> select_ids(Database& db, std::string_view sql, const std::string& team,
                                              const std::string& cutoff, int64_t boundary, int64_t limit) {
  auto s = db.prepare(sql);
  if (!s) return std::move(s).error();
  s->bind_text(1, team).bind_text(2, cutoff).bind_int(3, boundary).bind_int(4, limit);
  std::vector<int64_t> ids;
  for (;;) {
    auto row = s->step();
    if (!row) return std::move(row).error();
    if (!*row) return ids;
    ids.push_back(s->column_int(0));
  }
}

// The id of the newest row to drop by count: everything at or below it is beyond the newest
// `keep`; 0 when there are not that many (or no count limit).
util::Result<int64_t> count_boundary(Database& db, std::string_view sql, const std::string& team,
                                     int64_t keep) {
  if (keep <= 0) return int64_t{0};
  auto s = db.prepare(sql);
  if (!s) return std::move(s).error();
  s->bind_text(1, team).bind_int(2, keep);
  auto row = s->step();
  if (!row) return std::move(row).error();
  return *row ? s->column_int(0) : int64_t{0};
}

// Runs a DELETE with ?1 = id, for each id; returns the rows deleted.
util::Result<int64_t> delete_each(Database& db, std::string_view sql, const std::vector<int64_t>& ids) {
  int64_t n = 0;
  for (int64_t id : ids) {
    auto s = db.prepare(sql);
    if (!s) return std::move(s).error();
    s->bind_int(1, id);
    if (auto st = s->run(); !st) return std::move(st).error();
    n += sqlite3_changes(db.handle());
  }
  return n;
}

util::Result<int64_t> delete_bounded(Database& db, std::string_view sql, const std::string& team,
                                     const std::string& cutoff, int64_t limit) {
  auto s = db.prepare(sql);
  if (!s) return std::move(s).error();
  s->bind_text(1, team).bind_text(2, cutoff).bind_int(3, limit);
  if (auto st = s->run(); !st) return std::move(st).error();
  return static_cast<int64_t>(sqlite3_changes(db.handle()));
}

}  // namespace

util::Result<PruneStats> prune(Database& db, const std::string& team, const RetentionPolicy& policy,
                               util::TimePoint now) {
  PruneStats stats;
  if (policy.batch <= 0) return stats;
  // Times are fixed-width RFC 3339 UTC text, so text order is time order. No age limit: a
  // cutoff older than anything stored.
  const std::string cutoff =
      policy.days > 0 ? util::format_rfc3339(now - std::chrono::hours(24) * policy.days) : std::string("0");

  auto tx = WriteTransaction::begin(db);
  if (!tx) return std::move(tx).error();

  // Sync runs (and their drift events first: events.run_id refers to them).
  auto run_boundary =
      count_boundary(db, "SELECT id FROM sync_runs WHERE team = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2", team,
                     policy.max_runs_per_team);
  if (!run_boundary) return std::move(run_boundary).error();
  auto runs =
      select_ids(db,
                 "SELECT id FROM sync_runs WHERE team = ?1 AND (started_at < ?2 OR id <= ?3) "
                 "AND id <> (SELECT max(id) FROM sync_runs WHERE team = ?1) "
                 "AND id <> coalesce((SELECT max(id) FROM sync_runs WHERE team = ?1 AND outcome = 'ok'), 0) "
                 "ORDER BY id LIMIT ?4",
                 team, cutoff, *run_boundary, policy.batch);
  if (!runs) return std::move(runs).error();
  auto ev = delete_each(db, "DELETE FROM events WHERE run_id = ?1", *runs);
  if (!ev) return std::move(ev).error();
  stats.events += *ev;
  auto rn = delete_each(db, "DELETE FROM sync_runs WHERE id = ?1", *runs);
  if (!rn) return std::move(rn).error();
  stats.sync_runs = *rn;

  // Old events of runs still kept go by age alone, except those of the runs kept for status.
  auto old_events = delete_bounded(
      db,
      "DELETE FROM events WHERE id IN (SELECT id FROM events WHERE team = ?1 AND at < ?2 "
      "AND coalesce(run_id, 0) <> coalesce((SELECT max(id) FROM sync_runs WHERE team = ?1), 0) "
      "AND coalesce(run_id, 0) <> coalesce((SELECT max(id) FROM sync_runs WHERE team = ?1 AND outcome = "
      "'ok'), 0) "

      "ORDER BY at LIMIT ?3)",
      team, cutoff, policy.batch);
  if (!old_events) return std::move(old_events).error();
  stats.events += *old_events;

  // Plans (audit and finished journal rows first: both refer to plans). Kept: the latest plan,
  // and any plan with a pending journal entry (startup recovery resolves it).
  auto plan_boundary =
      count_boundary(db, "SELECT id FROM plans WHERE team = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2", team,
                     policy.max_plans_per_team);
  if (!plan_boundary) return std::move(plan_boundary).error();
  auto plans = select_ids(
      db,
      "SELECT id FROM plans WHERE team = ?1 AND (created_at < ?2 OR id <= ?3) "
      "AND id <> (SELECT max(id) FROM plans WHERE team = ?1) "
      "AND NOT EXISTS (SELECT 1 FROM journal j WHERE j.plan_id = plans.id AND j.state = 'pending') "
      "ORDER BY id LIMIT ?4",
      team, cutoff, *plan_boundary, policy.batch);
  if (!plans) return std::move(plans).error();
  auto au = delete_each(db, "DELETE FROM audit WHERE plan_id = ?1", *plans);
  if (!au) return std::move(au).error();
  stats.audit += *au;
  auto jo = delete_each(db, "DELETE FROM journal WHERE plan_id = ?1 AND state <> 'pending'", *plans);
  if (!jo) return std::move(jo).error();
  stats.journal += *jo;
  auto pl = delete_each(db, "DELETE FROM plans WHERE id = ?1", *plans);
  if (!pl) return std::move(pl).error();
  stats.plans = *pl;

  // Old audit and finished journal rows go by age, except those of the plans kept above (the
  // latest plan: what `ascsync status` shows of the last apply; plans with a pending entry).
  auto old_audit = delete_bounded(
      db,
      "DELETE FROM audit WHERE id IN (SELECT id FROM audit WHERE team = ?1 AND at < ?2 "
      "AND coalesce(plan_id, 0) <> coalesce((SELECT max(id) FROM plans WHERE team = ?1), 0) "
      "AND NOT EXISTS (SELECT 1 FROM journal p WHERE p.plan_id = audit.plan_id AND p.state = 'pending') "
      "ORDER BY at LIMIT ?3)",
      team, cutoff, policy.batch);
  if (!old_audit) return std::move(old_audit).error();
  stats.audit += *old_audit;
  auto old_journal = delete_bounded(
      db,
      "DELETE FROM journal WHERE id IN (SELECT id FROM journal WHERE team = ?1 AND created_at < ?2 "
      "AND state <> 'pending' "
      "AND coalesce(plan_id, 0) <> coalesce((SELECT max(id) FROM plans WHERE team = ?1), 0) "
      "AND NOT EXISTS (SELECT 1 FROM journal p WHERE p.plan_id = journal.plan_id AND p.state = 'pending') "
      "ORDER BY created_at LIMIT ?3)",
      team, cutoff, policy.batch);
  if (!old_journal) return std::move(old_journal).error();
  stats.journal += *old_journal;

  if (auto st = tx->commit(); !st) return std::move(st).error();
  return stats;
}

}  // namespace store
