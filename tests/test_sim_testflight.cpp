// ascsim TestFlight: beta groups, testers, memberships and invitations, with Apple's rules.
#include <doctest/doctest.h>

#include "support/sim_fixture.hpp"
#include "util/time.hpp"

using nlohmann::json;
using test_support::linkages;
using test_support::send;

namespace {

json group_body(const std::string& app, const std::string& name, json attrs = json::object()) {
  attrs["name"] = name;
  return {{"data",
           {{"type", "betaGroups"},
            {"attributes", attrs},
            {"relationships", {{"app", {{"data", {{"type", "apps"}, {"id", app}}}}}}}}}};
}

json tester_body(const std::string& email, const std::vector<std::string>& groups) {
  json body = {
      {"data",
       {{"type", "betaTesters"}, {"attributes", {{"email", email}, {"firstName", "F"}, {"lastName", "L"}}}}}};
  if (!groups.empty()) body["data"]["relationships"]["betaGroups"] = linkages("betaGroups", groups);
  return body;
}

}  // namespace

TEST_CASE("ascsim beta groups: create, Location, rules on names, public links and creation-only attributes") {
  test_support::SimFixture fx;
  const auto app = fx.sim->add_app("com.example.tf", "TF");
  const auto before = fx.sim->now();
  auto created = send(
      fx, "POST", "/v1/betaGroups",
      group_body(app, "External",
                 {{"publicLinkEnabled", true}, {"publicLinkLimitEnabled", true}, {"publicLinkLimit", 100}}));
  REQUIRE(created.status == 201);
  const std::string id = created.body["data"]["id"];
  const auto& attrs = created.body["data"]["attributes"];
  CHECK(attrs["isInternalGroup"] == false);
  CHECK(attrs["publicLinkLimit"] == 100);
  CHECK(attrs["publicLink"].get<std::string>().rfind("https://testflight.apple.com/join/", 0) == 0);
  auto created_at = util::parse_rfc3339(attrs["createdDate"].get<std::string>());
  REQUIRE(created_at);
  CHECK(*created_at >= before - std::chrono::seconds(1));
  bool has_location = false;
  for (const auto& [k, v] : created.headers)
    if (k == "Location") has_location = v == fx.base_url + "/v1/betaGroups/" + id;
  CHECK(has_location);

  SUBCASE("group names are unique per app, case-insensitively") {
    auto dup = send(fx, "POST", "/v1/betaGroups", group_body(app, "EXTERNAL"));
    CHECK(dup.status == 409);
    CHECK(dup.code().rfind("ENTITY_ERROR", 0) == 0);
    const auto other = fx.sim->add_app("com.example.other", "Other");
    CHECK(send(fx, "POST", "/v1/betaGroups", group_body(other, "External")).status == 201);
  }
  SUBCASE("public link limit must be 1..10,000 and only on external groups") {
    for (int bad : {0, 10001}) {
      auto r =
          send(fx, "PATCH", "/v1/betaGroups/" + id,
               {{"data", {{"type", "betaGroups"}, {"id", id}, {"attributes", {{"publicLinkLimit", bad}}}}}});
      CHECK(r.status == 409);
      CHECK(r.code() == "ENTITY_ERROR.ATTRIBUTE.INVALID");
      CHECK(r.body["errors"][0]["source"]["pointer"] == "/data/attributes/publicLinkLimit");
    }
    auto internal =
        send(fx, "POST", "/v1/betaGroups",
             group_body(app, "Internal", {{"isInternalGroup", true}, {"publicLinkEnabled", true}}));
    CHECK(internal.status == 409);
  }
  SUBCASE("isInternalGroup and hasAccessToAllBuilds cannot be changed after creation") {
    for (const char* attr : {"isInternalGroup", "hasAccessToAllBuilds"}) {
      auto r = send(fx, "PATCH", "/v1/betaGroups/" + id,
                    {{"data", {{"type", "betaGroups"}, {"id", id}, {"attributes", {{attr, true}}}}}});
      CHECK(r.status == 409);
      CHECK(r.code().rfind("ENTITY_ERROR.ATTRIBUTE", 0) == 0);
      CHECK(r.body["errors"][0]["source"]["pointer"] == std::string("/data/attributes/") + attr);
    }
    auto ok = send(fx, "PATCH", "/v1/betaGroups/" + id,
                   {{"data", {{"type", "betaGroups"}, {"id", id}, {"attributes", {{"name", "Renamed"}}}}}});
    CHECK(ok.status == 200);
    CHECK(ok.body["data"]["attributes"]["name"] == "Renamed");
  }
  SUBCASE("a missing app relationship or an unknown app is refused") {
    auto no_app = send(fx, "POST", "/v1/betaGroups",
                       {{"data", {{"type", "betaGroups"}, {"attributes", {{"name", "X"}}}}}});
    CHECK(no_app.status == 422);
    CHECK(send(fx, "POST", "/v1/betaGroups", group_body("999", "X")).status == 409);
  }
  SUBCASE("DELETE removes the group") {
    CHECK(send(fx, "DELETE", "/v1/betaGroups/" + id).status == 204);
    CHECK(send(fx, "GET", "/v1/betaGroups/" + id).status == 404);
  }
}

TEST_CASE("ascsim beta testers and memberships follow Apple's rules") {
  test_support::SimFixture fx;
  const auto app = fx.sim->add_app("com.example.m", "M");
  const auto internal = fx.sim->add_beta_group(app, "Team", true);
  const auto external = fx.sim->add_beta_group(app, "Friends", false);
  fx.sim->add_user("member@example.com", "Mem", "Ber", {"DEVELOPER"});

  SUBCASE("creating a tester twice (any case) is a 409; adding an existing member again is a 204") {
    auto first = send(fx, "POST", "/v1/betaTesters", tester_body("Pat@Example.org", {external}));
    REQUIRE(first.status == 201);
    const std::string id = first.body["data"]["id"];
    CHECK(first.body["data"]["attributes"]["state"] == "NOT_INVITED");
    auto again = send(fx, "POST", "/v1/betaTesters", tester_body("pat@example.ORG", {external}));
    CHECK(again.status == 409);
    CHECK(again.code().rfind("ENTITY_ERROR", 0) == 0);
    CHECK(again.body["errors"][0]["detail"].get<std::string>().find("already exists") != std::string::npos);
    auto add = send(fx, "POST", "/v1/betaGroups/" + external + "/relationships/betaTesters",
                    linkages("betaTesters", {id}));
    CHECK(add.status == 204);
    auto members = send(fx, "GET", "/v1/betaGroups/" + external + "/relationships/betaTesters");
    CHECK(members.body["data"].size() == 1);
    CHECK(members.body["data"][0] == json({{"type", "betaTesters"}, {"id", id}}));
  }
  SUBCASE("internal groups take only team users") {
    auto stranger = send(fx, "POST", "/v1/betaTesters", tester_body("stranger@example.org", {internal}));
    CHECK(stranger.status == 409);
    CHECK(stranger.code() == "STATE_ERROR");
    auto member = send(fx, "POST", "/v1/betaTesters", tester_body("MEMBER@example.com", {internal}));
    CHECK(member.status == 201);
    const auto outsider = fx.sim->add_beta_tester("out@example.org", "O", "U", {});
    auto link = send(fx, "POST", "/v1/betaGroups/" + internal + "/relationships/betaTesters",
                     linkages("betaTesters", {outsider}));
    CHECK(link.status == 409);
    CHECK(link.code() == "STATE_ERROR");
    auto via_tester = send(fx, "POST", "/v1/betaTesters/" + outsider + "/relationships/betaGroups",
                           linkages("betaGroups", {internal}));
    CHECK(via_tester.status == 409);
  }
  SUBCASE("an app has at most 10,000 external testers") {
    std::vector<std::string> ids;
    for (int i = 0; i < 10'000; ++i)
      fx.sim->add_beta_tester("x" + std::to_string(i) + "@example.org", "X", "X", {external});
    auto full = send(fx, "POST", "/v1/betaTesters", tester_body("one.more@example.org", {external}));
    CHECK(full.status == 409);
    CHECK(full.code() == "STATE_ERROR");
    // A second external group of the same app shares the cap; members already counted don't.
    const auto second = fx.sim->add_beta_group(app, "More", false);
    const auto existing = fx.sim->dump_state()["betaTesters"][0]["id"].get<std::string>();
    CHECK(send(fx, "POST", "/v1/betaGroups/" + second + "/relationships/betaTesters",
               linkages("betaTesters", {existing}))
              .status == 204);
  }
  SUBCASE("removing from a group, from an app, and deleting") {
    const auto t = fx.sim->add_beta_tester("gone@example.org", "G", "O", {external});
    CHECK(send(fx, "DELETE", "/v1/betaGroups/" + external + "/relationships/betaTesters",
               linkages("betaTesters", {t}))
              .status == 204);
    CHECK(send(fx, "GET", "/v1/betaTesters/" + t + "/relationships/betaGroups").body["data"].empty());
    CHECK(send(fx, "POST", "/v1/betaTesters/" + t + "/relationships/betaGroups",
               linkages("betaGroups", {external}))
              .status == 204);
    CHECK(send(fx, "GET", "/v1/betaTesters/" + t + "/apps").body["data"][0]["id"] == app);
    CHECK(
        send(fx, "DELETE", "/v1/betaTesters/" + t + "/relationships/apps", linkages("apps", {app})).status ==
        204);
    CHECK(send(fx, "GET", "/v1/betaTesters/" + t + "/relationships/apps").body["data"].empty());
    CHECK(send(fx, "POST", "/v1/betaTesters/" + t + "/relationships/betaGroups",
               linkages("betaGroups", {external}))
              .status == 204);
    CHECK(send(fx, "DELETE", "/v1/apps/" + app + "/relationships/betaTesters", linkages("betaTesters", {t}))
              .status == 204);
    CHECK(send(fx, "GET", "/v1/betaGroups/" + external + "/betaTesters").body["data"].empty());
    CHECK(send(fx, "DELETE", "/v1/betaTesters/" + t).status == 204);
    CHECK(send(fx, "GET", "/v1/betaTesters/" + t).status == 404);
  }
  SUBCASE("builds are unknown: linkage writes 409, reads are empty") {
    const auto t = fx.sim->add_beta_tester("b@example.org", "B", "B", {external});
    auto r =
        send(fx, "POST", "/v1/betaGroups/" + external + "/relationships/builds", linkages("builds", {"123"}));
    CHECK(r.status == 409);
    CHECK(send(fx, "GET", "/v1/betaGroups/" + external + "/builds").body["data"].empty());
    CHECK(send(fx, "POST", "/v1/betaTesters/" + t + "/relationships/builds", linkages("builds", {"9"}))
              .status == 409);
  }
}

TEST_CASE("ascsim betaTesterInvitations need a tester in a group of the app and set INVITED") {
  test_support::SimFixture fx;
  const auto app = fx.sim->add_app("com.example.i", "I");
  const auto other = fx.sim->add_app("com.example.j", "J");
  const auto group = fx.sim->add_beta_group(app, "Ext", false);
  const auto t = fx.sim->add_beta_tester("inv@example.org", "I", "N", {group});
  auto body = [&](const std::string& app_id) {
    return json{{"data",
                 {{"type", "betaTesterInvitations"},
                  {"relationships",
                   {{"app", {{"data", {{"type", "apps"}, {"id", app_id}}}}},
                    {"betaTester", {{"data", {{"type", "betaTesters"}, {"id", t}}}}}}}}}};
  };
  auto wrong_app = send(fx, "POST", "/v1/betaTesterInvitations", body(other));
  CHECK(wrong_app.status == 409);
  auto missing = send(fx, "POST", "/v1/betaTesterInvitations",
                      {{"data",
                        {{"type", "betaTesterInvitations"},
                         {"relationships", {{"app", {{"data", {{"type", "apps"}, {"id", app}}}}}}}}}});
  CHECK(missing.status == 422);
  auto ok = send(fx, "POST", "/v1/betaTesterInvitations", body(app));
  REQUIRE(ok.status == 201);
  CHECK(ok.body["data"]["type"] == "betaTesterInvitations");
  CHECK_FALSE(ok.body["data"].contains("attributes"));
  CHECK(send(fx, "GET", "/v1/betaTesters/" + t).body["data"]["attributes"]["state"] == "INVITED");
}
