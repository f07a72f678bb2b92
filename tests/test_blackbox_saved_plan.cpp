// Saved plans, as a user runs them: `ascsync plan --out FILE` then `ascsync apply FILE` against
// an in-process simulator. A fresh saved plan applies exactly; one made before an out-of-band
// change in App Store Connect, or before an edit of the desired state, is refused with exit 1,
// says what moved and writes nothing.
#include <doctest/doctest.h>

#include "support/cli_fixture.hpp"
#include "support/reconcile_fixture.hpp"

namespace {

using nlohmann::json;
using test_support::ReconcileFixture;

constexpr const char* k_saved_desired = R"(team: acme
policy:
  prune: {testers: true, group_memberships: true}
apps:
  - bundle_id: com.acme.shop
    groups:
      - name: QA
        members: [robin@example.org, alex@example.org]
)";

struct SavedPlanWorld {
  SavedPlanWorld() {
    f.add_apps({"com.acme.shop"});
    (void)f.desired(k_saved_desired);
    config = f.write_daemon_config();
    plan_file = f.dir + "/reviewed.plan.json";
  }
  test_support::CommandResult ascsync(const std::vector<std::string>& args) {
    std::vector<std::string> all{"-c", config};
    all.insert(all.end(), args.begin(), args.end());
    return test_support::run_process(test_support::ascsync_binary(), all, f.dir);
  }

  ReconcileFixture f;
  std::string config;
  std::string plan_file;
};

}  // namespace

TEST_CASE("saved plan: a fresh plan --out FILE applies exactly that plan") {
  SavedPlanWorld w;
  const auto plan = w.ascsync({"plan", "--out", w.plan_file});
  REQUIRE_MESSAGE(plan.exit_code == 2, (plan.out + plan.err));
  CHECK(w.f.sim().write_count() == 0);
  CHECK(plan.out.find("ascsync apply " + w.plan_file) != std::string::npos);

  const json saved = json::parse(test_support::read_text(w.plan_file));
  CHECK(saved["format"] == "ascsync-saved-plan");
  CHECK(saved["format_version"] == 1);
  REQUIRE(saved["teams"].size() == 1);
  const json& team = saved["teams"][0];
  CHECK(team["team"] == ReconcileFixture::k_team);
  CHECK(team["mirror"]["collections"].contains("testers"));
  CHECK(team["mirror"]["fingerprint"].is_string());
  CHECK(team["desired_state"]["files"].contains(w.f.desired_path));
  CHECK_FALSE(team["plan"]["changes"].empty());
  // No secret in it: the key file's content and the key id's private part are not there.
  const std::string text = test_support::read_text(w.plan_file);
  CHECK(text.find("PRIVATE KEY") == std::string::npos);

  const auto apply = w.ascsync({"apply", w.plan_file});
  CHECK_MESSAGE(apply.exit_code == 0, (apply.out + apply.err));
  CHECK(w.f.sim().write_count() > 0);
  const auto world = w.f.world();
  CHECK(world.members("com.acme.shop/QA") ==
        std::vector<std::string>{"alex@example.org", "robin@example.org"});
  CHECK_FALSE(world.has_duplicates());

  // The plan is spent: App Store Connect moved (by it), so applying it again is refused.
  const auto again = w.ascsync({"apply", w.plan_file});
  CHECK(again.exit_code == 1);
  CHECK(again.err.find("stale") != std::string::npos);
}

TEST_CASE("saved plan: refused after an out-of-band change in App Store Connect") {
  SavedPlanWorld w;
  const auto plan = w.ascsync({"plan", "--out", w.plan_file});
  REQUIRE_MESSAGE(plan.exit_code == 2, (plan.out + plan.err));

  // Someone adds a tester in App Store Connect after the plan was reviewed.
  const std::string other = w.f.sim().add_beta_group(w.f.app_ids["com.acme.shop"], "Other", false);
  (void)w.f.sim().add_beta_tester("intruder@example.org", "In", "Truder", {other});
  w.f.sim().reset_counters();

  const auto apply = w.ascsync({"apply", w.plan_file});
  CHECK(apply.exit_code == 1);
  CHECK(w.f.sim().write_count() == 0);
  CHECK_MESSAGE(apply.err.find("the saved plan is stale") != std::string::npos, apply.err);
  // It names the collections that moved.
  CHECK_MESSAGE(apply.err.find("groups") != std::string::npos, apply.err);
  CHECK_MESSAGE(apply.err.find("testers") != std::string::npos, apply.err);
  CHECK(apply.err.find("users") == std::string::npos);
  CHECK(w.f.world().members("com.acme.shop/QA").empty());

  // A new plan of the new state applies.
  const auto replan = w.ascsync({"plan", "--out", w.plan_file});
  REQUIRE(replan.exit_code == 2);
  const auto applied = w.ascsync({"apply", w.plan_file});
  CHECK_MESSAGE(applied.exit_code == 0, (applied.out + applied.err));
}

TEST_CASE("saved plan: refused after an edit of the desired state") {
  SavedPlanWorld w;
  const auto plan = w.ascsync({"plan", "--out", w.plan_file, "--json"});
  REQUIRE_MESSAGE(plan.exit_code == 2, (plan.out + plan.err));
  CHECK(json::parse(plan.out).contains("teams"));  // the note goes to stderr with --json

  std::string edited = k_saved_desired;
  edited += "        # reviewed again\n";
  ReconcileFixture::write_text(w.f.desired_path, edited);
  w.f.sim().reset_counters();

  const auto apply = w.ascsync({"apply", w.plan_file});
  CHECK(apply.exit_code == 1);
  CHECK(w.f.sim().request_count() == 0);  // refused before any request
  CHECK(w.f.sim().write_count() == 0);
  CHECK_MESSAGE(apply.err.find("desired state changed") != std::string::npos, apply.err);
  CHECK_MESSAGE(apply.err.find("changed: " + w.f.desired_path) != std::string::npos, apply.err);
  CHECK(w.f.world().members("com.acme.shop/QA").empty());

  // A hand-edited or foreign file is refused with a clear message.
  ReconcileFixture::write_text(w.plan_file, "{\"format\": \"something-else\"}");
  const auto bogus = w.ascsync({"apply", w.plan_file});
  CHECK(bogus.exit_code == 1);
  CHECK(bogus.err.find("not a usable saved plan") != std::string::npos);
}
