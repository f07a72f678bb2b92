// ascsim users and user invitations.
#include <doctest/doctest.h>

#include "support/sim_fixture.hpp"

using nlohmann::json;
using test_support::linkages;
using test_support::send;

namespace {

json invitation(const std::string& email, std::vector<std::string> roles = {"DEVELOPER"}) {
  return {{"data",
           {{"type", "userInvitations"},
            {"attributes",
             {{"email", email},
              {"firstName", "New"},
              {"lastName", "Person"},
              {"roles", roles},
              {"allAppsVisible", true}}}}}};
}

}  // namespace

TEST_CASE("ascsim users: patch roles and visible apps, account holder protected, delete") {
  test_support::SimFixture fx;
  const auto a1 = fx.sim->add_app("com.example.1", "One");
  const auto a2 = fx.sim->add_app("com.example.2", "Two");
  const auto holder = fx.sim->add_user("boss@example.com", "B", "Oss", {"ACCOUNT_HOLDER", "ADMIN"});
  const auto dev = fx.sim->add_user("dev@example.com", "D", "Ev", {"DEVELOPER"}, false, {a1});

  auto patch = send(fx, "PATCH", "/v1/users/" + dev,
                    {{"data",
                      {{"type", "users"},
                       {"id", dev},
                       {"attributes", {{"roles", {"APP_MANAGER", "DEVELOPER"}}, {"allAppsVisible", false}}},
                       {"relationships", {{"visibleApps", linkages("apps", {a2})}}}}}});
  REQUIRE(patch.status == 200);
  CHECK(patch.body["data"]["attributes"]["roles"] == json({"APP_MANAGER", "DEVELOPER"}));
  auto apps = send(fx, "GET", "/v1/users/" + dev + "/relationships/visibleApps");
  REQUIRE(apps.body["data"].size() == 1);
  CHECK(apps.body["data"][0]["id"] == a2);

  CHECK(send(fx, "POST", "/v1/users/" + dev + "/relationships/visibleApps", linkages("apps", {a1})).status ==
        204);
  CHECK(send(fx, "GET", "/v1/users/" + dev + "/visibleApps").body["data"].size() == 2);
  CHECK(
      send(fx, "DELETE", "/v1/users/" + dev + "/relationships/visibleApps", linkages("apps", {a2})).status ==
      204);
  CHECK(send(fx, "PATCH", "/v1/users/" + dev + "/relationships/visibleApps", linkages("apps", {a2})).status ==
        204);
  auto after = send(fx, "GET", "/v1/users/" + dev + "/relationships/visibleApps");
  REQUIRE(after.body["data"].size() == 1);
  CHECK(after.body["data"][0]["id"] == a2);
  CHECK(send(fx, "POST", "/v1/users/" + dev + "/relationships/visibleApps", linkages("apps", {"nope"}))
            .status == 409);

  auto demote = send(fx, "PATCH", "/v1/users/" + holder,
                     {{"data", {{"type", "users"}, {"id", holder}, {"attributes", {{"roles", {"ADMIN"}}}}}}});
  CHECK(demote.status == 409);
  CHECK(demote.code() == "STATE_ERROR");
  auto remove_holder = send(fx, "DELETE", "/v1/users/" + holder);
  CHECK(remove_holder.status == 409);
  CHECK(remove_holder.code() == "STATE_ERROR");
  auto not_updatable =
      send(fx, "PATCH", "/v1/users/" + dev,
           {{"data", {{"type", "users"}, {"id", dev}, {"attributes", {{"username", "x@y.z"}}}}}});
  CHECK(not_updatable.status == 409);
  auto id_mismatch = send(fx, "PATCH", "/v1/users/" + dev, {{"data", {{"type", "users"}, {"id", holder}}}});
  CHECK(id_mismatch.status == 409);

  CHECK(send(fx, "DELETE", "/v1/users/" + dev).status == 204);
  CHECK(send(fx, "GET", "/v1/users/" + dev).status == 404);
  CHECK(send(fx, "GET", "/v1/users").body["data"].size() == 1);
}

TEST_CASE("ascsim user invitations: create, duplicates, no PATCH, acceptance") {
  test_support::SimFixture fx;
  fx.sim->add_user("existing@example.com", "E", "X", {"ADMIN"});
  auto created = send(fx, "POST", "/v1/userInvitations", invitation("new@example.com"));
  REQUIRE(created.status == 201);
  const std::string id = created.body["data"]["id"];
  CHECK(created.body["data"]["attributes"].contains("expirationDate"));
  CHECK(created.body["links"]["self"] == fx.base_url + "/v1/userInvitations/" + id);

  CHECK(send(fx, "POST", "/v1/userInvitations", invitation("NEW@example.com")).status == 409);
  CHECK(send(fx, "POST", "/v1/userInvitations", invitation("Existing@Example.com")).status == 409);
  CHECK(
      send(fx, "POST", "/v1/userInvitations", invitation("holder2@example.com", {"ACCOUNT_HOLDER"})).status ==
      409);
  auto bad_role = send(fx, "POST", "/v1/userInvitations", invitation("r@example.com", {"SUPERUSER"}));
  CHECK(bad_role.status == 409);
  CHECK(bad_role.body["errors"][0]["source"]["pointer"] == "/data/attributes/roles");
  auto missing =
      send(fx, "POST", "/v1/userInvitations",
           {{"data", {{"type", "userInvitations"}, {"attributes", {{"email", "m@example.com"}}}}}});
  CHECK(missing.status == 422);
  CHECK(missing.code() == "ENTITY_ERROR.ATTRIBUTE.REQUIRED");
  CHECK(missing.body["errors"].size() == 3);  // firstName, lastName, roles

  auto patch = send(fx, "PATCH", "/v1/userInvitations/" + id, invitation("x@example.com"));
  CHECK(patch.status == 405);
  CHECK(patch.body["errors"][0]["status"] == "405");

  auto user_id = fx.sim->accept_invitation("New@Example.com");
  REQUIRE(user_id);
  CHECK(send(fx, "GET", "/v1/userInvitations/" + id).status == 404);
  auto user = send(fx, "GET", "/v1/users/" + *user_id);
  CHECK(user.body["data"]["attributes"]["username"] == "new@example.com");
  CHECK(user.body["data"]["attributes"]["roles"] == json({"DEVELOPER"}));

  auto second = send(fx, "POST", "/v1/userInvitations", invitation("later@example.com"));
  REQUIRE(second.status == 201);
  CHECK(send(fx, "DELETE", "/v1/userInvitations/" + second.body["data"]["id"].get<std::string>()).status ==
        204);
  CHECK(send(fx, "GET", "/v1/userInvitations").body["data"].empty());
}
