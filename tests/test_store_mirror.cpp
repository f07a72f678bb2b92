#include <doctest/doctest.h>

#include <algorithm>
#include <functional>

#include "store/database.hpp"
#include "store/mirror.hpp"
#include "test_store_support.hpp"

using store_test::at;
using store_test::StoreDir;

namespace {

struct Fixture {
  StoreDir dir;
  store::Database db;
  store::Mirror mirror;
  Fixture() : db(open(dir)), mirror(db) {}

  static store::Database open(const StoreDir& dir) {
    store::OpenOptions options;
    options.migrations_dir = store_test::source_migrations();
    auto db = store::Database::open(dir.file("ascsync.db"), options);
    REQUIRE(db.ok());
    return std::move(db).value();
  }

  // A complete successful refresh of `team`; returns the run id.
  int64_t refresh(const std::string& team, const core::Snapshot& snapshot,
                  const char* when = "2026-03-14T09:00:00Z", store::RunStats stats = {}) {
    auto run = mirror.begin_run(team, at(when));
    REQUIRE(run.ok());
    auto st = mirror.commit_snapshot(team, *run, snapshot, stats, at(when) + std::chrono::seconds(30));
    REQUIRE_MESSAGE(st.ok(), (st.ok() ? "" : st.error().describe()));
    return *run;
  }

  core::Snapshot load(const std::string& team) {
    auto snapshot = mirror.load_snapshot(team);
    REQUIRE(snapshot.ok());
    return *snapshot;
  }
};

}  // namespace

TEST_CASE("an unknown team has an empty snapshot and no runs") {
  Fixture f;
  CHECK(f.load("nobody") == core::Snapshot{});
  CHECK_FALSE(*f.mirror.has_snapshot("nobody"));
  CHECK_FALSE(f.mirror.last_run("nobody")->has_value());
  CHECK(f.mirror.recent_runs("nobody", 10)->empty());
}

TEST_CASE("snapshot round trip equals the input, kind by kind") {
  const core::Snapshot full = store_test::sample_snapshot();
  struct Case {
    const char* kind;
    std::function<void(const core::Snapshot&, core::Snapshot&)> take;
  };
  const std::vector<Case> cases = {
      {"apps", [](const core::Snapshot& s, core::Snapshot& out) { out.apps = s.apps; }},
      {"users", [](const core::Snapshot& s, core::Snapshot& out) { out.users = s.users; }},
      {"invitations", [](const core::Snapshot& s, core::Snapshot& out) { out.invitations = s.invitations; }},
      {"groups", [](const core::Snapshot& s, core::Snapshot& out) { out.groups = s.groups; }},
      {"testers", [](const core::Snapshot& s, core::Snapshot& out) { out.testers = s.testers; }},
      {"certificates",
       [](const core::Snapshot& s, core::Snapshot& out) { out.certificates = s.certificates; }},
      {"profiles", [](const core::Snapshot& s, core::Snapshot& out) { out.profiles = s.profiles; }},
      {"everything", [](const core::Snapshot& s, core::Snapshot& out) { out = s; }},
  };
  Fixture f;  // one database, one team per case
  for (const auto& c : cases) {
    CAPTURE(c.kind);
    core::Snapshot input;
    c.take(full, input);
    f.refresh(c.kind, input);
    CHECK(f.load(c.kind) == input);
  }
  CHECK(f.load("other-team") == core::Snapshot{});
}

TEST_CASE("unsorted input is stored and loaded back normalized") {
  Fixture f;
  core::Snapshot input = store_test::sample_snapshot();
  std::reverse(input.testers.begin(), input.testers.end());
  std::reverse(input.users[1].roles.begin(), input.users[1].roles.end());
  std::reverse(input.testers[2].group_ids.begin(), input.testers[2].group_ids.end());
  f.refresh("acme", input);
  input.normalize();
  CHECK(f.load("acme") == input);
}

TEST_CASE("teams are isolated from each other") {
  Fixture f;
  core::Snapshot a = store_test::sample_snapshot();
  core::Snapshot b = a;
  b.testers.pop_back();
  b.users[0].first_name = "Anna";
  f.refresh("alpha", a);
  f.refresh("beta", b);
  CHECK(f.load("alpha") == a);
  CHECK(f.load("beta") == b);
  f.refresh("beta", core::Snapshot{}, "2026-03-14T10:00:00Z");
  CHECK(f.load("alpha") == a);
  CHECK(f.load("beta") == core::Snapshot{});
  CHECK(*f.mirror.teams() == std::vector<std::string>{"alpha", "beta"});
}

TEST_CASE("a successful run records its stats and counts") {
  Fixture f;
  const core::Snapshot s = store_test::sample_snapshot();
  store::RunStats stats;
  stats.requests_sent = 17;
  stats.rate_remaining = 3583;
  stats.rate_limit = 3600;
  const int64_t id = f.refresh("acme", s, "2026-03-14T09:00:00Z", stats);
  auto run = f.mirror.last_run("acme");
  REQUIRE(run.ok());
  REQUIRE(run->has_value());
  const store::SyncRun& r = **run;
  CHECK(r.id == id);
  CHECK(r.team == "acme");
  CHECK(r.outcome == "ok");
  CHECK(r.error.empty());
  CHECK(r.started_at == at("2026-03-14T09:00:00Z"));
  CHECK(r.finished_at == at("2026-03-14T09:00:30Z"));
  CHECK(r.stats.requests_sent == 17);
  CHECK(r.stats.rate_remaining == 3583);
  CHECK(r.stats.rate_limit == 3600);
  CHECK(r.counts == store::count_rows(s));
  CHECK(r.counts.testers == 3);
  CHECK(r.counts.memberships == 3);
  CHECK(r.counts.groups == 3);
  CHECK(r.events == 0);
}

TEST_CASE("a failed run leaves the previous snapshot intact") {
  Fixture f;
  const core::Snapshot first = store_test::sample_snapshot();
  const int64_t ok_id = f.refresh("acme", first);

  auto run = f.mirror.begin_run("acme", at("2026-03-14T10:00:00Z"));
  REQUIRE(run.ok());
  auto running = f.mirror.last_run("acme");
  CHECK((*running)->outcome == "running");
  CHECK_FALSE((*running)->finished_at.has_value());

  util::Error error = util::make_error(util::ErrorKind::server, "listing betaTesters page 3 failed");
  error.http_status = 503;
  store::RunStats stats;
  stats.requests_sent = 9;
  REQUIRE(f.mirror.fail_run("acme", *run, error, stats, at("2026-03-14T10:00:05Z")).ok());

  CHECK(f.load("acme") == first);
  auto last = f.mirror.last_run("acme");
  REQUIRE(last->has_value());
  CHECK((*last)->id == *run);
  CHECK((*last)->outcome == "failed");
  CHECK((*last)->error.find("listing betaTesters page 3 failed") != std::string::npos);
  CHECK((*last)->error.find("HTTP 503") != std::string::npos);
  CHECK((*last)->stats.requests_sent == 9);
  CHECK((*last)->counts == store::SnapshotCounts{});
  CHECK((*f.mirror.last_successful_run("acme"))->id == ok_id);

  auto recent = f.mirror.recent_runs("acme", 10);
  REQUIRE(recent->size() == 2);
  CHECK((*recent)[0].id == *run);
  CHECK((*recent)[1].id == ok_id);
  CHECK(f.mirror.recent_runs("acme", 1)->size() == 1);
}

TEST_CASE("a run can be finished only once, and only by its team") {
  Fixture f;
  const core::Snapshot s = store_test::sample_snapshot();
  const int64_t id = f.refresh("acme", s);
  core::Snapshot changed = s;
  changed.testers.clear();
  auto again = f.mirror.commit_snapshot("acme", id, changed, {}, at("2026-03-14T11:00:00Z"));
  REQUIRE_FALSE(again.ok());
  CHECK(again.error().message.find("is not running") != std::string::npos);
  CHECK(f.load("acme") == s);  // the whole commit rolled back
  CHECK(f.mirror.events("acme", 0, 100)->empty());

  auto run = f.mirror.begin_run("acme", at("2026-03-14T12:00:00Z"));
  CHECK_FALSE(f.mirror.commit_snapshot("other", *run, changed, {}, at("2026-03-14T12:00:01Z")).ok());
  CHECK_FALSE(f.mirror
                  .fail_run("other", *run, util::make_error(util::ErrorKind::network, "x"), {},
                            at("2026-03-14T12:00:01Z"))
                  .ok());
  CHECK(f.load("other") == core::Snapshot{});
  CHECK(f.mirror
            .fail_run("acme", *run, util::make_error(util::ErrorKind::network, "x"), {},
                      at("2026-03-14T12:00:01Z"))
            .ok());
  CHECK_FALSE(f.mirror
                  .fail_run("acme", *run, util::make_error(util::ErrorKind::network, "x"), {},
                            at("2026-03-14T12:00:02Z"))
                  .ok());
}

TEST_CASE("apply-time updates keep the mirror in step with what was written") {
  Fixture f;
  core::Snapshot expected = store_test::sample_snapshot();
  f.refresh("acme", expected);

  SUBCASE("users") {
    core::User user{"u3", "gil@example.com", "Gil", "G", {"DEVELOPER"}, false, false, {"app1"}};
    REQUIRE(f.mirror.upsert_user("acme", user).ok());
    expected.users.push_back(user);
    user.visible_app_ids = {"app2"};
    user.roles = {"ADMIN"};
    REQUIRE(f.mirror.upsert_user("acme", user).ok());
    expected.users.back() = user;
    REQUIRE(f.mirror.delete_user("acme", "u1").ok());
    expected.users.erase(expected.users.begin());
  }
  SUBCASE("invitations") {
    core::Invitation inv{"i2", "hal@example.com", "Hal", "H", {"SALES"}, true, false, "", {}};
    REQUIRE(f.mirror.upsert_invitation("acme", inv).ok());
    expected.invitations.push_back(inv);
    REQUIRE(f.mirror.delete_invitation("acme", "i1").ok());
    expected.invitations.erase(expected.invitations.begin());
  }
  SUBCASE("groups and testers") {
    core::BetaGroup group{"g4",         "app2", "New", "2026-03-14T00:00:00.000+00:00",
                          false,        false,  false, false,
                          std::nullopt, "",     true};
    REQUIRE(f.mirror.upsert_group("acme", group).ok());
    expected.groups.push_back(group);
    core::BetaTester tester{"t4", "ivy@example.com", "Ivy", "I", "EMAIL", "INVITED", {"g4"}};
    REQUIRE(f.mirror.upsert_tester("acme", tester).ok());
    expected.testers.push_back(tester);
    REQUIRE(f.mirror.add_memberships("acme", "g4", {"t1", "t3", "t4"}).ok());  // t4 again: no-op
    expected.testers[0].group_ids.push_back("g4");
    expected.testers[2].group_ids.push_back("g4");
    REQUIRE(f.mirror.remove_memberships("acme", "g2", {"t2"}).ok());
    expected.testers[1].group_ids.clear();
    // Deleting a group takes its memberships along.
    REQUIRE(f.mirror.delete_group("acme", "g1").ok());
    expected.groups.erase(expected.groups.begin());
    expected.testers[0].group_ids.erase(expected.testers[0].group_ids.begin());
    REQUIRE(f.mirror.delete_tester("acme", "t3").ok());
    expected.testers.erase(expected.testers.begin() + 2);
    // A membership for a tester the mirror does not know is refused.
    auto unknown = f.mirror.add_memberships("acme", "g2", {"t-unknown"});
    REQUIRE_FALSE(unknown.ok());
    CHECK(unknown.error().message.find("FOREIGN KEY") != std::string::npos);
  }
  SUBCASE("certificates, apps and profiles") {
    core::Certificate cert{
        "c3", "New Dist", "IOS_DISTRIBUTION", "Example Inc", "5E6F", "IOS", "2027-03-14T00:00:00.000+00:00",
        true};
    REQUIRE(f.mirror.upsert_certificate("acme", cert).ok());
    expected.certificates.push_back(cert);
    REQUIRE(f.mirror.delete_certificate("acme", "c1").ok());
    expected.certificates.erase(expected.certificates.begin());
    core::App app{"app3", "com.example.three", "Three", "SKU3"};
    REQUIRE(f.mirror.upsert_app("acme", app).ok());
    expected.apps.push_back(app);
    expected.profiles[0].certificate_ids = {"c2", "c3"};
    REQUIRE(f.mirror.upsert_profile("acme", expected.profiles[0]).ok());
  }
  expected.normalize();
  CHECK(f.load("acme") == expected);

  // A refresh that sees the same state afterwards finds no drift.
  const int64_t run = f.refresh("acme", expected, "2026-03-14T11:00:00Z");
  CHECK((*f.mirror.last_run("acme"))->events == 0);
  CHECK(f.mirror.events("acme", 0, 100)->empty());
  CHECK(run > 0);
}

TEST_CASE("a second connection waits for the writer, then fails with a clear error") {
  Fixture f;
  f.refresh("acme", store_test::sample_snapshot());
  store::OpenOptions options;
  options.migrations_dir = store_test::source_migrations();
  options.busy_timeout = std::chrono::milliseconds(50);
  auto other = store::Database::open(f.db.path(), options);
  REQUIRE(other.ok());
  store::Mirror other_mirror(*other);

  auto tx = store::WriteTransaction::begin(f.db);
  REQUIRE(tx.ok());
  // WAL: readers are not blocked by the writer.
  CHECK(*other_mirror.load_snapshot("acme") == store_test::sample_snapshot());
  auto blocked = other_mirror.begin_run("acme", at("2026-03-14T12:00:00Z"));
  REQUIRE_FALSE(blocked.ok());
  CHECK(blocked.error().kind == util::ErrorKind::internal);
  CHECK(blocked.error().message.find(f.db.path()) != std::string::npos);
  CHECK(blocked.error().message.find("busy timeout") != std::string::npos);
  REQUIRE(tx->commit().ok());
  CHECK(other_mirror.begin_run("acme", at("2026-03-14T12:00:00Z")).ok());
}

TEST_CASE("a nested write transaction that is not committed undoes only its own writes") {
  Fixture f;
  {
    auto outer = store::WriteTransaction::begin(f.db);
    REQUIRE(outer.ok());
    REQUIRE(f.mirror.upsert_app("acme", {"a", "com.acme.a", "A", "sku-a"}).ok());
    {
      auto inner = store::WriteTransaction::begin(f.db);
      REQUIRE(inner.ok());
      auto s = f.db.prepare(
          "INSERT INTO apps (team, id, bundle_id, name, sku) VALUES ('acme', 'x', 'com.acme.x', 'X', 'w')");
      REQUIRE(s->run().ok());
    }  // not committed: rolled back to its savepoint
    REQUIRE(outer->commit().ok());
  }
  const auto apps = f.load("acme").apps;
  REQUIRE(apps.size() == 1);
  CHECK(apps[0].id == "a");
}

TEST_CASE("an uncommitted write transaction rolls back") {
  Fixture f;
  {
    auto tx = store::WriteTransaction::begin(f.db);
    REQUIRE(tx.ok());
    // A nested write transaction is a savepoint: released into the outer one, undone with it.
    REQUIRE(f.mirror.upsert_app("acme", {"a", "b", "c", "d"}).ok());
    auto s =
        f.db.prepare("INSERT INTO apps (team, id, bundle_id, name, sku) VALUES ('acme', 'x', 'y', 'z', 'w')");
    REQUIRE(s->run().ok());
  }
  CHECK(f.load("acme").apps.empty());
}
