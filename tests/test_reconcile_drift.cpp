// Out-of-band changes and deletion safety against the real simulator: drift made through the
// simulator (as a person in App Store Connect would) is recorded as events and corrected on the
// next cycle, or left alone when ascsync does not own it / prune is off; prune deletes only
// managed objects; protected emails and the account holder are never touched; the deletion cap
// blocks a mass removal with zero writes.
#include <doctest/doctest.h>

#include <functional>

#include "store/conditions.hpp"
#include "store/mirror.hpp"
#include "support/reconcile_fixture.hpp"

namespace {

using nlohmann::json;
using test_support::ReconcileFixture;
using test_support::World;
using Strings = std::vector<std::string>;

std::string desired_yaml(const std::string& policy) {
  return "team: acme\npolicy:\n" + policy + R"(
users:
  - {email: dev@acme.example, first_name: Dev, last_name: One, roles: [APP_MANAGER, DEVELOPER]}
apps:
  - bundle_id: com.acme.shop
    groups:
      - name: QA
        public_link: {enabled: true, limit: 100}
        members: [robin@example.org, alex@example.org]
)";
}

void seed_drift_team(ReconcileFixture& f) {
  f.add_apps({"com.acme.shop", "com.acme.tools"});
  f.sim().add_user("owner@acme.example", "Olive", "Owner", {"ACCOUNT_HOLDER", "ADMIN"});
  f.sim().add_user("dev@acme.example", "Dev", "One", {"DEVELOPER"});
}

bool has_event(ReconcileFixture& f, const std::string& kind, const std::string& key) {
  store::Mirror mirror(*f.db);
  auto events = mirror.events(ReconcileFixture::k_team, 0, 10'000);
  REQUIRE(events);
  for (const auto& e : *events)
    if (e.kind == kind && e.key == key) return true;
  return false;
}

// A request as a person in the web UI makes it: the simulator's own API, not ascsync's client.
void send_ok(ReconcileFixture& f, const std::string& method, const std::string& path, const json& body) {
  auto reply = test_support::send(f.fx, method, path, body);
  REQUIRE_MESSAGE(reply.status / 100 == 2, (method + " " + path + " -> " + std::to_string(reply.status)));
}

}  // namespace

TEST_CASE("out-of-band changes are recorded as drift and corrected, or left alone when not owned") {
  struct Case {
    const char* name;
    const char* policy;
    std::function<void(ReconcileFixture&, const World&)> change;
    const char* event_kind;
    const char* event_key;
    bool corrected;  // the next cycle writes to undo it
    std::function<void(const World&)> check;
  };
  const char* prune_on = "  prune: {testers: true, group_memberships: true}\n";
  const char* prune_off = "  prune: {testers: false, group_memberships: false}\n";
  const Case cases[] = {
      {"a tester removed from a managed group", prune_on,
       [](ReconcileFixture& f, const World& w) {
         send_ok(f, "DELETE",
                 "/v1/betaGroups/" + w.group_ids.at("com.acme.shop/QA") + "/relationships/betaTesters",
                 test_support::linkages("betaTesters", {w.tester_ids.at("robin@example.org")}));
       },
       "membership_removed", "membership:com.acme.shop/QA/robin@example.org", true,
       [](const World& w) {
         CHECK(w.members("com.acme.shop/QA") == Strings{"alex@example.org", "robin@example.org"});
       }},
      {"a group's public link switched off", prune_off,
       [](ReconcileFixture& f, const World& w) {
         const std::string id = w.group_ids.at("com.acme.shop/QA");
         send_ok(f, "PATCH", "/v1/betaGroups/" + id,
                 {{"data",
                   {{"type", "betaGroups"}, {"id", id}, {"attributes", {{"publicLinkEnabled", false}}}}}});
       },
       "group_changed", "group:com.acme.shop/QA", true,
       [](const World& w) {
         CHECK(w.groups.at("com.acme.shop/QA")["public_link_enabled"] == true);
         CHECK(w.groups.at("com.acme.shop/QA")["public_link_limit"] == 100);
       }},
      {"a user's roles changed", prune_off,
       [](ReconcileFixture& f, const World& w) {
         const std::string id = w.user_ids.at("dev@acme.example");
         send_ok(f, "PATCH", "/v1/users/" + id,
                 {{"data", {{"type", "users"}, {"id", id}, {"attributes", {{"roles", {"SALES"}}}}}}});
       },
       "user_changed", "user:dev@acme.example", true,
       [](const World& w) {
         CHECK(w.users.at("dev@acme.example") == Strings{"APP_MANAGER", "DEVELOPER"});
       }},
      {"an extra tester added to a managed group, prune on", prune_on,
       [](ReconcileFixture& f, const World& w) {
         f.sim().add_beta_tester("extra@example.org", "Ex", "Tra", {w.group_ids.at("com.acme.shop/QA")});
       },
       "tester_added", "tester:extra@example.org", true,
       [](const World& w) {
         CHECK(w.members("com.acme.shop/QA") == Strings{"alex@example.org", "robin@example.org"});
         // Removed from the group ascsync owns, but not deleted: ascsync did not make that tester.
         CHECK(w.testers.count("extra@example.org") == 1);
       }},
      {"an extra tester added to a managed group, prune off", prune_off,
       [](ReconcileFixture& f, const World& w) {
         f.sim().add_beta_tester("extra@example.org", "Ex", "Tra", {w.group_ids.at("com.acme.shop/QA")});
       },
       "tester_added", "tester:extra@example.org", false,
       [](const World& w) {
         CHECK(w.members("com.acme.shop/QA") ==
               Strings{"alex@example.org", "extra@example.org", "robin@example.org"});
       }},
      {"a group of an undeclared app changed by hand", prune_on,
       [](ReconcileFixture& f, const World& w) {
         const std::string id = w.group_ids.at("com.acme.tools/Legacy");
         send_ok(
             f, "PATCH", "/v1/betaGroups/" + id,
             {{"data", {{"type", "betaGroups"}, {"id", id}, {"attributes", {{"feedbackEnabled", true}}}}}});
         f.sim().add_beta_tester("stranger@example.org", "S", "T", {id});
       },
       "group_changed", "group:com.acme.tools/Legacy", false,
       [](const World& w) {
         CHECK(w.groups.at("com.acme.tools/Legacy")["feedback_enabled"] == true);
         CHECK(w.members("com.acme.tools/Legacy") == Strings{"hand@example.org", "stranger@example.org"});
       }},
  };
  for (const auto& tc : cases) {
    const std::string case_name = tc.name;
    CAPTURE(case_name);
    ReconcileFixture f;
    seed_drift_team(f);
    const std::string legacy = f.sim().add_beta_group(f.app_ids["com.acme.tools"], "Legacy", false);
    f.sim().add_beta_tester("hand@example.org", "Hand", "Made", {legacy});
    const auto desired = f.desired(desired_yaml(tc.policy));
    auto first = f.cycle(desired);
    REQUIRE(first);
    REQUIRE(first->outcome == util::CycleOutcome::converged);

    tc.change(f, f.world());
    f.sim().reset_counters();
    auto next = f.cycle(desired);
    REQUIRE(next);
    CHECK_MESSAGE(next->outcome == util::CycleOutcome::converged, next->summary());
    CHECK(has_event(f, tc.event_kind, tc.event_key));
    REQUIRE(next->refresh);
    CHECK(next->refresh->drift_events > 0);
    if (tc.corrected) {
      CHECK(f.sim().write_count() > 0);
      REQUIRE(next->apply);
      CHECK(next->apply->writes == f.sim().write_count());
    } else {
      CHECK(f.sim().write_count() == 0);
    }
    tc.check(f.world());

    // Converged: the cycle after sends nothing, and nothing is left drifted.
    f.sim().reset_counters();
    auto settled = f.cycle(desired);
    REQUIRE(settled);
    CHECK(settled->plan.empty());
    CHECK(f.sim().write_count() == 0);
    store::Conditions conditions(*f.db);
    auto all = conditions.conditions(ReconcileFixture::k_team);
    REQUIRE(all);
    for (const auto& c : *all) CHECK_MESSAGE(c.type == "ready", (c.key + " is " + c.type + ": " + c.message));
  }
}

TEST_CASE("prune deletes only managed objects, never protected emails, and only with prune on") {
  struct Case {
    const char* name;
    const char* policy;
    Strings testers_after;  // every tester in the simulator afterwards
    Strings qa_after;       // QA's members afterwards
  };
  const Case cases[] = {
      {"prune off: nothing is deleted",
       "  prune: {}\n",
       {"alex@example.org", "cleo@example.org", "hand@example.org", "robin@example.org"},
       {"alex@example.org", "cleo@example.org", "robin@example.org"}},
      {"prune testers: managed undeclared testers go, the hand-made one stays",
       "  prune: {testers: true}\n",
       {"hand@example.org", "robin@example.org"},
       {"robin@example.org"}},
      {"prune memberships: removed from the group, not deleted",
       "  prune: {group_memberships: true}\n",
       {"alex@example.org", "cleo@example.org", "hand@example.org", "robin@example.org"},
       {"robin@example.org"}},
      {"protected emails are never removed",
       "  prune: {testers: true, group_memberships: true}\n"
       "  protected_emails: [Cleo@Example.org]\n",
       {"cleo@example.org", "hand@example.org", "robin@example.org"},
       {"cleo@example.org", "robin@example.org"}},
  };
  for (const auto& tc : cases) {
    const std::string case_name = tc.name;
    CAPTURE(case_name);
    ReconcileFixture f;
    seed_drift_team(f);
    // A tester made by hand in an undeclared group of a declared app: unmanaged.
    const std::string hand_group = f.sim().add_beta_group(f.app_ids["com.acme.shop"], "Hand", false);
    f.sim().add_beta_tester("hand@example.org", "Hand", "Made", {hand_group});
    auto before = f.cycle(f.desired(R"(team: acme
apps:
  - bundle_id: com.acme.shop
    groups:
      - name: QA
        members: [robin@example.org, alex@example.org, cleo@example.org]
)"));
    REQUIRE(before);
    REQUIRE(before->outcome == util::CycleOutcome::converged);

    // Alex and Cleo are no longer declared anywhere.
    const auto desired = f.desired("team: acme\npolicy:\n" + std::string(tc.policy) + R"(apps:
  - bundle_id: com.acme.shop
    groups:
      - name: QA
        members: [robin@example.org]
)");
    auto after = f.cycle(desired);
    REQUIRE(after);
    CHECK_MESSAGE(after->outcome == util::CycleOutcome::converged, after->summary());
    const World w = f.world();
    Strings testers;
    for (const auto& [email, groups] : w.testers) testers.push_back(email);
    CHECK(testers == tc.testers_after);
    CHECK(w.members("com.acme.shop/QA") == tc.qa_after);
    CHECK(w.members("com.acme.shop/Hand") == Strings{"hand@example.org"});
    CHECK(w.groups.count("com.acme.shop/Hand") == 1);

    f.sim().reset_counters();
    auto again = f.cycle(desired);
    REQUIRE(again);
    CHECK(f.sim().write_count() == 0);
  }
}

TEST_CASE("the account holder is never changed or removed; managed users are pruned") {
  ReconcileFixture f;
  seed_drift_team(f);
  const std::string users_on = R"(team: acme
policy:
  prune: {users: true, invitations: true}
users:
)";
  auto adopted = f.cycle(f.desired(
      users_on + R"(  - {email: dev@acme.example, first_name: Dev, last_name: One, roles: [DEVELOPER]}
  - {email: owner@acme.example, first_name: Olive, last_name: Owner, roles: [DEVELOPER]}
)"));
  REQUIRE(adopted);
  // Declaring the account holder with other roles is refused as a blocked change, not applied.
  bool owner_blocked = false;
  for (const auto& c : adopted->plan.changes)
    if (c.key == "user:owner@acme.example") owner_blocked = c.action == core::Action::blocked;
  CHECK(owner_blocked);
  CHECK(f.world().users.at("owner@acme.example") == Strings{"ACCOUNT_HOLDER", "ADMIN"});

  // Nobody declared, prune users on: the adopted developer goes, the account holder stays.
  auto pruned = f.cycle(f.desired(users_on + "  []\n"));
  REQUIRE(pruned);
  CHECK_MESSAGE(pruned->outcome == util::CycleOutcome::converged, pruned->summary());
  const World w = f.world();
  CHECK(w.users.size() == 1);
  REQUIRE(w.users.count("owner@acme.example"));
  CHECK(w.users.at("owner@acme.example") == Strings{"ACCOUNT_HOLDER", "ADMIN"});
}

TEST_CASE("the deletion cap blocks a mass removal: zero writes, blocked conditions with the numbers") {
  ReconcileFixture f;
  seed_drift_team(f);
  std::string members = "[keep@example.org";
  for (int i = 0; i < 12; ++i) members += ", t" + std::to_string(i) + "@example.org";
  members += "]";
  const std::string head = R"(team: acme
policy:
  prune: {testers: true}
  max_deletions: 10
apps:
  - bundle_id: com.acme.shop
    groups:
      - name: QA
        members: )";
  auto created = f.cycle(f.desired(head + members + "\n"));
  REQUIRE(created);
  REQUIRE(created->outcome == util::CycleOutcome::converged);
  REQUIRE(f.world().testers.size() == 13);

  f.sim().reset_counters();
  auto blocked = f.cycle(f.desired(head + "[keep@example.org]\n"));
  REQUIRE(blocked);
  CHECK(blocked->outcome == util::CycleOutcome::blocked);
  CHECK_FALSE(blocked->guard.allowed);
  CHECK_FALSE(blocked->apply);
  CHECK(f.sim().write_count() == 0);
  CHECK(f.world().testers.size() == 13);
  store::Conditions conditions(*f.db);
  auto all = conditions.conditions(ReconcileFixture::k_team);
  REQUIRE(all);
  int blocked_testers = 0;
  for (const auto& c : *all) {
    if (c.key.rfind("tester:t", 0) != 0) continue;
    CHECK(c.type == "blocked");
    CHECK(c.reason == "GuardRefused");
    CHECK(c.message.find("deletes 12 objects") != std::string::npos);
    CHECK(c.message.find("max_deletions (10)") != std::string::npos);
    ++blocked_testers;
  }
  CHECK(blocked_testers == 12);

  // Under the cap it applies.
  std::string fewer = "[keep@example.org";
  for (int i = 0; i < 4; ++i) fewer += ", t" + std::to_string(i) + "@example.org";
  auto allowed = f.cycle(f.desired(head + fewer + "]\n"));
  REQUIRE(allowed);
  CHECK(allowed->outcome == util::CycleOutcome::converged);
  CHECK(f.world().testers.size() == 5);
}
