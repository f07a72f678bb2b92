// `ascsync export` round trip, as an admin adopting ascsync for an existing team would run it:
// export → validate → plan reports no changes → apply sends no write → a re-export is
// byte-identical. On a team shaped like the demo team (with awkward names) and on a generated
// 1,000-tester team.
#include <doctest/doctest.h>

#include <filesystem>

#include "support/cli_fixture.hpp"
#include "util/time.hpp"

using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// Points team acme's desired_state at `dir` in the fixture's config.
void use_desired_dir(test_support::CliFixture& f, const std::string& dir) {
  std::string yaml = test_support::read_text(f.config_path);
  const std::string from = "desired_state: " + f.teams[0].desired_path;
  const auto at = yaml.find(from);
  REQUIRE(at != std::string::npos);
  yaml.replace(at, from.size(), "desired_state: " + dir);
  test_support::write_text(f.config_path, yaml);
}

std::map<std::string, std::string> read_dir(const std::string& dir) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::directory_iterator(dir))
    out[e.path().filename().string()] = test_support::read_text(e.path());
  return out;
}

// export → validate → plan (no changes) → apply (no writes) → plan again → re-export identical.
void round_trip(test_support::CliFixture& f) {
  const std::string out = f.dir + "/exported";
  auto exported = f.ascsync({"export", "--out", out});
  INFO(exported.out << exported.err);
  REQUIRE(exported.exit_code == 0);
  const auto first = read_dir(out);
  CHECK(first.contains("team.yaml"));
  for (const auto& [name, text] : first)
    if (name.ends_with(".yaml")) CHECK(text.rfind("# Written by `ascsync export`", 0) == 0);
  use_desired_dir(f, out);

  auto validated = f.ascsync({"validate"});
  INFO(validated.out << validated.err);
  CHECK(validated.exit_code == 0);

  // Nothing to change in App Store Connect: the plan only adopts what is declared (ownership is
  // a change to ascsync's state, so plan exits 2, as Terraform's does for imports).
  auto planned = f.ascsync({"plan", "--json"});
  INFO(planned.out << planned.err);
  REQUIRE(planned.exit_code == 2);
  const auto plan = json::parse(planned.out)["teams"][0];
  CHECK(plan["summary"]["add"] == 0);
  CHECK(plan["summary"]["change"] == 0);
  CHECK(plan["summary"]["destroy"] == 0);
  CHECK(plan["summary"]["blocked"] == 0);
  CHECK(plan["summary"]["adopt"].get<int>() > 0);

  f.simulator().reset_counters();
  auto applied = f.ascsync({"apply"});
  INFO(applied.out << applied.err);
  CHECK(applied.exit_code == 0);
  CHECK(f.simulator().write_count() == 0);

  auto again = f.ascsync({"plan"});
  INFO(again.out << again.err);
  CHECK(again.exit_code == 0);  // everything adopted: no changes at all
  CHECK(again.out.find("No changes.") != std::string::npos);

  auto second = f.ascsync({"export", "--out", out, "--no-refresh"});
  REQUIRE(second.exit_code == 0);
  CHECK(read_dir(out) == first);
}

}  // namespace

TEST_CASE("export: a team like the demo team round-trips with zero writes, and re-exports byte-identical") {
  test_support::CliFixture f;
  auto& sim = f.simulator();
  const auto ios = sim.add_app("com.example.demo.ios", "Demo iOS");
  const auto mac = sim.add_app("com.example.demo.mac", "Demo Mac");
  sim.add_app("com.example.demo.watch", "Demo Watch");  // no groups: nothing to declare
  sim.add_user("holder@example.com", "Harriet", "Holder", {"ACCOUNT_HOLDER", "ADMIN"});
  sim.add_user("admin@example.com", "Adam", "Admin", {"ADMIN"});
  sim.add_user("dev@example.com", "Devi", "O'Developer", {"DEVELOPER", "APP_MANAGER"}, false, {ios, mac});
  const auto internal = sim.add_beta_group(ios, "Team", true);
  const auto external = sim.add_beta_group(ios, "Public Beta", false);
  const auto odd = sim.add_beta_group(ios, "QA; nightly, \"fast\"", false);
  const auto mac_group = sim.add_beta_group(mac, "Mac Friends", false);
  sim.add_beta_tester("dev@example.com", "Devi", "O'Developer", {internal});
  sim.add_beta_tester("Ann@Example.org", "Ann, Jr.", "Tester \"A\"", {external, mac_group});
  sim.add_beta_tester("bob@example.org", "Bob", "", {external, odd});
  sim.add_beta_tester("zoë@example.org", "Zoë", "Ünïcode", {mac_group});
  sim.add_beta_tester("loner@example.org", "Lone", "Ranger", {});
  sim.add_certificate("IOS_DISTRIBUTION", "Demo Team");
  // A public link with a limit on one group, feedback off on another; a pending invitation.
  json state = sim.dump_state();
  for (auto& g : state["betaGroups"]) {
    if (g["id"] == external) {
      g["public_link_enabled"] = true;
      g["public_link_limit_enabled"] = true;
      g["has_public_link_limit"] = true;
      g["public_link_limit"] = 250;
      g["public_link_id"] = "AbCdEf12";
    }
    if (g["id"] == mac_group) g["feedback_enabled"] = false;
  }
  state["userInvitations"].push_back(
      {{"id", "inv-1"},
       {"email", "new.hire@example.com"},
       {"first_name", "New"},
       {"last_name", "Hire"},
       {"roles", {"MARKETING"}},
       {"all_apps_visible", true},
       {"expiration_date", util::format_rfc3339(sim.now() + std::chrono::hours(24 * 20))}});
  sim.load_state(state);

  round_trip(f);

  const auto files = read_dir(f.dir + "/exported");
  CHECK(files.at("users.yaml").find("holder@example.com") !=
        std::string::npos);  // declared without ACCOUNT_HOLDER
  CHECK(files.at("users.yaml").find("ACCOUNT_HOLDER]") == std::string::npos);
  CHECK(files.at("users.yaml").find("new.hire@example.com") != std::string::npos);
  CHECK(files.at("team.yaml").find("group_memberships: false") != std::string::npos);
  CHECK(files.at("testers.com.example.demo.ios.csv")
            .find("\"Ann, Jr.\",\"Tester \"\"A\"\"\",Ann@Example.org") != std::string::npos);
  CHECK(files.at("testers.csv").find("loner@example.org") != std::string::npos);
  CHECK(files.at("certificates.yaml").find("#   - name: ") != std::string::npos);  // foreign: commented out
  CHECK_FALSE(files.contains("app.com.example.demo.watch.yaml"));
}

TEST_CASE("export: a generated 1,000-tester team round-trips with zero writes") {
  test_support::CliFixture f;
  auto& sim = f.simulator();
  std::vector<std::string> groups;
  for (int a = 0; a < 3; ++a) {
    const auto app = sim.add_app("com.example.gen" + std::to_string(a), "Gen " + std::to_string(a));
    for (int g = 0; g < 4; ++g)
      groups.push_back(sim.add_beta_group(app, "Group " + std::to_string(g), false));
  }
  sim.add_user("holder@example.com", "Harriet", "Holder", {"ACCOUNT_HOLDER", "ADMIN"});
  for (int u = 0; u < 20; ++u)
    sim.add_user("user" + std::to_string(u) + "@example.com", "User", std::to_string(u), {"DEVELOPER"});
  for (int t = 0; t < 1000; ++t)
    sim.add_beta_tester(
        "tester" + std::to_string(t) + "@example.org", "Tester", "No. " + std::to_string(t),
        {groups[static_cast<size_t>(t) % groups.size()], groups[static_cast<size_t>(t * 7) % groups.size()]});
  round_trip(f);
}

TEST_CASE(
    "export: refuses a directory holding other YAML, an unknown kind, and a failed refresh writes nothing") {
  test_support::CliFixture f;
  f.simulator().add_app("com.example.x", "X");
  const std::string out = f.dir + "/mine";
  fs::create_directories(out);
  test_support::write_text(out + "/hand-written.yaml", "team: acme\n");
  auto refused = f.ascsync({"export", "--out", out});
  CHECK(refused.exit_code == 1);
  CHECK(refused.err.find("was not written by ascsync export") != std::string::npos);

  auto bad_kind = f.ascsync({"export", "--out", f.dir + "/other", "--kinds", "users,tester"});
  CHECK(bad_kind.exit_code == 64);
  CHECK(bad_kind.err.find("unknown kind 'tester'") != std::string::npos);

  f.simulator().add_fault({.route = "GET /v1/betaTesters*", .error_rate = 1.0, .error_status = 403});
  auto failed = f.ascsync({"export", "--out", f.dir + "/third"});
  CHECK(failed.exit_code == 1);
  CHECK(failed.err.find("refresh failed, nothing written") != std::string::npos);
  CHECK_FALSE(fs::exists(f.dir + "/third"));
}
