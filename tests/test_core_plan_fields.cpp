// Field ownership (invariant 9): an attribute the YAML does not write is never compared or
// changed on an existing object; creation defaults apply only to objects ascsync creates.
#include <doctest/doctest.h>

#include "support/plan_fixture.hpp"
#include "support/plan_json_view.hpp"

using core::Action;
using namespace plan_fixture;

namespace {

const std::string k_fields_qa = "group:com.acme.app/QA";

core::Snapshot base_snapshot() {
  core::Snapshot s;
  s.apps = {app("app-1", "com.acme.app"), app("app-2", "com.acme.other")};
  return s;
}

// A user declared with the required fields only.
core::DesiredUser bare_user(const std::string& email, std::vector<std::string> roles) {
  core::DesiredUser u;
  u.email = email;
  u.first_name = "First";
  u.last_name = "Last";
  u.roles = std::move(roles);
  u.loc = loc(10);
  return u;
}

// A group declared with its name only.
core::DesiredGroup bare_group(const std::string& name, std::vector<std::string> members = {}) {
  core::DesiredGroup g;
  g.bundle_id = "com.acme.app";
  g.name = name;
  g.member_emails = std::move(members);
  g.loc = loc(20);
  return g;
}

core::DesiredState testflight(std::vector<core::DesiredGroup> groups) {
  auto d = desired_state();
  d.manage_users = false;
  d.bundle_ids = {"com.acme.app"};
  d.groups = std::move(groups);
  return d;
}

size_t count_not_adopt(const core::Plan& p) {
  size_t n = 0;
  for (const auto& c : p.changes)
    if (c.action != Action::adopt) ++n;
  return n;
}

}  // namespace

TEST_CASE("fields: a user declared with required fields only keeps provisioning and visible apps") {
  auto d = desired_state();
  d.users = {bare_user("bob@acme.com", {"DEVELOPER"})};
  auto s = base_snapshot();
  s.users = {user("u1", "bob@acme.com", {"DEVELOPER"}, {"app-1", "app-2"}, false, true)};
  const auto adopted = plan(d, s);
  REQUIRE(adopted.valid());
  REQUIRE(adopted.changes.size() == 1);
  CHECK(adopted.changes[0].action == Action::adopt);
  // Managed afterwards: still nothing to change.
  CHECK(plan(d, s, {"user:bob@acme.com"}).changes.empty());

  // All apps visible, undeclared: not compared either.
  s.users = {user("u1", "bob@acme.com", {"DEVELOPER"}, {}, true, false)};
  CHECK(plan(d, s, {"user:bob@acme.com"}).changes.empty());
}

TEST_CASE("fields: an update sends the undeclared attributes unchanged") {
  auto d = desired_state();
  auto u = bare_user("bob@acme.com", {"ADMIN"});
  u.provisioning_allowed = false;
  d.users = {u};
  auto s = base_snapshot();
  s.users = {user("u1", "bob@acme.com", {"DEVELOPER"}, {"app-2"}, false, true)};
  const auto p = plan(d, s, {"user:bob@acme.com"});
  REQUIRE(p.changes.size() == 1);
  const auto& c = p.changes[0];
  CHECK(c.action == Action::update);
  CHECK(c.reason.find("roles, provisioningAllowed differ") == 0);
  CHECK(test_support::payload_json(c)["roles"] == nlohmann::json{"ADMIN"});
  CHECK(test_support::payload_json(c)["provisioningAllowed"] == false);
  CHECK(test_support::payload_json(c)["allAppsVisible"] == false);                     // kept
  CHECK(test_support::payload_json(c)["visible_app_ids"] == nlohmann::json{"app-2"});  // kept
  CHECK(test_support::before_json(c)["visibleApps"] == test_support::after_json(c)["visibleApps"]);
}

TEST_CASE("fields: visible_apps without all_apps_visible means these apps only") {
  auto d = desired_state();
  auto u = bare_user("bob@acme.com", {"DEVELOPER"});
  u.visible_bundle_ids = std::vector<std::string>{"com.acme.app"};
  d.users = {u};
  auto s = base_snapshot();
  s.users = {user("u1", "bob@acme.com", {"DEVELOPER"}, {}, true, true)};
  const auto p = plan(d, s, {"user:bob@acme.com"});
  REQUIRE(p.changes.size() == 1);
  const auto& c = p.changes[0];
  CHECK(c.action == Action::update);
  CHECK(test_support::payload_json(c)["allAppsVisible"] == false);
  CHECK(test_support::payload_json(c)["visible_app_ids"] == nlohmann::json{"app-1"});
  CHECK(test_support::payload_json(c)["provisioningAllowed"] == true);  // undeclared, kept

  // Already limited to that app: nothing to do.
  s.users = {user("u1", "bob@acme.com", {"DEVELOPER"}, {"app-1"}, false, true)};
  CHECK(plan(d, s, {"user:bob@acme.com"}).changes.empty());
}

TEST_CASE("fields: an invitation ascsync creates uses the documented defaults") {
  auto d = desired_state();
  d.users = {bare_user("new@acme.com", {"DEVELOPER"})};
  const auto p = plan(d, base_snapshot());
  REQUIRE(p.changes.size() == 1);
  const auto& c = p.changes[0];
  CHECK(c.action == Action::create);
  CHECK(test_support::payload_json(c)["allAppsVisible"] == false);
  CHECK(test_support::payload_json(c)["provisioningAllowed"] == false);
  CHECK(test_support::payload_json(c)["visible_app_ids"] == nlohmann::json::array());
}

TEST_CASE(
    "fields: a pending invitation is compared on declared fields only and re-issued with the rest kept") {
  auto d = desired_state();
  d.users = {bare_user("inv@acme.com", {"DEVELOPER"})};
  auto s = base_snapshot();
  auto inv = invitation("i1", d.users[0], {"app-2"});
  inv.provisioning_allowed = true;
  s.invitations = {inv};
  const auto adopted = plan(d, s);
  REQUIRE(adopted.changes.size() == 1);
  CHECK(adopted.changes[0].action == Action::adopt);

  d.users[0].roles = {"ADMIN"};
  const auto p = plan(d, s, {"invitation:inv@acme.com"});
  REQUIRE(p.changes.size() == 1);
  const auto& c = p.changes[0];
  CHECK(c.action == Action::replace);
  CHECK(c.reason.find("roles differ") == 0);
  CHECK(test_support::payload_json(c)["provisioningAllowed"] == true);
  CHECK(test_support::payload_json(c)["visible_app_ids"] == nlohmann::json{"app-2"});
}

TEST_CASE("fields: the account holder is compared on the roles other than ACCOUNT_HOLDER") {
  auto d = desired_state();
  d.users = {bare_user("owner@acme.com", {"ADMIN"})};
  auto s = base_snapshot();
  s.users = {user("u0", "owner@acme.com", {"ACCOUNT_HOLDER", "ADMIN"}, {}, true, true)};
  const auto same = plan(d, s);
  CHECK(same.changes.empty());  // not adopted either: the holder is never managed
  CHECK(same.summary().blocked == 0);

  d.users[0].roles = {"DEVELOPER"};
  const auto differs = plan(d, s);
  REQUIRE(differs.changes.size() == 1);
  const auto& c = differs.changes[0];
  CHECK(c.action == Action::blocked);
  CHECK(c.reason.find("ACCOUNT_HOLDER is never changed") != std::string::npos);
  CHECK(test_support::after_json(c)["roles"] == nlohmann::json{"ACCOUNT_HOLDER", "DEVELOPER"});
  CHECK(test_support::before_json(c)["roles"] == nlohmann::json{"ACCOUNT_HOLDER", "ADMIN"});
}

TEST_CASE("fields: adopting a group declared by name changes none of its attributes") {
  auto have = bare_group("QA");
  auto s = base_snapshot();
  auto g = group("g1", "app-1", have);
  g.feedback_enabled = false;
  g.public_link_enabled = true;
  g.public_link_limit_enabled = true;
  g.public_link_limit = 30;
  s.groups = {g};
  auto d = testflight({bare_group("QA")});
  d.policy.prune.groups = true;
  const auto p = plan(d, s);
  REQUIRE(p.valid());
  REQUIRE(p.changes.size() == 1);
  CHECK(p.changes[0].action == Action::adopt);
  CHECK(plan(d, s, {k_fields_qa}).changes.empty());

  // An internal group with access to all builds, `internal` not written: no replace either.
  s.groups[0].is_internal = true;
  s.groups[0].has_access_to_all_builds = true;
  s.groups[0].public_link_enabled = false;
  s.groups[0].public_link_limit_enabled = false;
  CHECK(plan(d, s, {k_fields_qa}).changes.empty());
}

TEST_CASE("fields: a group ascsync creates uses the documented defaults") {
  const auto p = plan(testflight({bare_group("QA")}), base_snapshot());
  REQUIRE(p.changes.size() == 1);
  const nlohmann::json attrs = {{"name", "QA"},
                                {"isInternalGroup", false},
                                {"hasAccessToAllBuilds", false},
                                {"publicLinkEnabled", false},
                                {"publicLinkLimitEnabled", false},
                                {"feedbackEnabled", true}};
  CHECK(test_support::payload_json(p.changes[0])["attributes"] == attrs);
}

TEST_CASE("fields: an existing internal group whose `internal` is not written still takes team users only") {
  auto s = base_snapshot();
  auto g = group("g1", "app-1", bare_group("Staff"));
  g.is_internal = true;
  s.groups = {g};
  const auto p = plan(testflight({bare_group("Staff", {"stranger@x.com"})}), s, {"group:com.acme.app/Staff"});
  CHECK_FALSE(p.valid());
  CHECK(has_error(p, "accepts only team users"));
}

TEST_CASE("fields: a paused public link leaves its limit alone; a written link without limit has no cap") {
  auto s = base_snapshot();
  auto g = group("g1", "app-1", bare_group("QA"));
  g.public_link_enabled = true;
  g.public_link_limit_enabled = true;
  g.public_link_limit = 30;
  s.groups = {g};

  auto paused = bare_group("QA");
  paused.public_link_enabled = false;  // public_link: {enabled: false}
  auto p = plan(testflight({paused}), s, {k_fields_qa});
  REQUIRE(p.changes.size() == 1);
  CHECK(test_support::payload_json(p.changes[0])["attributes"] ==
        nlohmann::json{{"publicLinkEnabled", false}});

  auto no_cap = bare_group("QA");
  no_cap.public_link_enabled = true;  // public_link: {} or {enabled: true}
  no_cap.public_link_limit_enabled = false;
  p = plan(testflight({no_cap}), s, {k_fields_qa});
  REQUIRE(p.changes.size() == 1);
  CHECK(test_support::payload_json(p.changes[0])["attributes"] ==
        nlohmann::json{{"publicLinkLimitEnabled", false}});
  CHECK(count_not_adopt(p) == 1);
  CHECK(find(p, Action::update, k_fields_qa) != nullptr);
}
