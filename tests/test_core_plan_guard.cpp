// The guard: the deletion cap and the re-checked deletion rules, independent of the planner.
#include <doctest/doctest.h>

#include "support/plan_fixture.hpp"
#include "support/plan_json_view.hpp"

using core::Action;
using core::ChangeKind;
using namespace plan_fixture;

namespace {

core::Change destroy(ChangeKind kind, const std::string& key) {
  core::Change c;
  c.payload = test_support::empty_payload(kind);
  c.action = Action::destroy;
  c.key = key;
  c.removes = {key};
  return c;
}

core::Policy prune_all(int max_deletions = 10) {
  core::Policy p;
  p.prune = {true, true, true, true, true};
  p.max_deletions = max_deletions;
  return p;
}

bool has_reason(const core::GuardResult& g, const std::string& part) {
  for (const auto& r : g.reasons) {
    if (r.find(part) != std::string::npos) return true;
  }
  return false;
}

// A planner-made plan removing `n` managed testers from a managed group.
core::Plan membership_removals(int n) {
  auto qa = desired_group("com.acme.app", "QA", {});
  core::Snapshot s;
  s.apps = {app("app-1", "com.acme.app")};
  s.groups = {group("g1", "app-1", qa)};
  for (int i = 0; i < n; ++i)
    s.testers.push_back(tester("t" + std::to_string(i), "m" + std::to_string(i) + "@x.com", {"g1"}));
  auto d = desired_state();
  d.manage_users = false;
  d.bundle_ids = {"com.acme.app"};
  d.groups = {qa};
  d.testers.clear();
  for (int i = 0; i < n; ++i) d.testers.push_back({"m" + std::to_string(i) + "@x.com", "M", "X", loc(3)});
  d.policy = prune_all();
  d.policy.adopt_existing = false;  // keep the plan to the removals
  return plan(d, s, {"group:com.acme.app/QA"});
}

}  // namespace

TEST_CASE("an empty plan and a plan without deletions pass") {
  CHECK(core::guard(core::Plan{}, core::Policy{}, {}).allowed);
  core::Plan p;
  core::Change c;
  c.payload = core::InvitationPayload{};
  c.action = Action::create;
  c.key = "invitation:a@x.com";
  p.changes.push_back(c);
  const auto g = core::guard(p, core::Policy{}, {});
  CHECK(g.allowed);
  CHECK(g.reasons.empty());
  CHECK(g.deletions == 0);
}

TEST_CASE("over the deletion cap the whole plan is refused, with the numbers; each membership counts") {
  const auto p = membership_removals(5);
  REQUIRE(p.valid());
  REQUIRE(p.changes.size() == 1);  // one batched request...
  CHECK(p.deletion_count() == 5);  // ...that removes five objects

  const core::ManagedSet managed = {"group:com.acme.app/QA"};
  struct Case {
    int cap;
    bool allowed;
  };
  for (const auto& tc : std::vector<Case>{{5, true}, {4, false}, {0, false}}) {
    CAPTURE(tc.cap);
    const auto g = core::guard(p, prune_all(tc.cap), managed);
    CHECK(g.allowed == tc.allowed);
    CHECK(g.deletions == 5);
    CHECK(g.max_deletions == tc.cap);
    if (!tc.allowed) {
      REQUIRE(g.reasons.size() == 1);
      CHECK(g.reasons[0].find("deletes 5 objects, over policy.max_deletions (" + std::to_string(tc.cap) +
                              ")") != std::string::npos);
      CHECK(g.reasons[0].find("nothing is applied") != std::string::npos);
    }
  }
}

TEST_CASE("deletions are re-checked: prune on, managed, not protected") {
  struct Case {
    const char* name;
    core::Change change;
    core::Policy policy;
    core::ManagedSet managed;
    const char* reason;  // empty = allowed
  };
  core::Policy no_prune_testers = prune_all();
  no_prune_testers.prune.testers = false;
  core::Policy protect = prune_all();
  protect.protected_emails = {"Old@X.com"};
  const std::vector<Case> cases = {
      {"managed tester",
       destroy(ChangeKind::tester, "tester:old@x.com"),
       prune_all(),
       {"tester:old@x.com"},
       ""},
      {"prune off",
       destroy(ChangeKind::tester, "tester:old@x.com"),
       no_prune_testers,
       {"tester:old@x.com"},
       "needs prune.testers on"},
      {"unmanaged",
       destroy(ChangeKind::tester, "tester:old@x.com"),
       prune_all(),
       {},
       "not managed by ascsync"},
      {"protected",
       destroy(ChangeKind::tester, "tester:old@x.com"),
       protect,
       {"tester:old@x.com"},
       "protected_emails"},
      {"group", destroy(ChangeKind::group, "group:com.acme.app/QA"), prune_all(), {}, "not managed"},
      {"user via invitation",
       destroy(ChangeKind::user, "user:bob@x.com"),
       prune_all(),
       {"invitation:bob@x.com"},
       ""},
      {"membership via group",
       destroy(ChangeKind::membership, "membership:com.acme.app/QA/a@x.com"),
       prune_all(),
       {"group:com.acme.app/QA"},
       ""},
      {"membership of other group",
       destroy(ChangeKind::membership, "membership:com.acme.app/QA/a@x.com"),
       prune_all(),
       {"group:com.acme.app/Q"},
       "not managed"},
  };
  for (const auto& tc : cases) {
    CAPTURE(tc.name);
    core::Plan p;
    p.changes = {tc.change};
    const auto g = core::guard(p, tc.policy, tc.managed);
    CHECK(g.allowed == (std::string(tc.reason).empty()));
    if (!g.allowed) CHECK(has_reason(g, tc.reason));
  }
}

TEST_CASE("ACCOUNT_HOLDER and protected emails are never changed, even if a plan says so") {
  core::Plan p;
  core::Change c;
  c.payload = core::UserPayload{};
  c.action = Action::update;
  c.key = "user:owner@x.com";
  c.before = core::Attributes{{"roles", std::vector<std::string>{"ACCOUNT_HOLDER", "ADMIN"}}};
  c.after = core::Attributes{{"roles", std::vector<std::string>{"ADMIN"}}};
  p.changes = {c};
  auto g = core::guard(p, core::Policy{}, {"user:owner@x.com"});
  CHECK_FALSE(g.allowed);
  CHECK(has_reason(g, "ACCOUNT_HOLDER is never changed"));

  p.changes[0].before = core::Attributes{{"roles", std::vector<std::string>{"ADMIN"}}};
  core::Policy protect;
  protect.protected_emails = {"owner@x.com"};
  g = core::guard(p, protect, {});
  CHECK_FALSE(g.allowed);
  CHECK(has_reason(g, "protected_emails"));

  // A blocked change sends nothing, so it does not stop the rest of the plan.
  p.changes[0].action = Action::blocked;
  CHECK(core::guard(p, protect, {}).allowed);
}

TEST_CASE("a plan with errors is refused") {
  core::Plan p;
  p.errors.push_back({"app:com.x", "app \"com.x\" is not an app of this team", {}});
  const auto g = core::guard(p, core::Policy{}, {});
  CHECK_FALSE(g.allowed);
  CHECK(has_reason(g, "the plan has 1 error"));
}

TEST_CASE("many violations are listed up to a bound, then counted") {
  core::Plan p;
  for (int i = 0; i < 30; ++i)
    p.changes.push_back(destroy(ChangeKind::tester, "tester:t" + std::to_string(i) + "@x.com"));
  const auto g = core::guard(p, prune_all(100), {});
  CHECK_FALSE(g.allowed);
  REQUIRE(g.reasons.size() == 21);
  CHECK(g.reasons.back() == "... and 10 more");
}
