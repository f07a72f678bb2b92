// Planner rules for TestFlight: groups, testers and memberships.
#include <doctest/doctest.h>

#include <functional>
#include <set>

#include "support/plan_fixture.hpp"
#include "support/plan_json_view.hpp"

using core::Action;
using namespace plan_fixture;

namespace {

const std::string k_qa = "group:com.acme.app/QA";
const std::string k_qa_members = "membership:com.acme.app/QA";

core::Snapshot testflight_base_snapshot() {
  core::Snapshot s;
  s.apps = {app("app-1", "com.acme.app"), app("app-2", "com.acme.other")};
  s.users = {user("u1", "dev@acme.com", {"DEVELOPER"})};
  return s;
}

core::DesiredState with_groups(std::vector<core::DesiredGroup> groups) {
  auto d = desired_state();
  d.manage_users = false;
  d.groups = std::move(groups);
  std::set<std::string> bundle_ids;
  for (const auto& g : d.groups) bundle_ids.insert(g.bundle_id);
  d.bundle_ids.assign(bundle_ids.begin(), bundle_ids.end());
  return d;
}

std::vector<std::string> emails_in(const nlohmann::json& testers) {
  std::vector<std::string> out;
  for (const auto& t : testers) out.push_back(t.at("email"));
  return out;
}

}  // namespace

TEST_CASE("a missing group is created with every attribute Apple fixes at creation") {
  auto g = desired_group("com.acme.app", "QA", {});
  g.has_access_to_all_builds = true;
  g.public_link_enabled = true;
  g.public_link_limit = 100;
  const auto p = plan(with_groups({g}), testflight_base_snapshot());
  REQUIRE(p.valid());
  REQUIRE(p.changes.size() == 1);
  const auto& c = p.changes[0];
  CHECK(c.kind() == core::ChangeKind::group);
  CHECK(c.action == Action::create);
  CHECK(c.key == k_qa);
  CHECK(test_support::payload_json(c)["app_id"] == "app-1");
  CHECK(test_support::payload_json(c)["name"] == "QA");
  const nlohmann::json attrs = {{"name", "QA"},
                                {"isInternalGroup", false},
                                {"hasAccessToAllBuilds", true},
                                {"publicLinkEnabled", true},
                                {"publicLinkLimitEnabled", true},
                                {"publicLinkLimit", 100},
                                {"feedbackEnabled", true}};
  CHECK(test_support::payload_json(c)["attributes"] == attrs);
  CHECK(c.manage == std::vector<std::string>{k_qa});
}

TEST_CASE("mutable group attributes are updated in place, only those that differ") {
  struct Case {
    const char* name;
    std::function<void(core::DesiredGroup&)> want;
    nlohmann::json patch;
  };
  const std::vector<Case> cases = {
      {"limit", [](core::DesiredGroup& g) { g.public_link_limit = 100; }, {{"publicLinkLimit", 100}}},
      // "No cap" must be declared (public_link without limit); an unset limit is not managed.
      {"limit off",
       [](core::DesiredGroup& g) {
         g.public_link_limit.reset();
         g.public_link_limit_enabled = false;
       },
       {{"publicLinkLimitEnabled", false}}},
      {"link off",
       [](core::DesiredGroup& g) { g.public_link_enabled = false; },
       {{"publicLinkEnabled", false}}},
      {"feedback", [](core::DesiredGroup& g) { g.feedback_enabled = false; }, {{"feedbackEnabled", false}}},
  };
  for (const auto& tc : cases) {
    CAPTURE(tc.name);
    auto have = desired_group("com.acme.app", "QA", {});
    have.public_link_enabled = true;
    have.public_link_limit = 50;
    auto want = have;
    tc.want(want);
    auto s = testflight_base_snapshot();
    s.groups = {group("g1", "app-1", have)};
    const auto p = plan(with_groups({want}), s, {k_qa});
    REQUIRE(p.changes.size() == 1);
    const auto& c = p.changes[0];
    CHECK(c.action == Action::update);
    CHECK(test_support::payload_json(c)["group_id"] == "g1");
    CHECK(test_support::payload_json(c)["attributes"] == tc.patch);
    for (const auto& [attr, value] : tc.patch.items()) CHECK(test_support::after_json(c)[attr] == value);
  }
}

TEST_CASE("attributes fixed at creation: replace only with prune.groups on a managed group, else blocked") {
  struct Case {
    bool prune;
    bool managed;
    Action expected;
  };
  for (const auto& tc : std::vector<Case>{
           {true, true, Action::replace}, {true, false, Action::blocked}, {false, true, Action::blocked}}) {
    CAPTURE(tc.prune);
    CAPTURE(tc.managed);
    auto have = desired_group("com.acme.app", "QA", {});
    auto want = desired_group("com.acme.app", "QA", {"a@x.com"});
    want.has_access_to_all_builds = true;
    auto s = testflight_base_snapshot();
    s.groups = {group("g1", "app-1", have)};
    s.testers = {tester("t1", "a@x.com", {"g1"}), tester("t2", "b@x.com", {"g1"})};
    auto d = with_groups({want});
    d.policy.prune.groups = tc.prune;
    core::ManagedSet managed;
    if (tc.managed) managed = {k_qa, "tester:a@x.com", "tester:b@x.com"};
    const auto p = plan(d, s, managed);
    REQUIRE(p.valid());
    const core::Change* c = find(p, tc.expected, k_qa);
    REQUIRE(c != nullptr);
    CHECK(c->reason.find("hasAccessToAllBuilds") != std::string::npos);
    if (tc.expected == Action::replace) {
      CHECK(test_support::payload_json(*c)["group_id"] == "g1");
      CHECK(test_support::payload_json(*c)["attributes"]["hasAccessToAllBuilds"] == true);
      CHECK(c->removes == std::vector<std::string>{k_qa});
      // The new group gets its declared member back by key: its id is only known after creation.
      const core::Change* add = find(p, Action::add_members, k_qa_members);
      REQUIRE(add != nullptr);
      CHECK(test_support::payload_json(*add)["group_id"].is_null());
      CHECK(test_support::payload_json(*add)["group_key"] == k_qa);
      CHECK(emails_in(test_support::payload_json(*add)["testers"]) == std::vector<std::string>{"a@x.com"});
      CHECK(p.deletion_count() == 1);
    } else {
      CHECK(c->reason.find("needs prune.groups and a managed group") != std::string::npos);
      CHECK(p.deletion_count() == 0);
    }
  }
}

TEST_CASE("an existing declared group is adopted when policy.adopt_existing is on") {
  const auto g = desired_group("com.acme.app", "QA", {});
  auto s = testflight_base_snapshot();
  s.groups = {group("g1", "app-1", g)};
  auto d = with_groups({g});
  const auto p = plan(d, s);
  REQUIRE(p.changes.size() == 1);
  CHECK(p.changes[0].action == Action::adopt);
  CHECK(p.changes[0].key == k_qa);
  CHECK(test_support::payload_json(p.changes[0])["group_id"] == "g1");
  d.policy.adopt_existing = false;
  CHECK(plan(d, s).changes.empty());
}

TEST_CASE("a new tester is created straight into all its groups in one change") {
  auto qa = desired_group("com.acme.app", "QA", {"new@x.com"});
  auto beta = desired_group("com.acme.other", "Beta", {"new@x.com"});
  auto s = testflight_base_snapshot();
  s.groups = {group("g1", "app-1", qa)};
  auto d = with_groups({qa, beta});
  d.testers = {{"New@X.com", "Nina", "New", loc(5)}};
  const auto p = plan(d, s, {k_qa});
  REQUIRE(p.valid());
  const auto creates = of(p, Action::create);
  REQUIRE(creates.size() == 2);
  CHECK(creates[0].key == "group:com.acme.other/Beta");  // groups first, so the tester can reference it
  const auto& t = creates[1];
  CHECK(t.key == "tester:new@x.com");
  CHECK(test_support::payload_json(t)["email"] == "New@X.com");
  CHECK(test_support::payload_json(t)["firstName"] == "Nina");
  const nlohmann::json groups = {{{"key", k_qa}, {"id", "g1"}},
                                 {{"key", "group:com.acme.other/Beta"}, {"id", nullptr}}};
  CHECK(test_support::payload_json(t)["groups"] == groups);
  CHECK(t.manage == std::vector<std::string>{"tester:new@x.com", "membership:com.acme.app/QA/new@x.com",
                                             "membership:com.acme.other/Beta/new@x.com"});
  CHECK(of(p, Action::add_members).empty());
}

TEST_CASE("existing testers missing from a group are added in one batch per group") {
  const auto qa = desired_group("com.acme.app", "QA", {"a@x.com", "b@x.com", "c@x.com"});
  const auto beta = desired_group("com.acme.app", "Beta", {"a@x.com"});
  auto s = testflight_base_snapshot();
  s.groups = {group("g1", "app-1", qa), group("g2", "app-1", beta)};
  s.testers = {tester("t1", "a@x.com", {}), tester("t2", "b@x.com", {}), tester("t3", "c@x.com", {"g1"})};
  const core::ManagedSet managed = {k_qa,
                                    "group:com.acme.app/Beta",
                                    "tester:a@x.com",
                                    "tester:b@x.com",
                                    "tester:c@x.com",
                                    "membership:com.acme.app/QA/c@x.com"};
  const auto p = plan(with_groups({qa, beta}), s, managed);
  REQUIRE(p.valid());
  const auto adds = of(p, Action::add_members);
  REQUIRE(adds.size() == 2);
  CHECK(adds[0].key == "membership:com.acme.app/Beta");
  CHECK(adds[1].key == k_qa_members);
  CHECK(test_support::payload_json(adds[1])["group_id"] == "g1");
  const nlohmann::json testers = {{{"id", "t1"}, {"email", "a@x.com"}}, {{"id", "t2"}, {"email", "b@x.com"}}};
  CHECK(test_support::payload_json(adds[1])["testers"] == testers);
  CHECK(adds[1].manage ==
        std::vector<std::string>{"membership:com.acme.app/QA/a@x.com", "membership:com.acme.app/QA/b@x.com"});
  CHECK(p.summary().add == 3);
  CHECK(p.changes.size() == 2);
}

TEST_CASE("existing declared memberships are adopted in one batch per group") {
  const auto qa = desired_group("com.acme.app", "QA", {"a@x.com", "b@x.com"});
  auto s = testflight_base_snapshot();
  s.groups = {group("g1", "app-1", qa)};
  s.testers = {tester("t1", "a@x.com", {"g1"}), tester("t2", "b@x.com", {"g1"})};
  const auto p = plan(with_groups({qa}), s, {k_qa, "tester:a@x.com", "tester:b@x.com"});
  REQUIRE(p.changes.size() == 1);
  CHECK(p.changes[0].action == Action::adopt);
  CHECK(p.changes[0].key == k_qa_members);
  CHECK(p.changes[0].manage ==
        std::vector<std::string>{"membership:com.acme.app/QA/a@x.com", "membership:com.acme.app/QA/b@x.com"});
  CHECK(p.summary().adopt == 2);
}

TEST_CASE(
    "undeclared memberships go only with prune.group_memberships, when the membership or group is managed") {
  struct Case {
    bool prune;
    bool group_managed;
    bool membership_managed;
    bool removed;
    const char* note;
  };
  const std::vector<Case> cases = {
      {true, true, false, true, ""},
      {true, false, true, true, ""},
      {true, false, false, false, "unmanaged membership of an unmanaged group"},
      {false, true, true, false, "prune.group_memberships is off"},
  };
  for (const auto& tc : cases) {
    CAPTURE(tc.prune);
    CAPTURE(tc.group_managed);
    CAPTURE(tc.membership_managed);
    const auto qa = desired_group("com.acme.app", "QA", {"a@x.com"});
    auto s = testflight_base_snapshot();
    s.groups = {group("g1", "app-1", qa)};
    s.testers = {tester("t1", "a@x.com", {"g1"}), tester("t2", "gone@x.com", {"g1"})};
    auto d = with_groups({qa});
    d.policy.prune.group_memberships = tc.prune;
    d.policy.adopt_existing = false;
    core::ManagedSet managed = {"tester:gone@x.com"};
    if (tc.group_managed) managed.insert(k_qa);
    if (tc.membership_managed) managed.insert("membership:com.acme.app/QA/gone@x.com");
    const auto p = plan(d, s, managed);
    REQUIRE(p.valid());
    if (tc.removed) {
      REQUIRE(p.changes.size() == 1);
      const auto& c = p.changes[0];
      CHECK(c.action == Action::remove_members);
      CHECK(test_support::payload_json(c)["group_id"] == "g1");
      CHECK(emails_in(test_support::payload_json(c)["testers"]) == std::vector<std::string>{"gone@x.com"});
      CHECK(c.removes == std::vector<std::string>{"membership:com.acme.app/QA/gone@x.com"});
      CHECK(p.summary().destroy == 1);
    } else {
      CHECK(p.changes.empty());
      CHECK(has_note(p, "membership:com.acme.app/QA/gone@x.com", tc.note));
    }
  }
}

TEST_CASE("testers declared nowhere go only with prune.testers, when managed and not protected") {
  struct Case {
    bool prune;
    bool managed;
    bool protect;
    bool removed;
  };
  for (const auto& tc : std::vector<Case>{{true, true, false, true},
                                          {true, false, false, false},
                                          {false, true, false, false},
                                          {true, true, true, false}}) {
    CAPTURE(tc.prune);
    CAPTURE(tc.managed);
    CAPTURE(tc.protect);
    const auto qa = desired_group("com.acme.app", "QA", {});
    auto s = testflight_base_snapshot();
    s.groups = {group("g1", "app-1", qa)};
    s.testers = {tester("t9", "Old@X.com", {"g1"})};
    auto d = with_groups({qa});
    d.policy.prune.testers = tc.prune;
    d.policy.prune.group_memberships = true;
    if (tc.protect) d.policy.protected_emails = {"old@x.com"};
    core::ManagedSet managed = {k_qa};
    if (tc.managed) managed.insert("tester:old@x.com");
    const auto p = plan(d, s, managed);
    const core::Change* c = find(p, Action::destroy, "tester:old@x.com");
    CHECK((c != nullptr) == tc.removed);
    if (c) {
      CHECK(test_support::payload_json(*c)["tester_id"] == "t9");
      CHECK(c->unmanage ==
            std::vector<std::string>{"tester:old@x.com", "membership:com.acme.app/QA/old@x.com"});
      // Deleting the tester takes its memberships with it: no separate membership removal.
      CHECK(of(p, Action::remove_members).empty());
      CHECK(p.deletion_count() == 1);
    } else if (tc.protect) {
      CHECK(of(p, Action::remove_members).empty());
      CHECK(has_note(p, "tester:old@x.com", "protected_emails"));
    }
  }
}

TEST_CASE("undeclared groups of declared apps go only with prune.groups, when managed") {
  for (const bool managed_group : {true, false}) {
    CAPTURE(managed_group);
    const auto qa = desired_group("com.acme.app", "QA", {});
    auto s = testflight_base_snapshot();
    s.groups = {group("g1", "app-1", qa), group("g2", "app-1", desired_group("com.acme.app", "Old", {})),
                group("g3", "app-2", desired_group("com.acme.other", "Elsewhere", {}))};
    auto d = with_groups({qa});
    d.policy.prune.groups = true;
    core::ManagedSet managed = {k_qa, "group:com.acme.other/Elsewhere"};
    if (managed_group) managed.insert("group:com.acme.app/Old");
    const auto p = plan(d, s, managed);
    const auto deletes = of(p, Action::destroy);
    if (managed_group) {
      REQUIRE(deletes.size() == 1);
      CHECK(deletes[0].key == "group:com.acme.app/Old");
      CHECK(test_support::payload_json(deletes[0])["group_id"] == "g2");
    } else {
      CHECK(deletes.empty());
      CHECK(has_note(p, "group:com.acme.app/Old", "unmanaged"));
    }
    // com.acme.other is not declared at all: its groups are none of this plan's business.
    CHECK(find(p, Action::destroy, "group:com.acme.other/Elsewhere") == nullptr);
  }
}

TEST_CASE("internal groups accept only team users") {
  auto d = with_groups(
      {desired_group("com.acme.app", "Team", {"dev@acme.com", "soon@acme.com", "stranger@x.com"}, true)});
  d.manage_users = true;
  d.users = {desired_user("dev@acme.com", {"DEVELOPER"}), desired_user("soon@acme.com", {"DEVELOPER"})};
  auto s = testflight_base_snapshot();
  const auto p = plan(d, s, {"user:dev@acme.com"});
  CHECK_FALSE(p.valid());
  REQUIRE(p.errors.size() == 1);
  CHECK(p.errors[0].key == "membership:com.acme.app/Team/stranger@x.com");
  CHECK(p.errors[0].message.find("accepts only team users") != std::string::npos);
  CHECK(p.errors[0].loc.line == 20);
  // Declared but not yet accepted: waits, no error and no change.
  CHECK(has_note(p, "membership:com.acme.app/Team/soon@acme.com", "accepts the team invitation"));
  const core::Change* t = find(p, Action::create, "tester:dev@acme.com");
  REQUIRE(t != nullptr);
  CHECK(test_support::payload_json(*t)["firstName"] == "First");  // names come from the users section
  CHECK(find(p, Action::create, "tester:soon@acme.com") == nullptr);
}

TEST_CASE("Apple's group constraints and unknown apps are plan errors") {
  struct Case {
    const char* name;
    std::function<void(core::DesiredGroup&)> edit;
    const char* message;
  };
  const std::vector<Case> cases = {
      {"public link on internal",
       [](core::DesiredGroup& g) {
         g.is_internal = true;
         g.public_link_enabled = true;
       },
       "only possible on an external group"},
      {"limit zero", [](core::DesiredGroup& g) { g.public_link_limit = 0; }, "outside 1..10,000"},
      {"limit too big", [](core::DesiredGroup& g) { g.public_link_limit = 10001; }, "outside 1..10,000"},
      {"unknown app", [](core::DesiredGroup& g) { g.bundle_id = "com.acme.gone"; },
       "is not an app of this team"},
  };
  for (const auto& tc : cases) {
    CAPTURE(tc.name);
    auto g = desired_group("com.acme.app", "QA", {"a@x.com"});
    g.public_link_enabled = true;
    tc.edit(g);
    const auto p = plan(with_groups({g}), testflight_base_snapshot());
    CHECK_FALSE(p.valid());
    CHECK(has_error(p, tc.message));
    CHECK(p.changes.empty());
  }
}

TEST_CASE("more than 10,000 external testers per app after the plan is an error") {
  std::vector<std::string> members;
  for (int i = 0; i < 6000; ++i) members.push_back("t" + std::to_string(i) + "@x.com");
  auto a = desired_group("com.acme.app", "A", members);
  // Existing unmanaged members of an undeclared group stay, so they count too.
  auto s = testflight_base_snapshot();
  const auto legacy = desired_group("com.acme.app", "Legacy", {});
  s.groups = {group("g9", "app-1", legacy)};
  for (int i = 0; i < 4001; ++i)
    s.testers.push_back(tester("x" + std::to_string(i), "l" + std::to_string(i) + "@y.com", {"g9"}));
  auto p = plan(with_groups({a}), s);
  CHECK(has_error(p, "would have 10001 external testers"));

  s.testers.pop_back();
  p = plan(with_groups({a}), s);
  CHECK(p.valid());
}

TEST_CASE("without an apps section, TestFlight is not planned at all") {
  auto d = with_groups({desired_group("com.acme.app", "QA", {"a@x.com"})});
  d.manage_testflight = false;
  d.policy.prune.testers = true;
  auto s = testflight_base_snapshot();
  s.testers = {tester("t1", "old@x.com", {})};
  const auto p = plan(d, s, {"tester:old@x.com"});
  CHECK(p.changes.empty());
  CHECK(p.valid());
}
