// Retention (issue 14): store::prune deletes old sync runs, events, plans, audit and finished
// journal rows by age and count, in bounded batches, and never what status and recovery need.
#include <doctest/doctest.h>

#include "store/audit.hpp"
#include "store/database.hpp"
#include "store/journal.hpp"
#include "store/keys.hpp"
#include "store/mirror.hpp"
#include "store/retention.hpp"
#include "test_store_support.hpp"
#include "util/clock.hpp"

using store_test::at;
using store_test::StoreDir;

namespace {

store::Database retention_open_db(const std::string& path) {
  store::OpenOptions options;
  options.migrations_dir = store_test::source_migrations();
  auto db = store::Database::open(path, options);
  REQUIRE(db.ok());
  return std::move(db).value();
}

int64_t retention_count(store::Database& db, const std::string& sql) {
  auto text = db.query_text(sql);
  REQUIRE(text.ok());
  return std::stoll(*text);
}

// A sync run started at `when`, ok or failed, with `events` drift events.
int64_t retention_run(store::Database& db, const std::string& team, util::TimePoint when, bool ok,
                      int events = 0) {
  store::Mirror mirror(db);
  auto run = mirror.begin_run(team, when);
  REQUIRE(run.ok());
  if (ok) {
    REQUIRE(mirror.commit_snapshot(team, *run, core::Snapshot{}, {}, when).ok());
  } else {
    REQUIRE(mirror.fail_run(team, *run, util::make_error(util::ErrorKind::network, "down"), {}, when).ok());
  }
  for (int i = 0; i < events; ++i)
    REQUIRE(db.exec("INSERT INTO events (team, at, run_id, kind, object_key, details) VALUES ('" + team +
                    "', '" + util::format_rfc3339(when) + "', " + std::to_string(*run) +
                    ", 'tester_added', 'tester:x" + std::to_string(i) + "', '{}')")
                .ok());
  return *run;
}

// A plan created at `when` with one audit record and one journal entry (pending or done).
int64_t retention_plan(store::Database& db, const std::string& team, util::TimePoint when, bool pending) {
  store::AuditTrail audit(db);
  auto plan = audit.record_plan(team, {{"changes", nlohmann::json::array()}}, when);
  REQUIRE(plan.ok());
  store::AuditRecord r;
  r.plan_id = *plan;
  r.at = when;
  r.change_kind = "tester";
  r.change_key = store::tester_key("eve@x.io");
  r.action = "create";
  r.outcome = "applied";
  REQUIRE(audit.record_audit(team, r).ok());
  store::Journal journal(db);
  store::JournalEntry e;
  e.kind = "tester";
  e.action = "create";
  e.natural_key = store::tester_key("eve@x.io");
  e.request = nlohmann::json::object();
  e.plan_id = *plan;
  auto id = journal.record_pending(team, e, when);
  REQUIRE(id.ok());
  if (!pending) REQUIRE(journal.complete(*id, "done", nullptr, "", when).ok());
  return *plan;
}

}  // namespace

TEST_CASE("retention: sync runs and their events are pruned by age, the latest runs are kept") {
  StoreDir dir;
  auto db = retention_open_db(dir.file("ascsync.db"));
  util::ManualClock clock(at("2026-01-01T00:00:00Z"));
  // 10 daily runs, ok, each with 2 events; then a failed run; the other team is never touched.
  for (int i = 0; i < 10; ++i) {
    retention_run(db, "acme", clock.now(), true, 2);
    clock.advance(std::chrono::hours(24));
  }
  const int64_t last_ok = retention_run(db, "acme", clock.now() - std::chrono::hours(1), true);
  const int64_t last = retention_run(db, "acme", clock.now(), false, 1);
  retention_run(db, "other", at("2025-01-01T00:00:00Z"), true, 3);

  store::RetentionPolicy policy;
  policy.days = 3;
  policy.max_runs_per_team = 0;
  policy.max_plans_per_team = 0;
  auto pruned = store::prune(db, "acme", policy, clock.now());
  REQUIRE(pruned.ok());
  // Runs of days 0..6 are older than 3 days (day 7 started exactly at the cutoff and stays).
  CHECK(pruned->sync_runs == 7);
  CHECK(pruned->events == 14);
  CHECK(retention_count(db, "SELECT count(*) FROM sync_runs WHERE team = 'acme'") == 5);
  CHECK(retention_count(db, "SELECT count(*) FROM events WHERE team = 'acme'") == 7);
  CHECK(retention_count(db, "SELECT count(*) FROM sync_runs WHERE team = 'other'") == 1);
  CHECK(retention_count(db, "SELECT count(*) FROM events WHERE team = 'other'") == 3);

  // Much later: everything is old, but the latest run and the latest ok run stay (status).
  clock.advance(std::chrono::hours(24 * 365));
  REQUIRE(store::prune(db, "acme", policy, clock.now()).ok());
  CHECK(retention_count(db, "SELECT count(*) FROM sync_runs WHERE team = 'acme'") == 2);
  CHECK(retention_count(db, "SELECT count(*) FROM sync_runs WHERE id IN (" + std::to_string(last_ok) + ", " +
                                std::to_string(last) + ")") == 2);
  // The latest run's event stays with it.
  CHECK(retention_count(db, "SELECT count(*) FROM events WHERE team = 'acme'") == 1);
  store::Mirror mirror(db);
  CHECK((*mirror.last_run("acme"))->id == last);
  CHECK((*mirror.last_successful_run("acme"))->id == last_ok);
  // Nothing left to do: a second prune deletes nothing.
  CHECK(store::prune(db, "acme", policy, clock.now())->total() == 0);
}

TEST_CASE("retention: count limits keep the newest rows, a batch limit works a backlog off gradually") {
  StoreDir dir;
  auto db = retention_open_db(dir.file("ascsync.db"));
  util::ManualClock clock(at("2026-02-01T00:00:00Z"));
  for (int i = 0; i < 25; ++i) {
    retention_run(db, "acme", clock.now(), true, 1);
    clock.advance(std::chrono::minutes(1));
  }
  store::RetentionPolicy policy;
  policy.days = 0;  // count only
  policy.max_runs_per_team = 10;
  policy.batch = 4;
  auto first = store::prune(db, "acme", policy, clock.now());
  REQUIRE(first.ok());
  CHECK(first->sync_runs == 4);
  CHECK(retention_count(db, "SELECT count(*) FROM sync_runs") == 21);
  for (int i = 0; i < 5; ++i) REQUIRE(store::prune(db, "acme", policy, clock.now()).ok());
  CHECK(retention_count(db, "SELECT count(*) FROM sync_runs") == 10);
  CHECK(retention_count(db, "SELECT count(*) FROM events") == 10);
  // The newest ten are the ones kept.
  CHECK(retention_count(db, "SELECT min(id) FROM sync_runs") == 16);
  // No limits at all: nothing is pruned.
  CHECK(store::prune(db, "acme", store::RetentionPolicy{0, 0, 0, 5000}, clock.now())->total() == 0);
}

TEST_CASE("retention: plans, audit and journal rows; pending entries and the latest plan are kept") {
  StoreDir dir;
  auto db = retention_open_db(dir.file("ascsync.db"));
  util::ManualClock clock(at("2026-03-01T00:00:00Z"));
  const int64_t old_done = retention_plan(db, "acme", clock.now(), false);
  const int64_t old_pending = retention_plan(db, "acme", clock.now(), true);
  clock.advance(std::chrono::hours(24 * 100));
  const int64_t latest = retention_plan(db, "acme", clock.now() - std::chrono::hours(24 * 95), false);

  store::RetentionPolicy policy;  // defaults: 90 days
  auto pruned = store::prune(db, "acme", policy, clock.now());
  REQUIRE(pruned.ok());
  CHECK(pruned->plans == 1);
  CHECK(pruned->audit == 1);
  CHECK(pruned->journal == 1);
  store::AuditTrail audit(db);
  CHECK_FALSE(audit.plan(old_done)->has_value());
  // Kept: the plan with a pending journal entry (recovery), with its rows; and the latest plan
  // with its audit and journal rows, though older than 90 days.
  CHECK(audit.plan(old_pending)->has_value());
  CHECK(audit.plan(latest)->has_value());
  CHECK(retention_count(db, "SELECT count(*) FROM journal WHERE state = 'pending'") == 1);
  CHECK(retention_count(db, "SELECT count(*) FROM journal WHERE plan_id = " + std::to_string(latest)) == 1);
  CHECK(retention_count(db, "SELECT count(*) FROM audit WHERE plan_id = " + std::to_string(latest)) == 1);
  // The pending plan's audit row stays with its plan.
  CHECK(retention_count(db, "SELECT count(*) FROM audit WHERE plan_id = " + std::to_string(old_pending)) ==
        1);
  store::Journal journal(db);
  CHECK(journal.pending("acme")->size() == 1);
}

TEST_CASE("retention: the plan count limit keeps the newest plans") {
  StoreDir dir;
  auto db = retention_open_db(dir.file("ascsync.db"));
  util::ManualClock clock(at("2026-03-01T00:00:00Z"));
  for (int i = 0; i < 6; ++i) {
    retention_plan(db, "acme", clock.now(), false);
    clock.advance(std::chrono::minutes(1));
  }
  store::RetentionPolicy policy;
  policy.max_plans_per_team = 2;
  auto pruned = store::prune(db, "acme", policy, clock.now());
  REQUIRE(pruned.ok());
  CHECK(pruned->plans == 4);
  CHECK(pruned->audit == 4);
  CHECK(pruned->journal == 4);
  CHECK(retention_count(db, "SELECT count(*) FROM plans") == 2);
  CHECK(retention_count(db, "SELECT count(*) FROM audit") == 2);
  CHECK(retention_count(db, "SELECT count(*) FROM journal") == 2);
}

TEST_CASE("retention: a plan that wrote nothing keeps only its summary") {
  StoreDir dir;
  auto db = retention_open_db(dir.file("ascsync.db"));
  store::AuditTrail audit(db);
  const nlohmann::json summary = {{"add", 3}, {"outcome", "applying"}};
  auto wrote = audit.record_plan("acme", {{"changes", {1, 2, 3}}}, at("2026-03-14T09:00:00Z"), summary);
  auto idle = audit.record_plan("acme", {{"changes", {1, 2, 3}}}, at("2026-03-14T09:00:00Z"), summary);
  REQUIRE(wrote.ok());
  REQUIRE(idle.ok());
  REQUIRE(audit.finish_plan(*wrote, {{"add", 3}, {"outcome", "applied"}, {"writes", 3}}, true).ok());
  REQUIRE(audit.finish_plan(*idle, {{"add", 3}, {"outcome", "partial"}, {"writes", 0}}, false).ok());
  auto full = *audit.plan(*wrote);
  REQUIRE(full.has_value());
  CHECK(full->full);
  CHECK(full->plan["changes"].size() == 3);
  CHECK(full->summary["writes"] == 3);
  auto small = *audit.plan(*idle);
  REQUIRE(small.has_value());
  CHECK_FALSE(small->full);
  CHECK(small->plan.is_null());
  CHECK(small->summary["outcome"] == "partial");
  CHECK(small->summary["add"] == 3);
}

TEST_CASE("retention: events stay append-only for updates, deletes are allowed") {
  StoreDir dir;
  auto db = retention_open_db(dir.file("ascsync.db"));
  retention_run(db, "acme", at("2026-01-01T00:00:00Z"), true, 2);
  CHECK_FALSE(db.exec("UPDATE events SET kind = 'x'").ok());
  CHECK(db.exec("DELETE FROM events WHERE id = (SELECT min(id) FROM events)").ok());
  CHECK(retention_count(db, "SELECT count(*) FROM events") == 1);
}
