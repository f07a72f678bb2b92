// The daemon's cycle (app::TeamRuntime, as `ascsync run` wires it) with the config's
// cycle_timeout against a listing dripped by a hostile proxy in front of the simulator: the
// cycle fails as "deadline exceeded", says so in its result and in the metric, and writes nothing.
#include <doctest/doctest.h>

#include <chrono>

#include "app/team_runtime.hpp"
#include "reconcile/status.hpp"
#include "service/service_metrics.hpp"
#include "support/hostile_server.hpp"
#include "support/reconcile_fixture.hpp"
#include "util/time.hpp"

TEST_CASE(
    "daemon cycle: cycle_timeout stops a dripped refresh; result, metric and status say deadline exceeded") {
  test_support::ReconcileFixture f;
  f.add_apps({"com.acme.shop"});
  f.desired(
      "team: acme\napps:\n  - bundle_id: com.acme.shop\n    groups:\n      - name: QA\n        members: "
      "[robin@example.org]\n");
  test_support::HostileServer proxy;
  proxy.on([&](const httplib::Request& req, httplib::Response& res) {
    if (req.path == "/v1/betaGroups")
      proxy.drip(res, proxy.page(nlohmann::json::array()).dump(), std::chrono::milliseconds(100));
    else
      proxy.forward(f.fx.base_url, req, res);
  });
  const std::string config = f.dir + "/ascsync.yaml";
  test_support::ReconcileFixture::write_text(
      config,
      "database: " + f.db_path + "\ndefaults: {cycle_timeout: 1s}\nteams:\n  - name: acme\n    issuer_id: " +
          f.fx.issuer_id + "\n    key_id: " + f.fx.key_id + "\n    private_key_file: " + f.fx.key_path +
          "\n    desired_state: " + f.desired_path + "\n    base_url: " + proxy.base_url() + "\n");

  app::TeamRuntime runtime(config, util::system_clock());
  auto schedules = runtime.reload();
  REQUIRE_MESSAGE(schedules, (schedules ? "" : schedules.error().describe()));
  const auto started = std::chrono::steady_clock::now();
  const service::CycleResult result = runtime.cycle("acme", {});
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(5));
  CHECK(result.outcome == util::CycleOutcome::failed);
  CHECK(result.deadline_exceeded);
  CHECK(result.error.find("cycle deadline exceeded (cycle_timeout 1s)") != std::string::npos);
  CHECK(proxy.write_count() == 0);
  CHECK(f.sim().write_count() == 0);

  service::ServiceMetrics metrics;
  metrics.record_cycle("acme", result, std::chrono::seconds(1), util::from_unix(1'800'000'000));
  CHECK(metrics.cycle_deadline_exceeded_total.value({"acme"}) == 1);
  CHECK(metrics.cycles_total.value({"acme", "failed"}) == 1);
  CHECK(metrics.render().find("ascsync_cycle_deadline_exceeded_total{team=\"acme\"} 1") != std::string::npos);

  const nlohmann::json status = runtime.team_status("acme");
  CHECK(status["last_run"]["reason"] == "deadline_exceeded");
}
