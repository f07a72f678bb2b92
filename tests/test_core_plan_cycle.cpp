// Whole plans: execution order, and idempotence (apply the plan's effects, plan again: nothing).
#include <doctest/doctest.h>

#include "kinds/plan_json.hpp"
#include "support/plan_fixture.hpp"

using core::Action;
using namespace plan_fixture;

namespace {

// One team with drift of every kind the planner handles.
struct CycleWorld {
  core::DesiredState desired = desired_state();
  core::Snapshot snapshot;
  core::ManagedSet managed;
};

CycleWorld kitchen_sink() {
  CycleWorld w;
  auto& d = w.desired;
  auto& s = w.snapshot;
  d.policy.prune = {true, true, true, true, true};
  d.policy.max_deletions = 20;
  d.bundle_ids = {"com.acme.app", "com.acme.other"};
  s.apps = {app("app-1", "com.acme.app"), app("app-2", "com.acme.other")};

  // Users and invitations.
  d.users = {desired_user("alice@acme.com", {"DEVELOPER"}, {"com.acme.app"}),
             desired_user("bob@acme.com", {"ADMIN"}, {}, true),
             desired_user("carol@acme.com", {"APP_MANAGER"}, {"com.acme.other"}),
             desired_user("erin@acme.com", {"MARKETING"})};
  s.users = {user("u0", "owner@acme.com", {"ACCOUNT_HOLDER"}, {}, true),
             user("u1", "Bob@Acme.com", {"DEVELOPER"}, {"app-1"}), user("u2", "dave@acme.com", {"DEVELOPER"}),
             user("u3", "erin@acme.com", {"MARKETING"})};
  auto carol = invitation("i1", d.users[2], {"app-2"});
  carol.roles = {"DEVELOPER"};
  s.invitations = {carol, invitation("i2", desired_user("frank@acme.com", {"SALES"}))};
  w.managed.insert(
      {"user:bob@acme.com", "user:dave@acme.com", "invitation:carol@acme.com", "invitation:frank@acme.com"});

  // TestFlight.
  auto qa = desired_group("com.acme.app", "QA", {"a@x.com", "c@x.com", "n@x.com"});
  qa.public_link_enabled = true;
  qa.public_link_limit = 100;
  auto beta = desired_group("com.acme.other", "Beta", {"m@x.com", "n@x.com"});
  auto team = desired_group("com.acme.app", "Team", {"bob@acme.com"}, true);
  auto pub = desired_group("com.acme.app", "Public", {"a@x.com"});
  pub.has_access_to_all_builds = true;
  d.groups = {qa, pub, team, beta};
  d.testers = {{"n@x.com", "Nora", "New", loc(30)}};

  auto qa_have = group("g1", "app-1", qa);
  qa_have.public_link_limit = 50;
  auto pub_have = group("g3", "app-1", pub);
  pub_have.has_access_to_all_builds = false;
  s.groups = {qa_have, group("g2", "app-1", desired_group("com.acme.app", "Old", {})), pub_have};
  s.testers = {tester("t1", "a@x.com", {"g1", "g3"}), tester("t2", "gone@x.com", {"g1"}),
               tester("t3", "C@x.com", {}), tester("t4", "m@x.com", {"g1"})};
  w.managed.insert({"group:com.acme.app/QA", "group:com.acme.app/Old", "group:com.acme.app/Public",
                    "tester:gone@x.com", "tester:a@x.com", "tester:m@x.com"});
  return w;
}

std::vector<std::string> outline(const core::Plan& p) {
  std::vector<std::string> out;
  for (const auto& c : p.changes) out.push_back(std::string(core::to_string(c.action)) + " " + c.key);
  return out;
}

}  // namespace

TEST_CASE("changes come in execution order: adopt, creates, member adds, updates, deletions last") {
  const CycleWorld w = kitchen_sink();
  const auto p = make_plan(w.desired, w.snapshot, w.managed, fixed_now());
  REQUIRE(p.valid());
  const std::vector<std::string> expected = {
      "adopt user:erin@acme.com",
      "adopt tester:c@x.com",
      "adopt membership:com.acme.app/QA",
      "replace group:com.acme.app/Public",
      "create group:com.acme.app/Team",
      "create group:com.acme.other/Beta",
      "create invitation:alice@acme.com",
      "replace invitation:carol@acme.com",
      "create tester:bob@acme.com",
      "create tester:n@x.com",
      "add_members membership:com.acme.app/Public",
      "add_members membership:com.acme.app/QA",
      "add_members membership:com.acme.other/Beta",
      "update user:bob@acme.com",
      "update group:com.acme.app/QA",
      "remove_members membership:com.acme.app/QA",
      "delete tester:gone@x.com",
      "delete group:com.acme.app/Old",
      "delete invitation:frank@acme.com",
      "delete user:dave@acme.com",
  };
  CHECK(outline(p) == expected);
  CHECK(p.summary() == core::PlanSummary{3, 10, 2, 7, 0});
  const auto g = core::guard(p, w.desired.policy, w.managed);
  CHECK(g.allowed);
  CHECK(g.deletions == 6);  // replace, 1 membership, tester, group, invitation, user
}

TEST_CASE("planning again after the plan was applied yields an empty plan") {
  CycleWorld w = kitchen_sink();
  const auto first = make_plan(w.desired, w.snapshot, w.managed, fixed_now());
  REQUIRE(first.valid());
  REQUIRE_FALSE(first.empty());
  EffectModel().apply(first, w.snapshot, w.managed);

  const auto second = make_plan(w.desired, w.snapshot, w.managed, fixed_now());
  CHECK(second.valid());
  CHECK(outline(second).empty());
  CHECK(second.empty());

  // Everything declared is now managed; nothing undeclared is.
  for (const char* key :
       {"user:erin@acme.com", "invitation:alice@acme.com", "tester:n@x.com", "tester:c@x.com",
        "group:com.acme.other/Beta", "membership:com.acme.other/Beta/m@x.com",
        "membership:com.acme.app/QA/c@x.com", "membership:com.acme.app/Public/a@x.com"}) {
    CAPTURE(key);
    CHECK(w.managed.count(key) == 1);
  }
  for (const char* key : {"tester:gone@x.com", "group:com.acme.app/Old", "user:dave@acme.com",
                          "invitation:frank@acme.com", "membership:com.acme.app/QA/m@x.com"}) {
    CAPTURE(key);
    CHECK(w.managed.count(key) == 0);
  }
}

TEST_CASE("idempotence holds with prune off and adoption off too") {
  CycleWorld w = kitchen_sink();
  w.desired.policy.prune = {};
  w.desired.policy.adopt_existing = false;
  const auto first = make_plan(w.desired, w.snapshot, w.managed, fixed_now());
  REQUIRE(first.valid());
  CHECK(first.deletion_count() == 0);
  // Without prune.groups the Public group cannot be replaced; that stays blocked, and is all that stays.
  CHECK(find(first, Action::blocked, "group:com.acme.app/Public") != nullptr);
  EffectModel().apply(first, w.snapshot, w.managed);
  const auto second = make_plan(w.desired, w.snapshot, w.managed, fixed_now());
  CHECK(outline(second) == std::vector<std::string>{"blocked group:com.acme.app/Public"});
  CHECK(second.empty());
}

TEST_CASE("plans are deterministic regardless of snapshot order") {
  CycleWorld w = kitchen_sink();
  const auto a = make_plan(w.desired, w.snapshot, w.managed, fixed_now());
  std::reverse(w.snapshot.testers.begin(), w.snapshot.testers.end());
  std::reverse(w.snapshot.groups.begin(), w.snapshot.groups.end());
  std::reverse(w.snapshot.users.begin(), w.snapshot.users.end());
  const auto b = make_plan(w.desired, w.snapshot, w.managed, fixed_now());
  REQUIRE(a.changes.size() == b.changes.size());
  for (size_t i = 0; i < a.changes.size(); ++i) {
    CAPTURE(a.changes[i].key);
    CHECK(a.changes[i].key == b.changes[i].key);
    CHECK(a.changes[i].payload == b.changes[i].payload);
  }
}

TEST_CASE("every change that sends requests decodes into its typed payload, through a JSON round trip") {
  const CycleWorld w = kitchen_sink();
  const auto p = make_plan(w.desired, w.snapshot, w.managed, fixed_now());
  REQUIRE(p.valid());
  const auto back = kinds::plan_from_json(nlohmann::json::parse(kinds::plan_to_json(p).dump()));
  REQUIRE(back.ok());
  int checked = 0;
  for (const auto& c : back->changes) {
    if (!c.sends_requests()) continue;
    CAPTURE(c.key);
    const auto s = kinds::change_from_json(kinds::change_to_json(c));
    CHECK_MESSAGE(s.ok(), (s.ok() ? std::string() : s.error().message));
    ++checked;
  }
  CHECK(checked == 17);
}
