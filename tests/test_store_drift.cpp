#include <doctest/doctest.h>

#include <algorithm>
#include <functional>
#include <set>

#include "store/database.hpp"
#include "store/mirror.hpp"
#include "store/snapshot_diff.hpp"
#include "test_store_support.hpp"

using store_test::at;
using store_test::StoreDir;

namespace {

using KindAndKey = std::pair<std::string, std::string>;

struct DriftCase {
  const char* name;
  std::function<void(core::Snapshot&)> change;
  std::set<KindAndKey> expected;
};

const std::vector<DriftCase>& drift_cases() {
  static const std::vector<DriftCase> cases = {
      {"nothing changed", [](core::Snapshot&) {}, {}},
      {"user added",
       [](core::Snapshot& s) {
         s.users.push_back({"u9", "New@Example.com", "N", "N", {"SALES"}, false, false, {}});
       },
       {{"user_added", "user:new@example.com"}}},
      {"user removed",
       [](core::Snapshot& s) { s.users.erase(s.users.begin()); },
       {{"user_removed", "user:ann@example.com"}}},
      {"user roles changed",
       [](core::Snapshot& s) { s.users[1].roles = {"ADMIN"}; },
       {{"user_changed", "user:bob@example.com"}}},
      {"user visible apps changed",
       [](core::Snapshot& s) { s.users[1].visible_app_ids = {"app1"}; },
       {{"user_changed", "user:bob@example.com"}}},
      {"invitation added",
       [](core::Snapshot& s) {
         s.invitations.push_back({"i9", "zed@example.com", "", "", {}, true, false, "", {}});
       },
       {{"invitation_added", "invitation:zed@example.com"}}},
      {"invitation removed",
       [](core::Snapshot& s) { s.invitations.clear(); },
       {{"invitation_removed", "invitation:carol@example.com"}}},
      {"group added",
       [](core::Snapshot& s) {
         s.groups.push_back({"g9", "app2", "QA", "", false, false, false, false, std::nullopt, "", true});
       },
       {{"group_added", "group:com.example.two/QA"}}},
      {"group removed (memberships go with it)",
       [](core::Snapshot& s) {
         s.groups.erase(s.groups.begin() + 2);  // g3, no members
       },
       {{"group_removed", "group:com.example.two/Friends"}}},
      {"group renamed",
       [](core::Snapshot& s) { s.groups[1].name = "Family"; },
       {{"group_changed", "group:com.example.one/Family"}}},
      {"group public link limit changed",
       [](core::Snapshot& s) { s.groups[1].public_link_limit = 200; },
       {{"group_changed", "group:com.example.one/Friends"}}},
      {"tester added with groups",
       [](core::Snapshot& s) {
         s.testers.push_back({"t9", "Kim@Example.com", "", "", "EMAIL", "INVITED", {"g2"}});
       },
       {{"tester_added", "tester:kim@example.com"}}},
      {"tester removed",
       [](core::Snapshot& s) { s.testers.erase(s.testers.begin() + 1); },
       {{"tester_removed", "tester:eve@example.com"}}},
      {"tester accepted the invitation",
       [](core::Snapshot& s) { s.testers[1].state = "ACCEPTED"; },
       {{"tester_changed", "tester:eve@example.com"}}},
      {"membership added",
       [](core::Snapshot& s) { s.testers[2].group_ids = {"g3"}; },
       {{"membership_added", "membership:com.example.two/Friends/fay@example.com"}}},
      {"membership removed",
       [](core::Snapshot& s) { s.testers[0].group_ids = {"g2"}; },
       {{"membership_removed", "membership:com.example.one/Internal/dan@example.com"}}},
      {"certificate added",
       [](core::Snapshot& s) {
         s.certificates.push_back({"c9", "N", "MAC_APP_DISTRIBUTION", "X", "99", "MAC_OS", "", true});
       },
       {{"certificate_added", "certificate:c9"}}},
      {"certificate revoked",
       [](core::Snapshot& s) { s.certificates.erase(s.certificates.begin()); },
       {{"certificate_revoked", "certificate:c1"}}},
      {"certificate changed",
       [](core::Snapshot& s) { s.certificates[1].activated = true; },
       {{"certificate_changed", "certificate:c2"}}},
      {"apps and profiles change silently",
       [](core::Snapshot& s) {
         s.apps[0].name = "Renamed";
         s.profiles[0].profile_state = "INVALID";
       },
       {}},
      {"several kinds at once",
       [](core::Snapshot& s) {
         s.users[0].last_name = "Z";
         s.testers[1].group_ids.push_back("g1");
         s.certificates.clear();
       },
       {{"user_changed", "user:ann@example.com"},
        {"membership_added", "membership:com.example.one/Internal/eve@example.com"},
        {"certificate_revoked", "certificate:c1"},
        {"certificate_revoked", "certificate:c2"}}},
  };
  return cases;
}

store::Database open_db(const StoreDir& dir) {
  store::OpenOptions options;
  options.migrations_dir = store_test::source_migrations();
  auto db = store::Database::open(dir.file("ascsync.db"), options);
  REQUIRE(db.ok());
  return std::move(db).value();
}

}  // namespace

TEST_CASE("drift between consecutive snapshots becomes one event per change") {
  // One database, one team per case: teams are independent, and fresh files cost fsyncs.
  StoreDir dir;
  auto db = open_db(dir);
  store::Mirror mirror(db);
  int n = 0;
  for (const auto& c : drift_cases()) {
    CAPTURE(c.name);
    const std::string team = "team" + std::to_string(n++);
    const core::Snapshot before = store_test::sample_snapshot();
    auto first = mirror.begin_run(team, at("2026-03-14T09:00:00Z"));
    REQUIRE(mirror.commit_snapshot(team, *first, before, {}, at("2026-03-14T09:00:10Z")).ok());
    CHECK(mirror.events(team, 0, 1000)->empty());  // the first snapshot is a baseline

    core::Snapshot after = before;
    c.change(after);
    auto second = mirror.begin_run(team, at("2026-03-14T10:00:00Z"));
    REQUIRE(mirror.commit_snapshot(team, *second, after, {}, at("2026-03-14T10:00:10Z")).ok());

    auto events = mirror.events(team, 0, 1000);
    REQUIRE(events.ok());
    std::set<KindAndKey> got;
    for (const auto& e : *events) {
      got.insert({e.kind, e.key});
      CHECK(e.run_id == *second);
      CHECK(e.team == team);
      CHECK(e.at == at("2026-03-14T10:00:10Z"));
      CHECK(e.details.is_object());
    }
    CHECK(got == c.expected);
    CHECK(events->size() == c.expected.size());
    CHECK((*mirror.last_run(team))->events == static_cast<int64_t>(c.expected.size()));
    after.normalize();
    CHECK(*mirror.load_snapshot(team) == after);
    CHECK(*mirror.load_snapshot("team-unused") == core::Snapshot{});
  }
}

TEST_CASE("changed events say what changed") {
  core::Snapshot before = store_test::sample_snapshot();
  core::Snapshot after = before;
  after.users[1].roles = {"ADMIN"};
  after.testers[1].state = "INSTALLED";
  after.groups[1].public_link_limit = std::nullopt;
  const auto delta = store::diff_snapshots(before, after);
  const auto events = store::drift_events(before, after, delta);
  REQUIRE(events.size() == 3);
  auto find = [&](const std::string& kind) {
    auto it = std::find_if(events.begin(), events.end(), [&](const auto& e) { return e.kind == kind; });
    REQUIRE(it != events.end());
    return it->details;
  };
  const auto user = find("user_changed");
  CHECK(user["changes"]["roles"]["before"] == nlohmann::json({"APP_MANAGER", "DEVELOPER"}));
  CHECK(user["changes"]["roles"]["after"] == nlohmann::json({"ADMIN"}));
  CHECK(user["changes"].size() == 1);
  const auto tester = find("tester_changed");
  CHECK(tester["changes"]["state"]["before"] == "INVITED");
  CHECK(tester["changes"]["state"]["after"] == "INSTALLED");
  const auto group = find("group_changed");
  CHECK(group["changes"]["public_link_limit"]["before"] == 100);
  CHECK(group["changes"]["public_link_limit"]["after"].is_null());
}

TEST_CASE("the diff matches by id and ignores order") {
  core::Snapshot before = store_test::sample_snapshot();
  core::Snapshot after = before;
  std::reverse(after.testers.begin(), after.testers.end());
  std::reverse(after.groups.begin(), after.groups.end());
  CHECK(store::diff_snapshots(before, after).empty());
  after.testers[0].id = "t-new";  // same email, new Apple id: a remove and an add
  const auto delta = store::diff_snapshots(before, after);
  CHECK(delta.testers.added.size() == 1);
  CHECK(delta.testers.removed.size() == 1);
  CHECK(delta.testers.changed.empty());
}

TEST_CASE("events page by id") {
  StoreDir dir;
  auto db = open_db(dir);
  store::Mirror mirror(db);
  core::Snapshot s = store_test::sample_snapshot();
  auto run = mirror.begin_run("acme", at("2026-03-14T09:00:00Z"));
  REQUIRE(mirror.commit_snapshot("acme", *run, s, {}, at("2026-03-14T09:00:10Z")).ok());
  s.testers.clear();
  run = mirror.begin_run("acme", at("2026-03-14T10:00:00Z"));
  REQUIRE(mirror.commit_snapshot("acme", *run, s, {}, at("2026-03-14T10:00:10Z")).ok());
  auto page1 = mirror.events("acme", 0, 2);
  REQUIRE(page1->size() == 2);
  auto page2 = mirror.events("acme", page1->back().id, 2);
  REQUIRE(page2->size() == 1);
  CHECK(page2->front().id > page1->back().id);
  CHECK(mirror.events("acme", page2->back().id, 2)->empty());
  // Events are append-only.
  CHECK_FALSE(db.exec("UPDATE events SET kind = 'x'").ok());
}
