// Issue 12 point 1 at the reconcile layer: a refresh reads only what the desired state manages,
// and a kind it did not read keeps its mirrored rows (never "empty", no drift, no deletes).
#include <doctest/doctest.h>

#include "reconcile/refresh.hpp"
#include "store/mirror.hpp"
#include "support/reconcile_fixture.hpp"

using test_support::ReconcileFixture;

TEST_CASE("a TestFlight-only refresh reads no users; the mirror keeps them, marked not read") {
  ReconcileFixture f;
  f.add_apps({"com.acme.shop"});
  f.sim().add_user("lee@acme.example", "Lee", "Ng", {"DEVELOPER"});

  auto full = reconcile::refresh(ReconcileFixture::k_team, *f.api, *f.db, f.clock);
  REQUIRE(full.ok());
  CHECK(full->not_read.empty());
  const size_t users = full->snapshot.users.size();
  REQUIRE(users >= 1);

  const auto d = f.desired(R"(team: acme
apps:
  - bundle_id: com.acme.shop
    groups:
      - name: QA
        members: [robin@example.org]
)");
  CHECK(reconcile::read_set_for(d).users == asc::ReadNeed::skip);
  f.sim().reset_counters();
  auto r = f.cycle(d);
  REQUIRE_MESSAGE(r.ok(), r.error().describe());
  REQUIRE(r->refresh);
  CHECK(r->refresh->not_read.count("users") == 1);
  CHECK(r->refresh->not_read.count("invitations") == 1);
  CHECK(r->refresh->not_read.count("certificates") == 0);  // an Admin key reads them
  CHECK(r->refresh->snapshot.users.size() == users);       // kept, not emptied
  CHECK(r->refresh->drift_events == 0);
  for (const auto& rc : f.sim().route_counters()) {
    CAPTURE(rc.route);
    CHECK(rc.route.find("/v1/users") == std::string::npos);
    CHECK(rc.route.find("/v1/userInvitations") == std::string::npos);
  }
  store::Mirror mirror(*f.db);
  auto unread = mirror.unread(ReconcileFixture::k_team);
  REQUIRE(unread.ok());
  REQUIRE(unread->size() == 2);
  CHECK((*unread)[0].kind == "invitations");
  CHECK((*unread)[1].kind == "users");
  CHECK(mirror.load_snapshot(ReconcileFixture::k_team)->users.size() == users);

  // Read again once the desired state manages users: no longer marked.
  const auto both = f.desired(R"(team: acme
users:
  - {email: lee@acme.example, first_name: Lee, last_name: Ng, roles: [DEVELOPER]}
apps:
  - bundle_id: com.acme.shop
    groups:
      - name: QA
        members: [robin@example.org]
)");
  auto again = f.cycle(both);
  REQUIRE_MESSAGE(again.ok(), again.error().describe());
  CHECK(again->refresh->not_read.empty());
  CHECK(mirror.unread(ReconcileFixture::k_team)->empty());
}

TEST_CASE("a desired state that manages everything reads everything, as before") {
  ReconcileFixture f;
  f.add_apps({"com.acme.shop"});
  const auto d = f.desired(R"(team: acme
users:
  - {email: sam@acme.example, first_name: Sam, last_name: Ortiz, roles: [MARKETING]}
apps:
  - bundle_id: com.acme.shop
    groups:
      - name: QA
        members: [robin@example.org]
)");
  asc::FetchStats all_stats;
  REQUIRE(f.api->fetch_snapshot(&all_stats).ok());
  asc::FetchStats managed_stats;
  REQUIRE(f.api->fetch_snapshot(reconcile::read_set_for(d), &managed_stats).ok());
  CHECK(managed_stats.requests == all_stats.requests);
  CHECK(managed_stats.not_read.empty());
}
