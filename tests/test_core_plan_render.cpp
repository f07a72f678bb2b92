// Renderers: golden text in the Terraform spirit, and the JSON document's shape.
#include <doctest/doctest.h>

#include "kinds/plan_json.hpp"
#include "kinds/render.hpp"
#include "support/plan_fixture.hpp"
#include "support/plan_json_view.hpp"

using core::Action;
using Strings = std::vector<std::string>;
using namespace plan_fixture;

namespace {

// Small but complete: an invitation, a group update, a tester create, batched members, a removal.
struct Small {
  core::DesiredState desired = desired_state();
  core::Snapshot snapshot;
  core::ManagedSet managed;
};

Small small() {
  Small w;
  auto& d = w.desired;
  auto& s = w.snapshot;
  d.policy.prune.testers = true;
  d.bundle_ids = {"com.acme.app"};
  s.apps = {app("app-1", "com.acme.app")};
  d.users = {desired_user("alice@acme.com", {"DEVELOPER"}, {"com.acme.app"})};
  auto qa = desired_group("com.acme.app", "QA", {"a@x.com", "b@x.com", "new@x.com"});
  qa.public_link_enabled = true;
  qa.public_link_limit = 100;
  d.groups = {qa};
  auto qa_have = group("g1", "app-1", qa);
  qa_have.public_link_limit = 50;
  s.groups = {qa_have};
  s.testers = {tester("t1", "a@x.com", {}), tester("t2", "b@x.com", {}), tester("t3", "old@x.com", {})};
  w.managed = {"group:com.acme.app/QA", "tester:a@x.com", "tester:b@x.com", "tester:old@x.com"};
  return w;
}

}  // namespace

core::Plan small_plan(const Small& w) {
  return make_plan(w.desired, w.snapshot, w.managed, fixed_now());
}

TEST_CASE("text: Terraform-style golden output") {
  const Small w = small();
  const auto p = small_plan(w);
  const auto g = core::guard(p, w.desired.policy, w.managed);
  const std::string expected = R"(ascsync will perform the following actions for team "acme":

  + user "alice@acme.com" will be invited
      allAppsVisible: false
      firstName: "First"
      lastName: "Last"
      provisioningAllowed: false
      roles: ["DEVELOPER"]
      visibleApps: ["com.acme.app"]
  + tester "new@x.com" will be created
      groups: ["com.acme.app/QA"]
  + membership "com.acme.app/QA" will add 2 testers
      + a@x.com
      + b@x.com
  ~ group "com.acme.app/QA" will be updated in-place
      ~ publicLinkLimit: 50 -> 100
  - tester "old@x.com" will be removed (not declared; prune.testers, managed)

Plan: 4 to add, 1 to change, 1 to destroy.
)";
  CHECK(kinds::render_text(p, &g) == expected);
}

TEST_CASE("text: colors only when asked, on the symbols") {
  const Small w = small();
  const auto p = small_plan(w);
  const std::string plain = kinds::render_text(p, nullptr);
  const std::string colored = kinds::render_text(p, nullptr, {true, false});
  CHECK(plain.find('\x1b') == std::string::npos);
  CHECK(colored.find("\x1b[32m+\x1b[0m user \"alice@acme.com\" will be invited") != std::string::npos);
  CHECK(colored.find("\x1b[31m-\x1b[0m tester \"old@x.com\"") != std::string::npos);
  CHECK(colored.find("\x1b[33m~\x1b[0m group \"com.acme.app/QA\"") != std::string::npos);
}

TEST_CASE("text: no changes") {
  core::Plan p;
  p.team = "acme";
  CHECK(kinds::render_text(p, nullptr) == "No changes. App Store Connect matches the desired state.\n");
}

TEST_CASE("text: replace, adopt, blocked, notes, errors and a refusing guard") {
  core::Plan p;
  p.team = "acme";
  core::Change adopt{Action::adopt,
                     "group:com.acme.app/QA",
                     "exists and is declared",
                     std::nullopt,
                     std::nullopt,
                     core::GroupPayload{},
                     {"group:com.acme.app/QA"},
                     {},
                     {}};
  core::Change replace{
      Action::replace,
      "invitation:c@acme.com",
      "roles differ",
      core::Attributes{{"roles", Strings{"DEVELOPER"}}, {"firstName", std::string("C")}},
      core::Attributes{{"roles", Strings{"ADMIN", "DEVELOPER"}}, {"firstName", std::string("C")}},
      core::InvitationPayload{},
      {},
      {},
      {}};
  core::Change blocked{Action::blocked,
                       "user:owner@acme.com",
                       "ACCOUNT_HOLDER is never changed",
                       core::Attributes{{"roles", Strings{"ACCOUNT_HOLDER"}}},
                       core::Attributes{{"roles", Strings{"ADMIN"}}},
                       core::UserPayload{},
                       {},
                       {},
                       {}};
  core::MembershipPayload removed;
  removed.testers = {{"t1", "x@y.com"}};
  core::Change removal{Action::remove_members,
                       "membership:com.acme.app/QA",
                       "not declared; prune.group_memberships, managed",
                       std::nullopt,
                       std::nullopt,
                       removed,
                       {},
                       {},
                       {"membership:com.acme.app/QA/x@y.com"}};
  p.changes = {adopt, replace, blocked, removal};
  p.notes = {{"tester:z@y.com", "not declared; unmanaged, left alone"}};
  p.errors = {{"app:com.gone", "app \"com.gone\" is not an app of this team", {"team.yaml", 4, 5}}};
  core::GuardResult refused{false, {"the plan has 1 error; fix the declaration first"}, 1, 10};
  const std::string expected = R"(ascsync will perform the following actions for team "acme":

  = group "com.acme.app/QA" will be adopted (exists and is declared)
  -/+ invitation "c@acme.com" will be re-issued (roles differ)
      ~ roles: ["DEVELOPER"] -> ["ADMIN", "DEVELOPER"]
  ! user "owner@acme.com" will not be changed: ACCOUNT_HOLDER is never changed
      ~ roles: ["ACCOUNT_HOLDER"] -> ["ADMIN"]
  - membership "com.acme.app/QA" will remove 1 tester (not declared; prune.group_memberships, managed)
      - x@y.com

Left alone:
  # z@y.com: not declared; unmanaged, left alone

Error: team.yaml:4:5: com.gone: app "com.gone" is not an app of this team

Plan: 1 to adopt, 1 to add, 0 to change, 2 to destroy.
1 change is blocked by policy (marked "!" above) and will not be made.
The plan is invalid: 1 error; nothing will be applied.
The guard blocks this plan; nothing will be applied:
  - the plan has 1 error; fix the declaration first
)";
  CHECK(kinds::render_text(p, &refused, {false, true}) == expected);
  CHECK(kinds::render_text(p, nullptr).find("1 object left alone or waiting (notes not shown).") !=
        std::string::npos);
}

TEST_CASE("text: a new group lists its declared attributes; adopted memberships are counted") {
  core::Plan p;
  p.team = "acme";
  p.changes.push_back(
      {Action::create,
       "group:com.acme.app/QA",
       "declared",
       std::nullopt,
       core::Attributes{
           {"isInternalGroup", false}, {"publicLinkLimit", std::monostate{}}, {"feedbackEnabled", true}},
       core::GroupPayload{},
       {},
       {},
       {}});
  p.changes.push_back({Action::adopt,
                       "membership:com.acme.app/QA",
                       "in the group",
                       std::nullopt,
                       std::nullopt,
                       core::MembershipPayload{},
                       {"membership:com.acme.app/QA/a@x.com", "membership:com.acme.app/QA/b@x.com"},
                       {},
                       {}});
  const std::string expected = R"(ascsync will perform the following actions for team "acme":

  + group "com.acme.app/QA" will be created
      feedbackEnabled: true
      isInternalGroup: false
  = membership "com.acme.app/QA" will adopt 2 members (in the group)

Plan: 2 to adopt, 1 to add, 0 to change, 0 to destroy.
)";
  CHECK(kinds::render_text(p, nullptr) == expected);
}

TEST_CASE("JSON: document shape, summary and guard") {
  const Small w = small();
  const auto p = small_plan(w);
  const auto g = core::guard(p, w.desired.policy, w.managed);
  const auto j = kinds::render_json(p, g);
  CHECK(j["format_version"] == "1.0");
  CHECK(j["team"] == "acme");
  CHECK(j["valid"] == true);
  REQUIRE(j["changes"].is_array());
  CHECK(j["changes"].size() == p.changes.size());
  for (const auto& c : j["changes"]) {
    for (const char* field :
         {"kind", "action", "key", "reason", "before", "after", "payload", "manage", "unmanage", "removes"}) {
      CAPTURE(field);
      CHECK(c.contains(field));
    }
  }
  CHECK(j["changes"][4]["action"] == "delete");
  CHECK(j["changes"][4]["payload"]["tester_id"] == "t3");
  CHECK(j["summary"] ==
        nlohmann::json{{"adopt", 0}, {"add", 4}, {"change", 1}, {"destroy", 1}, {"blocked", 0}});
  CHECK(j["errors"] == nlohmann::json::array());
  CHECK(j["guard"] == nlohmann::json{{"allowed", true},
                                     {"reasons", nlohmann::json::array()},
                                     {"deletions", 1},
                                     {"max_deletions", 10}});
}

TEST_CASE("JSON: a plan reads back exactly as it was written") {
  const Small w = small();
  auto p = small_plan(w);
  p.notes.push_back({"tester:z@y.com", "left alone"});
  p.errors.push_back({"app:x", "bad", {"a.yaml", 3, 4}});
  const auto back = kinds::plan_from_json(nlohmann::json::parse(kinds::plan_to_json(p).dump()));
  REQUIRE(back.ok());
  CHECK(back->team == p.team);
  REQUIRE(back->changes.size() == p.changes.size());
  for (size_t i = 0; i < p.changes.size(); ++i) {
    const auto& a = p.changes[i];
    const auto& b = back->changes[i];
    CHECK(kinds::change_to_json(a) == kinds::change_to_json(b));
    CHECK(a.action == b.action);
    CHECK(a.kind() == b.kind());
  }
  REQUIRE(back->errors.size() == 1);
  CHECK(back->errors[0].loc.str() == "a.yaml:3:4");
  CHECK(back->notes.size() == 1);

  struct Bad {
    nlohmann::json doc;
    const char* message;
  };
  const std::vector<Bad> bad = {
      {nlohmann::json::array(), "not an object"},
      {{{"format_version", "9"}, {"changes", nlohmann::json::array()}}, "format_version"},
      {{{"format_version", "1.0"},
        {"changes", {{{"kind", "user"}, {"action", "explode"}, {"key", "user:a"}}}}},
       "unknown action"},
      {{{"format_version", "1.0"}, {"changes", {{{"kind", "robot"}, {"action", "create"}, {"key", "x"}}}}},
       "unknown change kind"},
  };
  for (const auto& b : bad) {
    CAPTURE(b.message);
    const auto r = kinds::plan_from_json(b.doc);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find(b.message) != std::string::npos);
  }
}

TEST_CASE("text: a plan whose only changes are blocked never says it matches the desired state") {
  core::Plan p;
  p.team = "acme";
  p.changes = {{Action::blocked,
                "user:owner@acme.com",
                "ACCOUNT_HOLDER is never changed",
                core::Attributes{{"roles", Strings{"ACCOUNT_HOLDER", "ADMIN"}}},
                core::Attributes{{"roles", Strings{"ACCOUNT_HOLDER", "DEVELOPER"}}},
                core::UserPayload{},
                {},
                {},
                {}}};
  const std::string text = kinds::render_text(p, nullptr);
  CHECK(text.find("matches the desired state") == std::string::npos);
  CHECK(text.find("No changes will be made, but App Store Connect does not match the desired state.") !=
        std::string::npos);
  CHECK(text.find("1 change is blocked by policy") != std::string::npos);

  // An invalid plan with no changes does not claim it either.
  core::Plan invalid;
  invalid.team = "acme";
  invalid.errors = {{"app:com.gone", "app \"com.gone\" is not an app of this team", {"team.yaml", 4, 5}}};
  CHECK(kinds::render_text(invalid, nullptr).find("matches the desired state") == std::string::npos);
}
