// Retention in the cycle (issue 14): an applying cycle with CycleOptions::retention prunes the
// team's old runs after recording its own; a plan that wrote keeps its full JSON and a summary.
#include <doctest/doctest.h>

#include "reconcile/cycle.hpp"
#include "store/audit.hpp"
#include "store/mirror.hpp"
#include "support/reconcile_fixture.hpp"

using test_support::ReconcileFixture;

namespace {

const char* const k_retention_desired = R"(team: acme
policy:
  prune: {testers: true, group_memberships: true}
apps:
  - bundle_id: com.acme.shop
    groups:
      - name: Beta
        members: [ann@example.com, bob@example.com]
)";

}  // namespace

TEST_CASE("a cycle with retention keeps the newest runs; the plan that wrote stays in full") {
  ReconcileFixture f;
  f.add_apps({"com.acme.shop"});
  const auto desired = f.desired(k_retention_desired);
  reconcile::CycleOptions options;
  options.retention = store::RetentionPolicy{0, 3, 1000, 5000};

  auto first = reconcile::run_cycle(ReconcileFixture::k_team, desired, f.api.get(), *f.db, f.clock, options);
  REQUIRE_MESSAGE(first, (first ? "" : first.error().describe()));
  REQUIRE(first->apply);
  REQUIRE(first->apply->writes > 0);
  REQUIRE(first->plan_id);
  for (int i = 0; i < 5; ++i) {
    auto idle = reconcile::run_cycle(ReconcileFixture::k_team, desired, f.api.get(), *f.db, f.clock, options);
    REQUIRE_MESSAGE(idle, (idle ? "" : idle.error().describe()));
    CHECK_FALSE(idle->apply);  // idle: nothing to apply, no plan stored
  }
  store::Mirror mirror(*f.db);
  auto runs = mirror.recent_runs(ReconcileFixture::k_team, 100);
  REQUIRE(runs);
  CHECK(runs->size() == 3);

  store::AuditTrail audit(*f.db);
  auto plan = audit.plan(*first->plan_id);
  REQUIRE(plan);
  REQUIRE(plan->has_value());
  CHECK((*plan)->full);
  CHECK((*plan)->plan.is_object());
  CHECK((*plan)->summary["writes"] == first->apply->writes);
  CHECK((*plan)->summary["outcome"] == "applied");
  CHECK((*plan)->summary["add"].get<int>() > 0);
}
