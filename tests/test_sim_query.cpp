// ascsim queries: pagination by cursor (stable under mutation), filters, fields, include with
// limit[...], sort, and Apple's 400s for what an operation does not accept.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "support/sim_fixture.hpp"

using nlohmann::json;

namespace {

json get_json(test_support::SimFixture& fx, const std::string& path, int expected = 200) {
  auto res = fx.client()->Get(path, fx.auth());
  REQUIRE(res);
  CHECK_MESSAGE(res->status == expected, path << " -> " << res->body.substr(0, 300));
  return json::parse(res->body);
}

// "http://127.0.0.1:PORT/v1/x?..." -> "/v1/x?..."
std::string path_of(const std::string& url, const std::string& base) {
  REQUIRE(url.rfind(base, 0) == 0);
  return url.substr(base.size());
}

}  // namespace

TEST_CASE("ascsim pages by cursor and never skips or repeats items that exist throughout a walk") {
  test_support::SimFixture fx;
  const auto app = fx.sim->add_app("com.example.p", "P");
  const auto group = fx.sim->add_beta_group(app, "Ext", false);
  std::set<std::string> stable;
  std::vector<std::string> doomed;
  for (int i = 0; i < 250; ++i) {
    const auto id =
        fx.sim->add_beta_tester("t" + std::to_string(i) + "@example.org", "T", std::to_string(i), {group});
    if (i % 10 == 0)
      doomed.push_back(id);
    else
      stable.insert(id);
  }
  for (const std::string& base_query : {std::string("/v1/betaTesters?limit=40"),
                                        std::string("/v1/betaTesters?limit=40&filter[betaGroups]=") + group,
                                        std::string("/v1/betaTesters?limit=40&sort=-email"),
                                        std::string("/v1/betaGroups/") + group + "/betaTesters?limit=40"}) {
    CAPTURE(base_query);
    std::multiset<std::string> seen;
    std::string next = base_query;
    int pages = 0;
    size_t removed = 0;
    while (!next.empty()) {
      auto doc = get_json(fx, next);
      CHECK(doc["meta"]["paging"]["limit"] == 40);
      CHECK(doc["data"].size() <= 40);
      for (const auto& t : doc["data"]) seen.insert(t["id"].get<std::string>());
      // Mutate between pages: remove some testers and add new ones.
      if (removed < doomed.size()) fx.sim->remove_beta_tester(doomed[removed++]);
      fx.sim->add_beta_tester(
          "new" + std::to_string(pages) + "-" + std::to_string(base_query.size()) + "@example.org", "N", "N",
          {group});
      next =
          doc["links"].contains("next") ? path_of(doc["links"]["next"].get<std::string>(), fx.base_url) : "";
      if (!next.empty()) {
        CHECK(next.find("cursor=") != std::string::npos);
        CHECK(next.find("limit=40") != std::string::npos);
      }
      REQUIRE(++pages < 20);
    }
    for (const auto& id : stable) CHECK_MESSAGE(seen.count(id) == 1, id);
    for (const auto& id : seen) CHECK(seen.count(id) == 1);
    // Restore the doomed testers' absence pattern for the next walk: fresh doomed ones.
    doomed.clear();
    const json state = fx.sim->dump_state();
    for (const auto& t : state["betaTesters"]) {
      const std::string id = t["id"];
      if (!stable.contains(id)) doomed.push_back(id);
    }
  }
}

TEST_CASE("ascsim links.next keeps the other query parameters and meta.paging.total counts all matches") {
  test_support::SimFixture fx;
  const auto app = fx.sim->add_app("com.example.q", "Q");
  const auto g1 = fx.sim->add_beta_group(app, "G1", false);
  for (int i = 0; i < 5; ++i) fx.sim->add_beta_tester("a" + std::to_string(i) + "@x.org", "A", "A", {g1});
  auto doc = get_json(fx, "/v1/betaTesters?limit=2&fields[betaTesters]=email");
  CHECK(doc["meta"]["paging"]["total"] == 5);
  const std::string next = doc["links"]["next"];
  CHECK(next.rfind(fx.base_url + "/v1/betaTesters?", 0) == 0);
  CHECK(next.find("fields%5BbetaTesters%5D=email") != std::string::npos);
  auto page2 = get_json(fx, path_of(next, fx.base_url));
  CHECK(page2["data"].size() == 2);
  CHECK(page2["data"][0]["attributes"].size() == 1);
  CHECK(page2["data"][0]["attributes"].contains("email"));
}

TEST_CASE("ascsim filters, fields, include with limit[...] and sort") {
  test_support::SimFixture fx;
  const auto a1 = fx.sim->add_app("com.example.one", "One");
  const auto a2 = fx.sim->add_app("com.example.two", "Two");
  fx.sim->add_user("holder@x.org", "Hol", "Der", {"ACCOUNT_HOLDER", "ADMIN"});
  fx.sim->add_user("Dev@X.org", "Dev", "Zed", {"DEVELOPER"}, false, {a1, a2});
  fx.sim->add_user("mark@x.org", "Mark", "Adams", {"MARKETING"}, false, {a2});
  const auto g1 = fx.sim->add_beta_group(a1, "Big", false);
  const auto g2 = fx.sim->add_beta_group(a2, "Small", false);
  for (int i = 0; i < 12; ++i) fx.sim->add_beta_tester("m" + std::to_string(i) + "@x.org", "M", "M", {g1});
  fx.sim->add_beta_tester("both@x.org", "Both", "B", {g1, g2});

  SUBCASE("filter by enum, by relationship ids and by email, case-insensitively") {
    auto devs = get_json(fx, "/v1/users?filter[roles]=DEVELOPER,MARKETING");
    CHECK(devs["data"].size() == 2);
    auto by_app = get_json(fx, "/v1/users?filter[visibleApps]=" + a1);
    REQUIRE(by_app["data"].size() == 1);
    CHECK(by_app["data"][0]["attributes"]["username"] == "Dev@X.org");
    auto by_name = get_json(fx, "/v1/users?filter[username]=dev@x.org");
    CHECK(by_name["data"].size() == 1);
    auto testers = get_json(fx, "/v1/betaTesters?filter[apps]=" + a2);
    REQUIRE(testers["data"].size() == 1);
    CHECK(testers["data"][0]["attributes"]["email"] == "both@x.org");
    auto groups = get_json(fx, "/v1/betaGroups?filter[app]=" + a1 + "&filter[isInternalGroup]=false");
    CHECK(groups["data"].size() == 1);
    auto apps = get_json(fx, "/v1/apps?filter[bundleId]=com.example.two");
    REQUIRE(apps["data"].size() == 1);
    CHECK(apps["data"][0]["id"] == a2);
  }
  SUBCASE("sort by lastName, descending by username") {
    auto asc_doc = get_json(fx, "/v1/users?sort=lastName");
    REQUIRE(asc_doc["data"].size() == 3);
    CHECK(asc_doc["data"][0]["attributes"]["lastName"] == "Adams");
    CHECK(asc_doc["data"][2]["attributes"]["lastName"] == "Zed");
    auto desc = get_json(fx, "/v1/users?sort=-username");
    CHECK(desc["data"][0]["attributes"]["username"] == "mark@x.org");
    auto apps = get_json(fx, "/v1/apps?sort=-name");
    CHECK(apps["data"][0]["attributes"]["name"] == "Two");
  }
  SUBCASE("fields keep only the listed attributes and relationships") {
    auto doc = get_json(fx, "/v1/users?fields[users]=username,roles");
    for (const auto& u : doc["data"]) {
      CHECK(u["attributes"].size() == 2);
      CHECK_FALSE(u.contains("relationships"));
    }
  }
  SUBCASE("include caps relationship data at limit[...] and reports the total") {
    auto doc = get_json(fx, "/v1/betaGroups/" + g1 + "?include=betaTesters,app&limit[betaTesters]=5");
    const auto& rel = doc["data"]["relationships"]["betaTesters"];
    CHECK(rel["data"].size() == 5);
    CHECK(rel["meta"]["paging"]["total"] == 13);
    CHECK(rel["meta"]["paging"]["limit"] == 5);
    CHECK(doc["data"]["relationships"]["app"]["data"]["id"] == a1);
    size_t testers = 0, apps = 0;
    for (const auto& inc : doc["included"]) {
      testers += inc["type"] == "betaTesters";
      apps += inc["type"] == "apps";
    }
    CHECK(testers == 5);
    CHECK(apps == 1);
    auto users = get_json(fx, "/v1/users?include=visibleApps&filter[username]=Dev@X.org");
    CHECK(users["data"][0]["relationships"]["visibleApps"]["data"].size() == 2);
    CHECK(users["included"].size() == 2);
  }
  SUBCASE("what an operation does not accept is a 400 with source.parameter") {
    struct Bad {
      std::string path;
      const char* parameter;
      const char* code;
    };
    const std::vector<Bad> bad = {
        {"/v1/betaTesters?limit=201", "limit", "PARAMETER_ERROR.INVALID"},
        {"/v1/betaTesters?limit=0", "limit", "PARAMETER_ERROR.INVALID"},
        {"/v1/betaTesters?limit=abc", "limit", "PARAMETER_ERROR.INVALID"},
        {"/v1/users?filter[email]=a@b.c", "filter[email]", "PARAMETER_ERROR.ILLEGAL"},
        {"/v1/users?filter[roles]=BOSS", "filter[roles]", "PARAMETER_ERROR.INVALID"},
        {"/v1/users?fields[users]=password", "fields[users]", "PARAMETER_ERROR.INVALID"},
        {"/v1/users?include=betaGroups", "include", "PARAMETER_ERROR.INVALID"},
        {"/v1/users?limit[visibleApps]=51", "limit[visibleApps]", "PARAMETER_ERROR.INVALID"},
        {"/v1/users?sort=email", "sort", "PARAMETER_ERROR.INVALID"},
        {"/v1/users?cursor=garbage", "cursor", "PARAMETER_ERROR.INVALID"},
        {"/v1/users?bogus=1", "bogus", "PARAMETER_ERROR.ILLEGAL"},
        {"/v1/certificates?include=passTypeId", "include", "PARAMETER_ERROR.ILLEGAL"},
    };
    for (const auto& b : bad) {
      CAPTURE(b.path);
      auto doc = get_json(fx, b.path, 400);
      CHECK(doc["errors"][0]["status"] == "400");
      CHECK(doc["errors"][0]["code"] == b.code);
      CHECK(doc["errors"][0]["source"]["parameter"] == b.parameter);
      CHECK_FALSE(doc["errors"][0]["detail"].get<std::string>().empty());
    }
    // limit[builds] goes up to 1000 on betaGroups.
    get_json(fx, "/v1/betaGroups?include=builds&limit[builds]=1000", 200);
  }
}
