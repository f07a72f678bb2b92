// Field ownership in the loader: attributes not written stay unset (not managed), and a list
// section whose entries are all commented out is an error asking for an explicit [].
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "config/desired_state.hpp"
#include "support/diagnostics.hpp"

namespace {

config::Diagnostics diagnose_fields(const std::string& yaml) {
  config::Diagnostics diags;
  (void)config::parse_desired_state({{"d.yaml", yaml}}, &diags);
  return diags;
}

using test_support::has;

}  // namespace

TEST_CASE("fields: a list section with every entry commented out is an error asking for []") {
  struct Case {
    const char* name;
    std::string yaml;
    std::string loc;
    std::string key;
  };
  const std::string team = "team: acme\n";
  const std::vector<Case> cases = {
      {"users", team + "users:\n#  - {email: a@x.com, first_name: A, last_name: B, roles: [ADMIN]}\n",
       "d.yaml:2:1", "users"},
      {"testers", team + "testers:\n# - email: t@x.com\n", "d.yaml:2:1", "testers"},
      {"tester_imports", team + "tester_imports:\n", "d.yaml:2:1", "tester_imports"},
      {"apps", team + "apps:\n", "d.yaml:2:1", "apps"},
      {"groups of an app", team + "apps:\n  - bundle_id: com.acme.a\n    groups:\n", "d.yaml:4:5", "groups"},
      {"members",
       team + "apps:\n  - bundle_id: com.acme.a\n    groups:\n      - name: QA\n        members:\n",
       "d.yaml:6:9", "members"},
      {"groups of an import",
       team +
           "apps:\n  - bundle_id: com.acme.a\ntester_imports:\n  - {csv: t.csv, app: com.acme.a, groups: }\n",
       "d.yaml:5:35", "groups"},
      {"visible_apps",
       team + "users:\n  - email: a@x.com\n    first_name: A\n    last_name: B\n    roles: [ADMIN]\n    "
              "visible_apps:\n",
       "d.yaml:7:5", "visible_apps"},
      {"protected_emails", team + "policy:\n  protected_emails:\n", "d.yaml:3:3", "protected_emails"},
  };
  for (const auto& tc : cases) {
    CAPTURE(tc.name);
    const auto diags = diagnose_fields(tc.yaml);
    INFO(diags.render());
    CHECK(diags.has_errors());
    CHECK(
        has(diags, tc.loc, {"'" + tc.key + "' has no value", "write " + tc.key + ": [] for an empty list"}));
  }
  // The explicit empty list is fine.
  auto r = config::parse_desired_state({{"d.yaml", team + "users: []\ntesters: []\napps: []\n"}});
  REQUIRE(r.ok());
  CHECK(r->manage_users);
  CHECK(r->manage_testflight);
}

TEST_CASE("fields: optional attributes that are not written stay unset") {
  const std::string yaml = R"(team: acme
users:
  - {email: a@x.com, first_name: A, last_name: B, roles: [ADMIN]}
  - {email: b@x.com, first_name: A, last_name: B, roles: [ADMIN], visible_apps: []}
  - {email: c@x.com, first_name: A, last_name: B, roles: [ADMIN], all_apps_visible: false, provisioning_allowed: true}
apps:
  - bundle_id: com.acme.a
    groups:
      - name: Bare
      - name: Open
        public_link: {}
      - name: Capped
        public_link: {limit: 20, enabled: true}
      - name: Paused
        public_link: {enabled: false}
      - {name: Staff, internal: true, feedback: false}
)";
  config::Diagnostics diags;
  auto r = config::parse_desired_state({{"d.yaml", yaml}}, &diags);
  INFO(diags.render());
  REQUIRE(r.ok());
  REQUIRE(r->users.size() == 3);
  const auto& a = r->users[0];
  CHECK_FALSE(a.all_apps_visible.has_value());
  CHECK_FALSE(a.provisioning_allowed.has_value());
  CHECK_FALSE(a.visible_bundle_ids.has_value());
  CHECK(r->users[1].visible_bundle_ids == std::vector<std::string>{});  // written, empty: managed
  CHECK(r->users[2].all_apps_visible == false);
  CHECK(r->users[2].provisioning_allowed == true);

  REQUIRE(r->groups.size() == 5);  // sorted by name: Bare, Capped, Open, Paused, Staff
  const auto& bare = r->groups[0];
  CHECK(bare.name == "Bare");
  CHECK_FALSE(bare.is_internal.has_value());
  CHECK_FALSE(bare.has_access_to_all_builds.has_value());
  CHECK_FALSE(bare.public_link_enabled.has_value());
  CHECK_FALSE(bare.public_link_limit.has_value());
  CHECK_FALSE(bare.public_link_limit_enabled.has_value());
  CHECK_FALSE(bare.feedback_enabled.has_value());
  const auto& capped = r->groups[1];
  CHECK(capped.public_link_enabled == true);
  CHECK(capped.public_link_limit == 20);
  CHECK(capped.public_link_limit_enabled == true);
  const auto& open = r->groups[2];
  CHECK(open.public_link_enabled == true);         // writing public_link means wanting one
  CHECK(open.public_link_limit_enabled == false);  // without a limit: no cap
  const auto& paused = r->groups[3];
  CHECK(paused.public_link_enabled == false);
  CHECK_FALSE(paused.public_link_limit_enabled.has_value());  // the limit is left as it is
  const auto& staff = r->groups[4];
  CHECK(staff.is_internal == true);
  CHECK(staff.feedback_enabled == false);
  CHECK_FALSE(staff.has_access_to_all_builds.has_value());
}

TEST_CASE("hints: valid roles never list ACCOUNT_HOLDER; quotes are mentioned only when present") {
  const std::string team = "team: acme\n";
  const auto role = diagnose_fields(
      team + "users:\n  - {email: a@x.com, first_name: A, last_name: B, roles: [DEVELOPPER]}\n");
  const std::string text = role.render();
  CHECK(text.find("valid roles: ADMIN") != std::string::npos);
  CHECK(text.find("did you mean 'DEVELOPER'") != std::string::npos);
  CHECK(text.find("ACCOUNT_HOLDER") == std::string::npos);

  const std::string group =
      team + "apps:\n  - bundle_id: com.acme.a\n    groups:\n      - name: QA\n        feedback: ";
  const auto bare = diagnose_fields(group + "yes\n");
  CHECK(has(bare, "d.yaml:6:19", {"'feedback' must be true or false", "(hint: write true or false)"}));
  CHECK(bare.render().find("quotes") == std::string::npos);
  const auto quoted = diagnose_fields(group + "\"true\"\n");
  CHECK(has(quoted, "d.yaml:6:19", {"write true or false without quotes"}));
}

TEST_CASE("fields: roles with no value asks for a role, not for []") {
  const auto diags = diagnose_fields(
      "team: acme\nusers:\n  - email: a@x.com\n    first_name: A\n    last_name: B\n    roles:\n");
  CHECK(has(diags, "d.yaml:6:5", {"a user needs at least one role"}));
  CHECK(diags.render().find("roles: []") == std::string::npos);
}
