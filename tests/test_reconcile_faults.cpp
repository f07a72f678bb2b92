// Repeated cycles against a simulator that answers a share of requests with 429/500/503, adds
// latency and drops connections (after doing the work, so creates must be read back): they
// converge within a bounded number of cycles, delete nothing undeclared and duplicate nothing.
// The client retries without sleeping (injected sleeper) so this stays fast.
#include <doctest/doctest.h>

#include <algorithm>

#include "store/journal.hpp"
#include "support/reconcile_fixture.hpp"

namespace {

using test_support::ReconcileFixture;
using test_support::World;
using Strings = std::vector<std::string>;

Strings emails(const char* prefix, int n) {
  Strings out;
  for (int i = 0; i < n; ++i) out.push_back(std::string(prefix) + std::to_string(i) + "@example.org");
  return out;
}

Strings sorted(Strings v) {
  std::sort(v.begin(), v.end());
  return v;
}

std::string yaml_list(const Strings& v) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + v[i];
  return out + "]";
}

}  // namespace

TEST_CASE("cycles under 429/5xx, latency and dropped connections converge without deleting or duplicating") {
  const uint64_t seeds[] = {11, 23};
  for (const uint64_t seed : seeds) {
    CAPTURE(seed);
    sim::Options options;
    options.seed = seed;
    ReconcileFixture f(options);
    f.add_apps({"com.acme.shop", "com.acme.chat"});
    f.sim().add_user("owner@acme.example", "Olive", "Owner", {"ACCOUNT_HOLDER", "ADMIN"});
    f.sim().add_user("dev@acme.example", "Dev", "One", {"DEVELOPER"});
    // Undeclared testers made by hand (one in a declared group): they must survive.
    const std::string hand = f.sim().add_beta_group(f.app_ids["com.acme.shop"], "Hand", false);
    f.sim().add_beta_tester("hand@example.org", "Hand", "Made", {hand});
    const std::string legacy = f.sim().add_beta_group(f.app_ids["com.acme.shop"], "QA", false);
    f.sim().add_beta_tester("keepme@example.org", "Keep", "Me", {legacy});
    const World initial = f.world();

    const Strings qa = emails("qa", 15);
    const Strings beta = emails("beta", 8);
    const auto desired = f.desired(R"(team: acme
policy:
  prune: {testers: true, group_memberships: true}
users:
  - {email: dev@acme.example, first_name: Dev, last_name: One, roles: [APP_MANAGER]}
  - {email: sam@acme.example, first_name: Sam, last_name: Ortiz, roles: [MARKETING]}
  - {email: lee@acme.example, first_name: Lee, last_name: Park, roles: [DEVELOPER]}
apps:
  - bundle_id: com.acme.shop
    groups:
      - name: QA
        public_link: {enabled: true, limit: 200}
        members: )" + yaml_list(qa) +
                                   R"(
      - name: Both
        members: [qa0@example.org, beta0@example.org]
  - bundle_id: com.acme.chat
    groups:
      - name: Beta
        members: )" + yaml_list(beta) +
                                   "\n");

    sim::FaultRule throttled;
    throttled.route = "* /v1/*";
    throttled.error_rate = 0.08;
    throttled.error_status = 429;
    throttled.latency_ms = 1;
    sim::FaultRule broken;
    broken.route = "* /v1/*";
    broken.error_rate = 0.08;
    broken.error_status = 500;
    sim::FaultRule unavailable;
    unavailable.route = "* /v1/*";
    unavailable.error_rate = 0.05;
    unavailable.error_status = 503;
    sim::FaultRule dropped;
    dropped.route = "* /v1/*";
    dropped.drop_rate = 0.06;
    for (const auto& r : {throttled, broken, unavailable, dropped}) f.sim().add_fault(r);

    int cycles = 0;
    int failed_refreshes = 0;
    bool converged = false;
    while (cycles < 10 && !converged) {
      ++cycles;
      auto report = f.cycle(desired);
      if (!report) {
        ++failed_refreshes;  // a refresh that failed on any page plans nothing (invariant 1)
        continue;
      }
      converged = report->outcome == util::CycleOutcome::converged && report->plan.empty();
      // Nothing undeclared is ever deleted, whatever the cycle went through.
      const World w = f.world();
      CHECK(w.testers.count("hand@example.org") == 1);
      CHECK(w.testers.count("keepme@example.org") == 1);
      CHECK(w.users.count("owner@acme.example") == 1);
      CHECK_FALSE(w.has_duplicates());
    }
    MESSAGE("seed " << seed << ": converged after " << cycles << " cycles (" << failed_refreshes
                    << " refreshes failed), " << f.sim().request_count() << " requests");
    CHECK(converged);

    const auto counters = f.sim().route_counters();
    long long faulted = 0;
    for (const auto& c : counters)
      if (c.status >= 429) faulted += c.count;
    CHECK(faulted > 0);  // the faults really fired

    f.sim().clear_faults();
    const World w = f.world();
    CHECK_FALSE(w.has_duplicates());
    // The pre-existing QA was adopted with its members: keepme left the group but was not deleted.
    CHECK(w.members("com.acme.shop/QA") == sorted(qa));
    CHECK(w.members("com.acme.chat/Beta") == sorted(beta));
    CHECK(w.members("com.acme.shop/Both") == Strings{"beta0@example.org", "qa0@example.org"});
    CHECK(w.members("com.acme.shop/Hand") == Strings{"hand@example.org"});
    CHECK(w.testers.at("keepme@example.org").empty());
    CHECK(w.users.at("dev@acme.example") == Strings{"APP_MANAGER"});
    CHECK(w.invitations.size() == 2);
    for (const auto& [email, groups] : initial.testers) CHECK_MESSAGE(w.testers.count(email) == 1, email);
    store::Journal journal(*f.db);
    auto pending = journal.pending(ReconcileFixture::k_team);
    REQUIRE(pending);
    CHECK(pending->empty());

    f.sim().reset_counters();
    auto clean = f.cycle(desired);
    REQUIRE(clean);
    CHECK(clean->plan.empty());
    CHECK(f.sim().write_count() == 0);
  }
}
