// Planner rules for team users and pending invitations.
#include <doctest/doctest.h>

#include <functional>

#include "support/plan_fixture.hpp"
#include "support/plan_json_view.hpp"

using core::Action;
using namespace plan_fixture;

namespace {

core::Snapshot users_base_snapshot() {
  core::Snapshot s;
  s.apps = {app("app-1", "com.acme.app"), app("app-2", "com.acme.other")};
  s.users = {user("u-owner", "Owner@Acme.com", {"ACCOUNT_HOLDER", "ADMIN"}, {}, true, true)};
  return s;
}

}  // namespace

TEST_CASE("a declared email that is neither user nor invitation gets an invitation") {
  auto d = desired_state();
  d.users = {desired_user("Alice@Acme.com", {"DEVELOPER"}, {"com.acme.other"})};
  const auto p = plan(d, users_base_snapshot());
  REQUIRE(p.valid());
  REQUIRE(p.changes.size() == 1);
  const auto& c = p.changes[0];
  CHECK(c.kind() == core::ChangeKind::invitation);
  CHECK(c.action == Action::create);
  CHECK(c.key == "invitation:alice@acme.com");
  CHECK(test_support::payload_json(c)["email"] == "Alice@Acme.com");
  CHECK(test_support::payload_json(c)["roles"] == nlohmann::json{"DEVELOPER"});
  CHECK(test_support::payload_json(c)["visible_app_ids"] == nlohmann::json{"app-2"});
  CHECK(test_support::payload_json(c)["firstName"] == "First");
  CHECK(test_support::after_json(c)["visibleApps"] == nlohmann::json{"com.acme.other"});
  CHECK(c.manage == std::vector<std::string>{"invitation:alice@acme.com"});
  CHECK(c.removes.empty());
  CHECK(c.reason.find("team.yaml:10:3") != std::string::npos);
}

TEST_CASE("an existing user whose grants differ is updated, attribute by attribute") {
  struct Case {
    const char* name;
    core::User have;
    core::DesiredUser want;
    std::vector<std::string> differing;  // JSON attributes expected in the reason
  };
  const std::vector<Case> cases = {
      {"roles",
       user("u1", "bob@acme.com", {"DEVELOPER"}),
       desired_user("bob@acme.com", {"ADMIN", "DEVELOPER"}),
       {"roles"}},
      {"visible apps",
       user("u1", "bob@acme.com", {"DEVELOPER"}, {"app-1"}),
       desired_user("bob@acme.com", {"DEVELOPER"}, {"com.acme.app", "com.acme.other"}),
       {"visibleApps"}},
      {"all apps",
       user("u1", "bob@acme.com", {"DEVELOPER"}, {"app-1"}),
       desired_user("bob@acme.com", {"DEVELOPER"}, {}, true),
       {"allAppsVisible"}},
      {"provisioning",
       user("u1", "bob@acme.com", {"DEVELOPER"}),
       desired_user("bob@acme.com", {"DEVELOPER"}, {}, false, true),
       {"provisioningAllowed"}},
  };
  for (const auto& tc : cases) {
    CAPTURE(tc.name);
    auto d = desired_state();
    d.users = {tc.want};
    auto s = users_base_snapshot();
    s.users.push_back(tc.have);
    const auto p = plan(d, s, {"user:bob@acme.com"});
    REQUIRE(p.valid());
    REQUIRE(p.changes.size() == 1);
    const auto& c = p.changes[0];
    CHECK(c.action == Action::update);
    CHECK(c.key == "user:bob@acme.com");
    CHECK(test_support::payload_json(c)["user_id"] == "u1");
    for (const auto& attr : tc.differing) {
      CHECK(c.reason.find(attr) != std::string::npos);
      CHECK(test_support::before_json(c)[attr] != test_support::after_json(c)[attr]);
    }
    CHECK(test_support::payload_json(c)["roles"] == nlohmann::json(tc.want.roles));
    CHECK(test_support::payload_json(c).contains("visible_app_ids") == !tc.want.all_apps_visible.value());
  }
}

TEST_CASE("visible apps are ignored when every app is visible") {
  auto d = desired_state();
  d.users = {desired_user("bob@acme.com", {"DEVELOPER"}, {"com.acme.app"}, true)};
  auto s = users_base_snapshot();
  s.users.push_back(user("u1", "bob@acme.com", {"DEVELOPER"}, {"app-2"}, true));
  CHECK(plan(d, s, {"user:bob@acme.com"}).empty());
}

TEST_CASE("adoption of existing users and invitations follows policy.adopt_existing") {
  for (const bool adopt : {true, false}) {
    CAPTURE(adopt);
    auto d = desired_state();
    d.policy.adopt_existing = adopt;
    d.users = {desired_user("bob@acme.com", {"DEVELOPER"}), desired_user("carol@acme.com", {"DEVELOPER"})};
    auto s = users_base_snapshot();
    s.users.push_back(user("u1", "BOB@acme.com", {"DEVELOPER"}));
    s.invitations.push_back(invitation("i1", d.users[1]));
    const auto p = plan(d, s);
    REQUIRE(p.valid());
    if (adopt) {
      REQUIRE(p.changes.size() == 2);
      CHECK(p.changes[0].key == "user:bob@acme.com");
      CHECK(p.changes[1].key == "invitation:carol@acme.com");
      for (const auto& c : p.changes) {
        CHECK(c.action == Action::adopt);
        CHECK(c.manage == std::vector<std::string>{c.key});
        CHECK_FALSE(c.sends_requests());
      }
      CHECK(p.summary().adopt == 2);
    } else {
      CHECK(p.changes.empty());
    }
  }
}

TEST_CASE("a user who accepted ascsync's invitation becomes managed under the user key") {
  auto d = desired_state();
  d.policy.adopt_existing = false;
  d.users = {desired_user("bob@acme.com", {"DEVELOPER"})};
  auto s = users_base_snapshot();
  s.users.push_back(user("u1", "bob@acme.com", {"DEVELOPER"}));
  const auto p = plan(d, s, {"invitation:bob@acme.com"});
  REQUIRE(p.changes.size() == 1);
  CHECK(p.changes[0].action == Action::adopt);
  CHECK(p.changes[0].manage == std::vector<std::string>{"user:bob@acme.com"});
  CHECK(p.changes[0].unmanage == std::vector<std::string>{"invitation:bob@acme.com"});
}

TEST_CASE("a pending invitation whose terms differ or that expired is replaced") {
  struct Case {
    const char* name;
    std::function<void(core::Invitation&)> drift;
    const char* reason_part;
  };
  const std::vector<Case> cases = {
      {"roles", [](core::Invitation& i) { i.roles = {"MARKETING"}; }, "roles"},
      {"first name", [](core::Invitation& i) { i.first_name = "Carl"; }, "firstName"},
      {"visible apps", [](core::Invitation& i) { i.visible_app_ids = {"app-2"}; }, "visibleApps"},
      {"expired", [](core::Invitation& i) { i.expiration_date = "2026-11-20T00:00:00.000+00:00"; },
       "expired on"},
  };
  for (const auto& tc : cases) {
    CAPTURE(tc.name);
    auto d = desired_state();
    d.users = {desired_user("carol@acme.com", {"DEVELOPER"}, {"com.acme.app"})};
    auto s = users_base_snapshot();
    auto inv = invitation("i1", d.users[0], {"app-1"});
    tc.drift(inv);
    s.invitations.push_back(inv);
    const auto p = plan(d, s, {"invitation:carol@acme.com"});
    REQUIRE(p.changes.size() == 1);
    const auto& c = p.changes[0];
    CHECK(c.action == Action::replace);
    CHECK(test_support::payload_json(c)["invitation_id"] == "i1");
    CHECK(test_support::payload_json(c)["roles"] == nlohmann::json{"DEVELOPER"});
    CHECK(test_support::payload_json(c)["visible_app_ids"] == nlohmann::json{"app-1"});
    CHECK(c.reason.find(tc.reason_part) != std::string::npos);
    CHECK(c.removes.empty());  // the declared invitation is re-issued, nothing the admins want is lost
  }
}

TEST_CASE("ACCOUNT_HOLDER is never changed and never removed") {
  auto d = desired_state();
  d.policy.prune.users = true;
  d.policy.max_deletions = 100;
  d.users = {desired_user("owner@acme.com", {"ADMIN"})};
  const core::ManagedSet managed = {"user:owner@acme.com"};
  const auto p = plan(d, users_base_snapshot(), managed);
  REQUIRE(p.changes.size() == 1);
  CHECK(p.changes[0].action == Action::blocked);
  CHECK(p.changes[0].reason.find("ACCOUNT_HOLDER is never changed") != std::string::npos);
  CHECK(p.empty());
  CHECK(p.summary().blocked == 1);

  d.users.clear();
  const auto undeclared = plan(d, users_base_snapshot(), managed);
  CHECK(undeclared.changes.empty());
  CHECK(has_note(undeclared, "user:owner@acme.com", "ACCOUNT_HOLDER is never removed"));
}

TEST_CASE("granting ACCOUNT_HOLDER is a plan error") {
  auto d = desired_state();
  d.users = {desired_user("eve@acme.com", {"ACCOUNT_HOLDER"})};
  const auto p = plan(d, users_base_snapshot());
  CHECK_FALSE(p.valid());
  CHECK(has_error(p, "ACCOUNT_HOLDER role cannot be granted"));
  CHECK(p.changes.empty());
}

TEST_CASE("protected emails are never changed or removed") {
  auto d = desired_state();
  d.policy.prune.users = true;
  d.policy.prune.invitations = true;
  d.policy.protected_emails = {"bob@acme.com", "carol@acme.com"};
  d.users = {desired_user("bob@acme.com", {"ADMIN"})};
  auto s = users_base_snapshot();
  s.users.push_back(user("u1", "bob@acme.com", {"DEVELOPER"}));
  s.invitations.push_back(invitation("i1", desired_user("carol@acme.com", {"DEVELOPER"})));
  const auto p = plan(d, s, {"user:bob@acme.com", "invitation:carol@acme.com"});
  REQUIRE(p.changes.size() == 1);
  CHECK(p.changes[0].action == Action::blocked);
  CHECK(p.changes[0].reason.find("protected_emails") != std::string::npos);
  CHECK(has_note(p, "invitation:carol@acme.com", "protected_emails"));
}

TEST_CASE("undeclared users and invitations go only with prune on, when managed") {
  struct Case {
    bool prune;
    bool managed;
    bool deleted;
    const char* note;
  };
  const std::vector<Case> cases = {
      {true, true, true, ""},
      {true, false, false, "unmanaged, left alone"},
      {false, true, false, "is off, left alone"},
      {false, false, false, "is off, left alone"},
  };
  for (const auto& tc : cases) {
    CAPTURE(tc.prune);
    CAPTURE(tc.managed);
    auto d = desired_state();
    d.policy.prune.users = tc.prune;
    d.policy.prune.invitations = tc.prune;
    auto s = users_base_snapshot();
    s.users.push_back(user("u1", "bob@acme.com", {"DEVELOPER"}));
    s.invitations.push_back(invitation("i1", desired_user("carol@acme.com", {"DEVELOPER"})));
    core::ManagedSet managed;
    if (tc.managed) managed = {"user:bob@acme.com", "invitation:carol@acme.com"};
    const auto p = plan(d, s, managed);
    REQUIRE(p.valid());
    if (tc.deleted) {
      REQUIRE(p.changes.size() == 2);
      // Invitations are cancelled before users are removed.
      CHECK(p.changes[0].key == "invitation:carol@acme.com");
      CHECK(test_support::payload_json(p.changes[0])["invitation_id"] == "i1");
      CHECK(p.changes[1].key == "user:bob@acme.com");
      CHECK(test_support::payload_json(p.changes[1])["user_id"] == "u1");
      for (const auto& c : p.changes) {
        CHECK(c.action == Action::destroy);
        CHECK(c.removes == std::vector<std::string>{c.key});
      }
      CHECK(p.summary().destroy == 2);
    } else {
      CHECK(p.changes.empty());
      CHECK(has_note(p, "user:bob@acme.com", tc.note));
      CHECK(has_note(p, "invitation:carol@acme.com", tc.note));
    }
  }
}

TEST_CASE("a visible app that App Store Connect does not know is a plan error") {
  auto d = desired_state();
  d.users = {desired_user("alice@acme.com", {"DEVELOPER"}, {"com.acme.gone"})};
  const auto p = plan(d, users_base_snapshot());
  CHECK_FALSE(p.valid());
  REQUIRE(p.errors.size() == 1);
  CHECK(p.errors[0].key == "user:alice@acme.com");
  CHECK(p.errors[0].loc.line == 10);
  CHECK(p.errors[0].message.find("com.acme.gone") != std::string::npos);
}

TEST_CASE("without a users section, users and invitations are not planned at all") {
  auto d = desired_state();
  d.manage_users = false;
  d.policy.prune.users = true;
  auto s = users_base_snapshot();
  s.users.push_back(user("u1", "bob@acme.com", {"DEVELOPER"}));
  const auto p = plan(d, s, {"user:bob@acme.com"});
  CHECK(p.changes.empty());
  CHECK(p.notes.empty());
}
