#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "support/sim_fixture.hpp"

using nlohmann::json;

TEST_CASE("ascsim serves GET /v1/apps with a valid token") {
  test_support::SimFixture fx;
  const auto app = fx.sim->add_app("com.example.one", "One");
  auto cli = fx.client();
  auto res = cli->Get("/v1/apps", fx.auth());
  REQUIRE(res);
  CHECK(res->status == 200);
  auto doc = json::parse(res->body);
  REQUIRE(doc["data"].size() == 1);
  CHECK(doc["data"][0]["id"] == app);
  CHECK(doc["data"][0]["type"] == "apps");
  CHECK(doc["data"][0]["attributes"]["bundleId"] == "com.example.one");
  CHECK(doc["links"]["self"].get<std::string>().find("/v1/apps") != std::string::npos);
  CHECK(doc["meta"]["paging"]["total"] == 1);
  CHECK(res->get_header_value("X-Rate-Limit") == "user-hour-lim:3600;user-hour-rem:3599;");
}
