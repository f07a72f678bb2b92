// Desired-state loading: shape, validation errors with exact places, merging a directory.
#include <doctest/doctest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>

#include "config/desired_state.hpp"
#include "support/diagnostics.hpp"
#include "support/temp_dir.hpp"

namespace fs = std::filesystem;

namespace {

// A fresh directory under the system temp dir, removed at scope exit.
using test_support::TempDir;

// Parses one in-memory document named "d.yaml"; returns the diagnostics.
config::Diagnostics diagnose(const std::string& yaml) {
  config::Diagnostics diags;
  (void)config::parse_desired_state({{"d.yaml", yaml}}, &diags);
  return diags;
}

// True when some diagnostic sits at loc and its rendering contains every part.
using test_support::has;

const char* k_valid = R"(team: acme
policy:
  prune: {users: true, testers: false}
  max_deletions: 3
  protected_emails: [Boss@Acme.example]
users:
  - email: Zed@Acme.example
    first_name: Zed
    last_name: Z
    roles: [DEVELOPER, APP_MANAGER]
    visible_apps: [com.acme.b, com.acme.a]
  - {email: amy@acme.example, first_name: Amy, last_name: A, roles: [ADMIN], all_apps_visible: true}
testers:
  - {email: T1@example.org, first_name: Tea, last_name: One}
apps:
  - bundle_id: com.acme.b
    groups:
      - name: Team
        internal: true
        access_to_all_builds: true
        members: [zed@acme.example, AMY@acme.example]
      - name: QA
        public_link: {limit: 100}
        feedback: false
        members: [t1@example.org, {email: New@Example.org, first_name: New, last_name: Person}, bare@example.org]
  - bundle_id: com.acme.a
)";

}  // namespace

TEST_CASE("a valid desired state is normalized: lower-cased emails, sorted, places kept") {
  config::Diagnostics diags;
  auto r = config::parse_desired_state({{"d.yaml", k_valid}}, &diags);
  INFO(diags.render());
  REQUIRE(r.ok());
  const core::DesiredState& s = *r;
  CHECK(s.team == "acme");
  CHECK(s.team_loc.str() == "d.yaml:1:7");
  CHECK(s.manage_users);
  CHECK(s.manage_testflight);
  CHECK(s.policy.prune.users);
  CHECK_FALSE(s.policy.prune.groups);
  CHECK(s.policy.max_deletions == 3);
  CHECK(s.policy.protected_emails == std::vector<std::string>{"boss@acme.example"});
  REQUIRE(s.users.size() == 2);
  CHECK(s.users[0].email == "amy@acme.example");
  CHECK(s.users[0].all_apps_visible == true);
  CHECK(s.users[1].email == "zed@acme.example");
  CHECK(s.users[1].roles == std::vector<std::string>{"APP_MANAGER", "DEVELOPER"});
  CHECK(s.users[1].visible_bundle_ids == std::vector<std::string>{"com.acme.a", "com.acme.b"});
  CHECK(s.users[1].loc.str() == "d.yaml:7:5");
  CHECK(s.bundle_ids == std::vector<std::string>{"com.acme.a", "com.acme.b"});
  REQUIRE(s.apps.size() == 2);
  CHECK(s.apps[1].loc.str() == "d.yaml:16:16");
  REQUIRE(s.groups.size() == 2);
  CHECK(s.groups[0].name == "QA");
  CHECK_FALSE(s.groups[0].is_internal.has_value());  // not written: not managed
  CHECK(s.groups[0].public_link_enabled == true);
  CHECK(s.groups[0].public_link_limit == 100);
  CHECK(s.groups[0].feedback_enabled == false);
  CHECK(s.groups[0].member_emails ==
        std::vector<std::string>{"bare@example.org", "new@example.org", "t1@example.org"});
  CHECK(s.groups[1].name == "Team");
  CHECK(s.groups[1].is_internal == true);
  CHECK(s.groups[1].has_access_to_all_builds == true);
  // Not written: not managed (the creation default applies only when ascsync creates the group).
  CHECK_FALSE(s.groups[1].feedback_enabled.has_value());
  CHECK(s.groups[1].member_emails == std::vector<std::string>{"amy@acme.example", "zed@acme.example"});
  // Inline members become testers; a bare unknown email becomes a tester without names.
  REQUIRE(s.testers.size() == 3);
  CHECK(s.testers[0].email == "bare@example.org");
  CHECK(s.testers[0].first_name.empty());
  CHECK(s.testers[1].email == "new@example.org");
  CHECK(s.testers[1].first_name == "New");
  CHECK(s.testers[2].email == "t1@example.org");
  CHECK(s.testers[2].loc.str() == "d.yaml:14:5");
  CHECK(diags.empty());
}

TEST_CASE("sections that are absent are not managed") {
  auto r = config::parse_desired_state({{"d.yaml", "team: acme\n"}});
  REQUIRE(r.ok());
  CHECK_FALSE(r->manage_users);
  CHECK_FALSE(r->manage_testflight);
  CHECK(r->policy.max_deletions == 10);
  CHECK(r->policy.adopt_existing);
  auto empty_users = config::parse_desired_state({{"d.yaml", "team: acme\nusers: []\n"}});
  REQUIRE(empty_users.ok());
  CHECK(empty_users->manage_users);
  CHECK_FALSE(empty_users->manage_testflight);
}

TEST_CASE("each validation error is reported at its place with a hint") {
  struct Case {
    const char* name;
    std::string yaml;
    std::string loc;
    std::vector<std::string> parts;
  };
  const std::string team = "team: acme\n";
  const std::vector<Case> cases = {
      {"unknown top-level key",
       team + "testrs: []\n",
       "d.yaml:2:1",
       {"unknown key 'testrs'", "did you mean 'testers'"}},
      {"unknown user key",
       team + "users:\n  - email: a@x.com\n    first_name: A\n    last_name: B\n    roles: [ADMIN]\n    "
              "role: [ADMIN]\n",
       "d.yaml:7:5",
       {"unknown key 'role'", "did you mean 'roles'"}},
      {"bad email",
       team + "testers:\n  - email: not-an-email\n",
       "d.yaml:3:12",
       {"'not-an-email' is not an email address"}},
      {"unknown role lists valid ones",
       team + "users:\n  - {email: a@x.com, first_name: A, last_name: B, roles: [DEVELOPPER]}\n",
       "d.yaml:3:59",
       {"unknown role 'DEVELOPPER'", "did you mean 'DEVELOPER'", "valid roles: ADMIN"}},
      {"account holder",
       team + "users:\n  - {email: a@x.com, first_name: A, last_name: B, roles: [ACCOUNT_HOLDER]}\n",
       "d.yaml:3:59",
       {"ACCOUNT_HOLDER cannot be assigned"}},
      {"roles missing",
       team + "users:\n  - {email: a@x.com, first_name: A, last_name: B}\n",
       "d.yaml:3:5",
       {"missing required key 'roles'"}},
      {"empty roles",
       team + "users:\n  - {email: a@x.com, first_name: A, last_name: B, roles: []}\n",
       "d.yaml:3:58",
       {"at least one role"}},
      {"names required for users",
       team + "users:\n  - {email: a@x.com, roles: [ADMIN]}\n",
       "d.yaml:3:5",
       {"missing required key 'first_name'"}},
      {"visible apps with all apps",
       team + "users:\n  - {email: a@x.com, first_name: A, last_name: B, roles: [ADMIN], all_apps_visible: "
              "true, visible_apps: [com.x]}\n",
       "d.yaml:3:105",
       {"visible_apps is set while all_apps_visible is true"}},
      {"duplicate user, case-insensitive",
       team + "users:\n  - {email: a@x.com, first_name: A, last_name: B, roles: [ADMIN]}\n  - {email: "
              "A@X.com, first_name: A, last_name: B, roles: [ADMIN]}\n",
       "d.yaml:4:5",
       {"user a@x.com is declared twice", "first declared at d.yaml:3:5"}},
      {"duplicate tester",
       team + "testers:\n  - email: t@x.com\n  - email: t@x.com\n",
       "d.yaml:4:5",
       {"tester t@x.com is declared twice", "first declared at d.yaml:3:5"}},
      {"duplicate group in one app",
       team + "apps:\n  - bundle_id: com.x\n    groups:\n      - name: QA\n      - name: QA\n",
       "d.yaml:6:9",
       {"group 'QA' of com.x is declared twice", "first declared at d.yaml:5:9"}},
      {"duplicate member",
       team + "apps:\n  - bundle_id: com.x\n    groups:\n      - name: QA\n        members: [a@x.com, "
              "A@x.com]\n",
       "d.yaml:6:28",
       {"a@x.com is listed twice in group 'QA'", "first declared at d.yaml:6:19"}},
      {"internal member not a user",
       team + "users: []\napps:\n  - bundle_id: com.x\n    groups:\n      - name: T\n        internal: "
              "true\n        members: [who@x.com]\n",
       "d.yaml:8:19",
       {"who@x.com is in internal group 'T' but is not a declared team user", "add them under users:"}},
      {"inline details in internal group",
       team + "apps:\n  - bundle_id: com.x\n    groups:\n      - name: T\n        internal: true\n        "
              "members: [{email: a@x.com, first_name: A}]\n",
       "d.yaml:7:27",
       {"internal group 'T' lists tester details"}},
      {"public link on internal group",
       team + "apps:\n  - bundle_id: com.x\n    groups:\n      - name: T\n        internal: true\n        "
              "public_link: {enabled: true}\n",
       "d.yaml:7:9",
       {"internal groups cannot have a public link"}},
      {"limit too high",
       team +
           "apps:\n  - bundle_id: com.x\n    groups:\n      - name: P\n        public_link: {limit: 10001}\n",
       "d.yaml:6:30",
       {"'limit' is 10001, out of range", "1..10000"}},
      {"limit zero",
       team + "apps:\n  - bundle_id: com.x\n    groups:\n      - name: P\n        public_link: {limit: 0}\n",
       "d.yaml:6:30",
       {"out of range"}},
      {"all builds on external group",
       team +
           "apps:\n  - bundle_id: com.x\n    groups:\n      - name: P\n        access_to_all_builds: true\n",
       "d.yaml:6:31",
       {"access_to_all_builds applies to internal groups only"}},
      {"duplicate app",
       team + "apps:\n  - bundle_id: com.x\n  - bundle_id: com.x\n",
       "d.yaml:4:16",
       {"app com.x is declared twice", "first declared at d.yaml:3:16"}},
      {"bad bundle id",
       team + "apps:\n  - bundle_id: com x\n",
       "d.yaml:3:16",
       {"'com x' is not a bundle id"}},
      {"bool as string",
       team + "policy:\n  prune:\n    users: \"yes\"\n",
       "d.yaml:4:12",
       {"'users' must be true or false"}},
      {"not a list", team + "users: a@x.com\n", "d.yaml:2:8", {"'users' must be a list"}},
      {"null value points at its key",
       team + "policy:\n  max_deletions:\nusers: []\n",
       "d.yaml:3:3",
       {"'max_deletions' must be a whole number, not nothing"}},
      {"no team", "users: []\n", "d.yaml:1:1", {"no 'team' declared"}},
      {"bad team name", "team: Acme Inc\n", "d.yaml:1:7", {"team name 'Acme Inc' is not valid"}},
      {"duplicate key",
       team + "policy: {max_deletions: 1, max_deletions: 2}\n",
       "d.yaml:2:28",
       {"duplicate key 'max_deletions'", "first declared at d.yaml:2:10"}},
      {"yaml syntax error", team + "users: [a,\n", "d.yaml:3:1", {"YAML syntax"}},
      {"import groups without app",
       team + "tester_imports:\n  - {csv: t.csv, groups: [QA]}\n",
       "d.yaml:3:5",
       {"needs 'app'"}},
      {"import of undeclared app",
       team + "tester_imports:\n  - {csv: t.csv, app: com.nope}\n",
       "d.yaml:3:23",
       {"app com.nope is not declared under apps:"}},
      {"conflicting tester names",
       team +
           "testers:\n  - {email: a@x.com, first_name: A, last_name: One}\napps:\n  - bundle_id: com.x\n    "
           "groups:\n      - name: QA\n        members: [{email: a@x.com, first_name: A, last_name: Two}]\n",
       "d.yaml:8:27",
       {"tester a@x.com is declared as 'A Two' here but as 'A One' before", "first declared at d.yaml:3:5"}},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    const auto diags = diagnose(c.yaml);
    INFO(diags.render());
    CHECK(diags.has_errors());
    CHECK(has(diags, c.loc, c.parts));
  }
}

TEST_CASE("every error is reported at once and the result carries them all") {
  const std::string yaml =
      "team: acme\nusers:\n  - {email: bad, first_name: A, last_name: B, roles: [ADMIN]}\n"
      "testers:\n  - {email: t@x.com, nmae: T}\napps:\n  - bundle_id: com.x\n    groups:\n"
      "      - {name: P, public_link: {limit: 20000}}\n";
  config::Diagnostics diags;
  auto r = config::parse_desired_state({{"d.yaml", yaml}}, &diags);
  REQUIRE_FALSE(r.ok());
  CHECK(diags.error_count() == 3);
  CHECK(r.error().kind == util::ErrorKind::client);
  CHECK(r.error().message.find("d.yaml:3:13: error: 'bad' is not an email address") != std::string::npos);
  CHECK(r.error().message.find("d.yaml:5:22: error: unknown key 'nmae'") != std::string::npos);
  CHECK(r.error().message.find("d.yaml:9:40: error: 'limit' is 20000") != std::string::npos);
}

TEST_CASE("too many external testers for one app") {
  std::string yaml =
      "team: acme\napps:\n  - bundle_id: com.x\n    groups:\n      - name: A\n        members:\n";
  for (int i = 0; i < 6000; ++i) yaml += "          - a" + std::to_string(i) + "@x.com\n";
  yaml += "      - name: B\n        members:\n";
  for (int i = 5000; i < 10001; ++i) yaml += "          - a" + std::to_string(i) + "@x.com\n";
  auto diags = diagnose(yaml);
  INFO(diags.render());
  CHECK(has(diags, "d.yaml:3:16", {"app com.x has 10001 external testers", "10000"}));
  // One fewer is fine: the overlap between groups is counted once.
  std::string ok = yaml;
  ok.erase(ok.rfind("          - a10000@x.com\n"));
  CHECK_FALSE(diagnose(ok).has_errors());
}

TEST_CASE("a directory merges files in name order and reports duplicates across files") {
  TempDir dir;
  dir.write("10-users.yaml",
            "team: acme\nusers:\n  - {email: a@x.com, first_name: A, last_name: B, roles: [ADMIN]}\n");
  dir.write(
      "20-apps.yml",
      "apps:\n  - bundle_id: com.x\n    groups:\n      - {name: T, internal: true, members: [a@x.com]}\n");
  dir.write("30-policy.yaml", "team: acme\npolicy: {max_deletions: 2}\n");
  dir.write("notes.txt", "not yaml: [\n");
  config::Diagnostics diags;
  auto r = config::load_desired_state(dir.path.string(), &diags);
  INFO(diags.render());
  REQUIRE(r.ok());
  CHECK(r->policy.max_deletions == 2);
  REQUIRE(r->groups.size() == 1);
  CHECK(r->groups[0].member_emails == std::vector<std::string>{"a@x.com"});
  REQUIRE(r->source_files.size() == 3);
  CHECK(fs::path(r->source_files[1]).filename() == "20-apps.yml");
  CHECK(r->groups[0].loc.file == (dir.path / "20-apps.yml").string());

  dir.write(
      "40-more.yaml",
      "team: other\nusers:\n  - {email: A@x.com, first_name: A, last_name: B, roles: [ADMIN]}\npolicy: {}\n"
      "apps:\n  - bundle_id: com.x\n");
  config::Diagnostics bad;
  auto r2 = config::load_desired_state(dir.path.string(), &bad);
  REQUIRE_FALSE(r2.ok());
  const std::string more = (dir.path / "40-more.yaml").string();
  const std::string users = (dir.path / "10-users.yaml").string();
  INFO(bad.render());
  CHECK(has(bad, more + ":1:7", {"team 'other' differs from 'acme'", users + ":1:7"}));
  CHECK(has(bad, more + ":3:5", {"user a@x.com is declared twice", users + ":3:5"}));
  CHECK(
      has(bad, more + ":4:1", {"policy is declared twice", (dir.path / "30-policy.yaml").string() + ":2:1"}));
  CHECK(has(bad, more + ":6:16",
            {"app com.x is declared twice", (dir.path / "20-apps.yml").string() + ":2:16"}));
}

TEST_CASE("missing paths and empty directories are errors") {
  TempDir dir;
  config::Diagnostics diags;
  CHECK_FALSE(config::load_desired_state((dir.path / "nope.yaml").string(), &diags).ok());
  CHECK(diags.items().at(0).message == "desired state not found");
  config::Diagnostics empty;
  CHECK_FALSE(config::load_desired_state(dir.path.string(), &empty).ok());
  CHECK(empty.items().at(0).message.find("no *.yaml files") != std::string::npos);
}

TEST_CASE("the shipped example loads") {
  config::Diagnostics diags;
  auto r = config::load_desired_state(
      std::string(ASCSYNC_TEST_SOURCE_DIR) + "/config/desired/example-team.yaml", &diags);
  INFO(diags.render());
  REQUIRE(r.ok());
  CHECK(r->team == "acme");
  CHECK(r->users.size() == 3);
  CHECK(r->groups.size() == 4);
  CHECK(r->testers.size() == 6);
}
