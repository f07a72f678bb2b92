// Desired state against the mirror (no network), and `ascsync validate` path handling.
#include <doctest/doctest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>

#include "config/desired_state.hpp"
#include "config/snapshot_check.hpp"
#include "config/validate.hpp"
#include "support/diagnostics.hpp"
#include "support/temp_dir.hpp"

namespace fs = std::filesystem;

namespace {

using test_support::TempDir;

using test_support::has;

core::DesiredState desired(const std::string& yaml) {
  config::Diagnostics diags;
  auto r = config::parse_desired_state({{"d.yaml", yaml}}, &diags);
  INFO(diags.render());
  REQUIRE(r.ok());
  return *r;
}

core::Snapshot team_snapshot() {
  core::Snapshot s;
  s.apps = {{"a1", "com.x", "X", "sku1"}, {"a2", "com.y", "Y", "sku2"}};
  core::User u;
  u.id = "u1";
  u.username = "Existing@X.com";
  s.users = {u};
  core::Invitation inv;
  inv.id = "i1";
  inv.email = "pending@x.com";
  s.invitations = {inv};
  core::BetaGroup ext;
  ext.id = "g1";
  ext.app_id = "a1";
  ext.name = "Old";
  core::BetaGroup internal = ext;
  internal.id = "g2";
  internal.is_internal = true;
  s.groups = {ext, internal};
  return s;
}

}  // namespace

TEST_CASE("unknown apps and visible apps are reported at their declaration") {
  const auto d = desired(
      "team: acme\nusers:\n  - {email: u@x.com, first_name: U, last_name: U, roles: [DEVELOPER], "
      "visible_apps: [com.x, com.gone]}\n"
      "apps:\n  - bundle_id: com.x\n  - bundle_id: com.nope\n");
  const auto diags = config::check_against_snapshot(d, team_snapshot());
  INFO(diags.render());
  CHECK(diags.error_count() == 2);
  CHECK(has(diags, "d.yaml:6:16", {"app com.nope does not exist in the team", "com.x, com.y"}));
  CHECK(has(diags, "d.yaml:3:5", {"visible app com.gone of u@x.com does not exist"}));
}

TEST_CASE("internal members must be declared or existing team users") {
  // No users section: the loader cannot tell, the mirror can.
  const auto d = desired(
      "team: acme\napps:\n  - bundle_id: com.x\n    groups:\n"
      "      - {name: T, internal: true, members: [existing@x.com, pending@x.com, stranger@x.com]}\n");
  const auto diags = config::check_against_snapshot(d, team_snapshot());
  INFO(diags.render());
  CHECK(diags.error_count() == 1);
  CHECK(diags.warning_count() == 1);
  CHECK(has(diags, "d.yaml:5:9", {"stranger@x.com in internal group 'T' is not a team user"}));
  CHECK(has(diags, "d.yaml:5:9", {"warning: pending@x.com", "pending invitation"}));
}

TEST_CASE("external tester count includes existing testers that stay") {
  std::string yaml =
      "team: acme\napps:\n  - bundle_id: com.x\n    groups:\n      - name: A\n        members:\n";
  for (int i = 0; i < 9999; ++i) yaml += "          - t" + std::to_string(i) + "@x.com\n";
  auto d = desired(yaml);
  core::Snapshot s = team_snapshot();
  for (const char* email : {"t1@x.com", "new1@x.com", "new2@x.com"}) {
    core::BetaTester t;
    t.id = email;
    t.email = email;
    t.group_ids = {"g1"};
    s.testers.push_back(t);
  }
  core::BetaTester internal_only;
  internal_only.id = "in";
  internal_only.email = "in@x.com";
  internal_only.group_ids = {"g2"};
  s.testers.push_back(internal_only);
  const auto diags = config::check_against_snapshot(d, s);
  INFO(diags.render());
  CHECK(has(diags, "d.yaml:3:16", {"app com.x would have 10001 external testers"}));
  d.policy.prune.group_memberships = true;
  CHECK_FALSE(config::check_against_snapshot(d, s).has_errors());
}

TEST_CASE("validate_paths: a daemon config with its teams, a desired-state file, a directory") {
  TempDir dir;
  dir.write("key.p8", "k");
  dir.write("desired/acme/a.yaml", "team: acme\n");
  const std::string wrong = dir.write("desired/wrong.yaml", "team: other\n");
  const std::string cfg =
      dir.write("ascsync.yaml",
                "teams:\n"
                "  - {name: acme, issuer_id: 57246542-96fe-1a63-e053-0824d011072a, key_id: 2X9R4HXF34,\n"
                "     private_key_file: key.p8, desired_state: desired/acme}\n"
                "  - {name: beta, issuer_id: 57246542-96fe-1a63-e053-0824d011072a, key_id: 2X9R4HXF35,\n"
                "     private_key_file: key.p8, desired_state: desired/wrong.yaml}\n");
  const std::string bad = dir.write("bad.yaml", "team: acme\nusers: [x]\n");
  auto report = config::validate_paths(
      {cfg, (dir.path / "desired/acme").string(), bad, dir.path.string() + "/nope"}, config::Environment{});
  INFO(report.diagnostics.render());
  CHECK_FALSE(report.ok());
  CHECK(report.daemon_configs == 1);
  CHECK(report.desired_states == 4);
  CHECK(report.teams == std::vector<std::string>{"acme", "acme"});
  CHECK(has(report.diagnostics, wrong + ":1:7",
            {"names team 'other' but the daemon config uses it for 'beta'", cfg + ":4:5"}));
  CHECK(has(report.diagnostics, bad + ":2:9", {"a user must be a mapping"}));
  CHECK(has(report.diagnostics, dir.path.string() + "/nope", {"no such file or directory"}));
  CHECK(report.diagnostics.error_count() == 3);
  CHECK(report.summary() == "5 file(s) checked, 3 error(s), 0 warning(s)");

  auto good = config::validate_paths({(dir.path / "desired/acme").string()}, config::Environment{});
  CHECK(good.ok());
}
