// Issue 12 point 4: a rate budget that matches Apple's rolling hour. Two teams (two keys) run
// through the daemon's cycle function (app::TeamRuntime) against a simulator with a small
// hourly limit, over a few simulated hours: the test moves the simulator's clock and the
// runtime's clock together instead of sleeping.
#include <doctest/doctest.h>

#include <map>
#include <optional>

#include "app/team_runtime.hpp"
#include "support/reconcile_fixture.hpp"
#include "util/crypto.hpp"
#include "util/files.hpp"

namespace {

using namespace std::chrono_literals;

std::string desired_yaml(const std::string& team, const std::string& bundle, int testers) {
  std::string yaml = "team: " + team + "\napps:\n  - bundle_id: " + bundle +
                     "\n    groups:\n      - name: QA\n" + "        members: [";
  for (int i = 0; i < testers; ++i) yaml += (i ? ", " : "") + team + std::to_string(i) + "@example.org";
  return yaml + "]\n";
}

}  // namespace

TEST_CASE("issue 12.4: two teams under a small hourly limit: no 429, no failed cycle, both converge") {
  constexpr int k_limit = 40;    // per key and rolling hour
  constexpr int k_testers = 60;  // each team needs ~65 requests: about two hours of budget
  sim::Options options;
  options.rate_limit_per_hour = k_limit;
  test_support::ReconcileFixture f(options);
  f.add_apps({"com.acme.a", "com.bravo.b"});

  // A second key for team bravo (one key is one budget).
  auto key = util::generate_p256_key();
  const std::string bravo_key = f.dir + "/AuthKey_BRAVO00001.p8";
  REQUIRE(util::write_file_atomic(bravo_key, util::private_key_to_pem(key.get()), 0600).ok());
  f.sim().add_api_key(f.fx.issuer_id, "BRAVO00001", util::public_key_to_pem(key.get()), "ADMIN");

  test_support::ReconcileFixture::write_text(f.dir + "/acme.yaml",
                                             desired_yaml("acme", "com.acme.a", k_testers));
  test_support::ReconcileFixture::write_text(f.dir + "/bravo.yaml",
                                             desired_yaml("bravo", "com.bravo.b", k_testers));
  const std::string config = f.dir + "/ascsync.yaml";
  const auto team = [&](const std::string& name, const std::string& key_id, const std::string& key_path) {
    return "  - name: " + name + "\n    issuer_id: " + f.fx.issuer_id + "\n    key_id: " + key_id +
           "\n    private_key_file: " + key_path + "\n    desired_state: " + f.dir + "/" + name +
           ".yaml\n    base_url: " + f.fx.base_url + "\n";
  };
  test_support::ReconcileFixture::write_text(
      config, "database: " + f.dir + "/daemon.db\nlog:\n  level: warn\ndefaults:\n  interval: 15m\n" +
                  "  jitter: 1m\n  reserve_percent: 10\nteams:\n" + team("acme", f.fx.key_id, f.fx.key_path) +
                  team("bravo", "BRAVO00001", bravo_key));

  auto clock = std::make_shared<util::OffsetClock>();
  app::TeamRuntime runtime(config, clock);
  auto schedules = runtime.reload();
  REQUIRE_MESSAGE(schedules.ok(), schedules.error().describe());

  std::map<std::string, util::TimePoint> next_run;
  std::map<std::string, std::map<std::string, int>> outcomes;  // team -> outcome -> count
  std::map<std::string, std::optional<util::TimePoint>> converged_at;
  const auto start = clock->now();
  for (const auto& s : *schedules) next_run[s.name] = start;
  const auto step = 5min;
  for (auto now = start; now < start + 6h; now = clock->now()) {
    for (auto& [name, due] : next_run) {
      if (clock->now() < due) continue;
      const auto r = runtime.cycle(name, {});
      CAPTURE(name);
      CAPTURE(r.summary);
      ++outcomes[name][util::metric_label(r.outcome)];
      // A pause is not a failure, and budget alone never fails a cycle.
      CHECK_MESSAGE(r.outcome != util::CycleOutcome::failed, r.error);
      if (r.outcome == util::CycleOutcome::paused) {
        REQUIRE(r.requeue_after);
        CHECK(r.summary.find("paused for budget until ~") != std::string::npos);
        CHECK(*r.requeue_after <= 1h + 1min);
        due = clock->now() + *r.requeue_after;
      } else {
        if (r.outcome == util::CycleOutcome::converged && r.summary.find("in sync") != std::string::npos &&
            !converged_at[name])
          converged_at[name] = clock->now();
        due = clock->now() + 15min;
      }
    }
    if (converged_at["acme"] && converged_at["bravo"]) break;
    clock->advance(step);
    f.sim().advance_clock(std::chrono::duration_cast<std::chrono::seconds>(step));
  }

  for (const char* name : {"acme", "bravo"}) {
    CAPTURE(name);
    CHECK(outcomes[name]["failed"] == 0);
    CHECK(outcomes[name]["paused"] >= 1);  // the limit was small enough to need pauses
    REQUIRE(converged_at[name]);
    CHECK(*converged_at[name] - start >= 1h);  // more than one hour of budget was needed
  }
  const auto w = f.world();
  CHECK(w.members("com.acme.a/QA").size() == static_cast<size_t>(k_testers));
  CHECK(w.members("com.bravo.b/QA").size() == static_cast<size_t>(k_testers));
  CHECK_FALSE(w.has_duplicates());
  long long rate_limited = 0;
  for (const auto& rc : f.sim().route_counters())
    if (rc.status == 429) rate_limited += rc.count;
  CHECK(rate_limited == 0);
}
