// The executor keeps the mirror in step with what it wrote: each write's mirror update runs in the
// change's bookkeeping transaction (committed with the next journal intent), so right after an
// apply, before any refresh, the mirror holds exactly what the simulator holds.
#include <doctest/doctest.h>

#include <set>

#include "store/mirror.hpp"
#include "support/reconcile_fixture.hpp"

namespace {

constexpr const char* k_mirror_writes_desired = R"(team: acme
policy:
  prune: {testers: true, group_memberships: true}
users:
  - {email: dev@acme.example, first_name: Dev, last_name: One, roles: [APP_MANAGER, DEVELOPER]}
  - {email: sam@acme.example, first_name: Sam, last_name: Ortiz, roles: [MARKETING]}
apps:
  - bundle_id: com.acme.shop
    groups:
      - name: QA
        members: [{email: alex@agency.example, first_name: Alex, last_name: Kim}, new@example.org]
      - name: Beta
        members: [new@example.org]
)";

}  // namespace

TEST_CASE("after an apply the mirror holds what was written, before the next refresh") {
  test_support::ReconcileFixture f;
  f.add_apps({"com.acme.shop"});
  f.sim().add_user("dev@acme.example", "Dev", "One", {"DEVELOPER"});

  auto cycle = f.cycle(f.desired(k_mirror_writes_desired));
  REQUIRE_MESSAGE(cycle, (cycle ? "" : cycle.error().describe()));
  REQUIRE(cycle->apply);
  CHECK(cycle->apply->ok());
  CHECK(cycle->apply->writes > 0);

  store::Mirror mirror(*f.db);
  auto mirrored = mirror.load_snapshot(test_support::ReconcileFixture::k_team);
  REQUIRE(mirrored);
  const auto world = f.world();

  std::set<std::string> groups;
  for (const auto& g : mirrored->groups) groups.insert("com.acme.shop/" + g.name);
  std::set<std::string> world_groups;
  for (const auto& [name, g] : world.groups) world_groups.insert(name);
  CHECK(groups == world_groups);

  std::set<std::string> testers;
  for (const auto& t : mirrored->testers) testers.insert(t.email);
  std::set<std::string> world_testers;
  for (const auto& [email, of] : world.testers) world_testers.insert(email);
  CHECK(testers == world_testers);
  CHECK(testers.count("new@example.org") == 1);

  // Memberships: new@example.org is in both groups, in the mirror as in the simulator.
  for (const auto& t : mirrored->testers) {
    if (t.email != "new@example.org") continue;
    CHECK(t.group_ids.size() == 2);
  }
  std::set<std::string> invited;
  for (const auto& i : mirrored->invitations) invited.insert(i.email);
  CHECK(invited == std::set<std::string>{"sam@acme.example"});
  for (const auto& u : mirrored->users)
    if (u.username == "dev@acme.example")
      CHECK(u.roles == std::vector<std::string>{"APP_MANAGER", "DEVELOPER"});
}
