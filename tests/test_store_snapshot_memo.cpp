// commit_snapshot diffs against the connection's copy of the snapshot it committed last only
// while nobody has written the team's mirror rows since (the mirror generation, migration 0006):
// a write through another connection, a raw write on the same one, or an apply-time update makes
// it read the rows again, so drift events and stored rows are exactly what a full re-read gives.
#include <doctest/doctest.h>

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "store/database.hpp"
#include "store/mirror.hpp"
#include "test_store_support.hpp"

using store_test::at;
using store_test::StoreDir;

namespace {

store::OpenOptions memo_options() {
  store::OpenOptions o;
  o.migrations_dir = store_test::source_migrations();
  return o;
}

// Commits `snapshot` as a new run of "acme" and returns the drift events it recorded.
std::vector<store::Event> memo_commit(store::Database& db, const core::Snapshot& snapshot, const char* when,
                                      int64_t& seen) {
  store::Mirror mirror(db);
  auto run = mirror.begin_run("acme", at(when));
  REQUIRE(run.ok());
  REQUIRE(mirror.commit_snapshot("acme", *run, snapshot, {}, at(when)).ok());
  auto events = mirror.events("acme", seen, 1000);
  REQUIRE(events.ok());
  if (!events->empty()) seen = events->back().id;
  return *events;
}

int64_t memo_generation(store::Database& db) {
  auto text = db.query_text("SELECT generation FROM mirror_generation WHERE team = 'acme'");
  REQUIRE(text.ok());
  return text->empty() ? 0 : std::stoll(*text);
}

}  // namespace

TEST_CASE("snapshot memo: every write to a team's mirror rows bumps its generation") {
  StoreDir dir;
  auto db = store::Database::open(dir.file("ascsync.db"), memo_options());
  REQUIRE(db.ok());
  int64_t seen = 0;
  const auto snapshot = store_test::sample_snapshot();
  memo_commit(*db, snapshot, "2026-03-14T09:00:00Z", seen);
  const int64_t first = memo_generation(*db);
  CHECK(first > 0);
  REQUIRE(db->snapshot_memos().count("acme") == 1);
  CHECK(db->snapshot_memos().at("acme").generation == first);
  CHECK(*db->snapshot_memos().at("acme").snapshot == snapshot);
  // An unchanged refresh writes no mirror row.
  memo_commit(*db, snapshot, "2026-03-14T09:15:00Z", seen);
  CHECK(memo_generation(*db) == first);
  REQUIRE(db->exec("UPDATE beta_testers SET first_name = 'Danny' WHERE id = 't1'").ok());
  CHECK(memo_generation(*db) == first + 1);
  REQUIRE(db->exec("DELETE FROM group_memberships WHERE tester_id = 't2'").ok());
  CHECK(memo_generation(*db) == first + 2);
  // Another team's rows leave acme's generation alone.
  store::Mirror mirror(*db);
  REQUIRE(mirror.upsert_app("other", {"app9", "com.other.app", "Other", "SKU9"}).ok());
  CHECK(memo_generation(*db) == first + 2);
}

TEST_CASE("snapshot memo: a write by another connection is seen as drift, as with a full re-read") {
  StoreDir dir;
  const auto path = dir.file("ascsync.db");
  auto daemon = store::Database::open(path, memo_options());
  REQUIRE(daemon.ok());
  int64_t seen = 0;
  const auto snapshot = store_test::sample_snapshot();
  memo_commit(*daemon, snapshot, "2026-03-14T09:00:00Z", seen);
  CHECK(memo_commit(*daemon, snapshot, "2026-03-14T09:15:00Z", seen).empty());

  // Another process (a CLI command) changes a stored tester and drops one.
  {
    auto other = store::Database::open(path, memo_options());
    REQUIRE(other.ok());
    REQUIRE(other->exec("UPDATE beta_testers SET first_name = 'Danny' WHERE id = 't1'").ok());
    REQUIRE(other->exec("DELETE FROM beta_testers WHERE id = 't3'").ok());
  }
  // The refresh reads App Store Connect unchanged: the stored rows differ from it, so drift is
  // recorded against them and they are put back.
  const auto events = memo_commit(*daemon, snapshot, "2026-03-14T09:30:00Z", seen);
  std::set<std::pair<std::string, std::string>> got;
  for (const auto& e : events) got.insert({e.kind, e.key});
  CHECK(got == std::set<std::pair<std::string, std::string>>{{"tester_changed", "tester:dan@example.com"},
                                                             {"tester_added", "tester:fay@example.com"}});
  auto stored = store::Mirror(*daemon).load_snapshot("acme");
  REQUIRE(stored.ok());
  CHECK(*stored == snapshot);
  // And the next unchanged refresh is quiet again.
  CHECK(memo_commit(*daemon, snapshot, "2026-03-14T09:45:00Z", seen).empty());
}

TEST_CASE("snapshot memo: a raw write on the same connection and apply-time updates invalidate it") {
  StoreDir dir;
  auto db = store::Database::open(dir.file("ascsync.db"), memo_options());
  REQUIRE(db.ok());
  int64_t seen = 0;
  auto snapshot = store_test::sample_snapshot();
  memo_commit(*db, snapshot, "2026-03-14T09:00:00Z", seen);

  REQUIRE(db->exec("UPDATE users SET first_name = 'Annie' WHERE id = 'u1'").ok());
  auto events = memo_commit(*db, snapshot, "2026-03-14T09:15:00Z", seen);
  REQUIRE(events.size() == 1);
  CHECK(events[0].kind == "user_changed");

  // An apply-time update makes the stored rows newer than the memo: the next refresh, which
  // reads the same state, records no drift for what ascsync itself did.
  store::Mirror mirror(*db);
  auto tester = snapshot.testers[1];
  tester.first_name = "Evelyn";
  REQUIRE(mirror.upsert_tester("acme", tester).ok());
  snapshot.testers[1] = tester;
  CHECK(memo_commit(*db, snapshot, "2026-03-14T09:30:00Z", seen).empty());
  auto stored = mirror.load_snapshot("acme");
  REQUIRE(stored.ok());
  CHECK(*stored == snapshot);
}

TEST_CASE("snapshot memo: a connection opened without it re-reads the rows and keeps no copy") {
  StoreDir dir;
  auto options = memo_options();
  options.snapshot_memo = false;
  auto db = store::Database::open(dir.file("ascsync.db"), options);
  REQUIRE(db.ok());
  int64_t seen = 0;
  const auto snapshot = store_test::sample_snapshot();
  memo_commit(*db, snapshot, "2026-03-14T09:00:00Z", seen);
  CHECK(db->snapshot_memos().empty());
  REQUIRE(db->exec("UPDATE beta_testers SET first_name = 'Danny' WHERE id = 't1'").ok());
  const auto events = memo_commit(*db, snapshot, "2026-03-14T09:15:00Z", seen);
  REQUIRE(events.size() == 1);
  CHECK(events[0].kind == "tester_changed");
  CHECK(db->snapshot_memos().empty());
}
