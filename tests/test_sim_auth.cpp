// ascsim authentication (each 401 reason) and key roles (403).
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "support/sim_fixture.hpp"
#include "util/time.hpp"

using nlohmann::json;

namespace {

// Signs arbitrary header/claims, to build tokens the real minting code would never make.
std::string raw_token(EVP_PKEY* key, const json& header, const json& claims) {
  const std::string input =
      util::base64url_encode(header.dump()) + "." + util::base64url_encode(claims.dump());
  auto sig = util::es256_sign(key, input);
  REQUIRE(sig.ok());
  return input + "." + util::base64url_encode(*sig);
}

json good_claims(const test_support::SimFixture& fx) {
  const long long now = util::to_unix(fx.sim->now());
  return {{"iss", fx.issuer_id}, {"iat", now}, {"exp", now + 600}, {"aud", "appstoreconnect-v1"}};
}

json good_header(const test_support::SimFixture& fx) {
  return {{"alg", "ES256"}, {"kid", fx.key_id}, {"typ", "JWT"}};
}

}  // namespace

TEST_CASE("ascsim answers 401 NOT_AUTHORIZED for every kind of bad token") {
  test_support::SimFixture fx;
  fx.sim->add_app("com.example.a", "A");
  auto other_key = util::generate_p256_key();
  const long long now = util::to_unix(fx.sim->now());

  struct Case {
    const char* name;
    std::string authorization;
    const char* reason;
  };
  auto with_claims = [&](json claims) {
    return "Bearer " + raw_token(fx.key.get(), good_header(fx), claims);
  };
  json wrong_aud = good_claims(fx);
  wrong_aud["aud"] = "appstoreconnect-v2";
  json wrong_iss = good_claims(fx);
  wrong_iss["iss"] = "00000000-0000-0000-0000-000000000000";
  json expired = good_claims(fx);
  expired["iat"] = now - 1200;
  expired["exp"] = now - 10;
  json future_iat = good_claims(fx);
  future_iat["iat"] = now + 600;
  future_iat["exp"] = now + 900;
  json too_long = good_claims(fx);
  too_long["exp"] = now + 21 * 60;
  json unknown_kid_header = good_header(fx);
  unknown_kid_header["kid"] = "NOSUCHKEY1";

  const std::vector<Case> cases = {
      {"missing header", "", "missing Authorization"},
      {"not bearer", "Basic dXNlcjpwYXNz", "not a Bearer"},
      {"malformed", "Bearer abc.def", "malformed"},
      {"bad signature", "Bearer " + raw_token(other_key.get(), good_header(fx), good_claims(fx)),
       "bad signature"},
      {"unknown key", "Bearer " + raw_token(fx.key.get(), unknown_kid_header, good_claims(fx)),
       "unknown key"},
      {"wrong audience", with_claims(wrong_aud), "wrong audience"},
      {"wrong issuer", with_claims(wrong_iss), "wrong issuer"},
      {"expired", with_claims(expired), "expired"},
      {"iat in the future", with_claims(future_iat), "iat in the future"},
      {"exp beyond 20 minutes", with_claims(too_long), "20 minutes"},
  };
  auto cli = fx.client();
  for (const auto& c : cases) {
    CAPTURE(c.name);
    httplib::Headers h;
    if (!c.authorization.empty()) h.emplace("Authorization", c.authorization);
    auto res = cli->Get("/v1/apps", h);
    REQUIRE(res);
    CHECK(res->status == 401);
    auto doc = json::parse(res->body);
    CHECK(doc["errors"][0]["status"] == "401");
    CHECK(doc["errors"][0]["code"] == "NOT_AUTHORIZED");
    CHECK(doc["errors"][0]["detail"].get<std::string>().find(c.reason) != std::string::npos);
    CHECK(res->has_header("X-Rate-Limit"));
  }
  // The same request with a good token passes, so the failures above are about the token.
  auto ok = cli->Get("/v1/apps", {{"Authorization", with_claims(good_claims(fx))}});
  REQUIRE(ok);
  CHECK(ok->status == 200);
}

TEST_CASE("ascsim rejects a revoked key and tokens that expire once the clock moves") {
  test_support::SimFixture fx;
  auto cli = fx.client();
  const std::string token = fx.token(std::chrono::seconds(300));
  auto res = cli->Get("/v1/apps", {{"Authorization", "Bearer " + token}});
  REQUIRE(res);
  CHECK(res->status == 200);
  fx.sim->advance_clock(std::chrono::seconds(301));
  res = cli->Get("/v1/apps", {{"Authorization", "Bearer " + token}});
  REQUIRE(res);
  CHECK(res->status == 401);
  res = cli->Get("/v1/apps", fx.auth());  // minted at the moved clock
  REQUIRE(res);
  CHECK(res->status == 200);
  fx.sim->revoke_api_key(fx.key_id);
  res = cli->Get("/v1/apps", fx.auth());
  REQUIRE(res);
  CHECK(res->status == 401);
  CHECK(json::parse(res->body)["errors"][0]["detail"].get<std::string>().find("revoked") !=
        std::string::npos);
}

TEST_CASE("ascsim key roles: too weak a key gets 403 FORBIDDEN_ERROR") {
  struct Case {
    const char* role;
    const char* path;
    int status;
  };
  const std::vector<Case> cases = {
      {"DEVELOPER", "/v1/apps", 200},
      {"DEVELOPER", "/v1/users", 403},
      {"DEVELOPER", "/v1/betaGroups", 403},
      {"DEVELOPER", "/v1/certificates", 403},
      {"APP_MANAGER", "/v1/betaGroups", 200},
      {"APP_MANAGER", "/v1/betaTesters", 200},
      {"APP_MANAGER", "/v1/users", 403},
      {"APP_MANAGER", "/v1/userInvitations", 403},
      {"APP_MANAGER", "/v1/certificates", 403},
      {"APP_MANAGER", "/v1/devices", 403},
      {"ADMIN", "/v1/users", 200},
      {"ADMIN", "/v1/certificates", 200},
      {"ADMIN", "/v1/betaTesters", 200},
  };
  for (const auto& c : cases) {
    CAPTURE(c.role);
    CAPTURE(c.path);
    test_support::SimFixture fx({}, c.role);
    auto res = fx.client()->Get(c.path, fx.auth());
    REQUIRE(res);
    CHECK(res->status == c.status);
    if (c.status == 403) CHECK(json::parse(res->body)["errors"][0]["code"] == "FORBIDDEN_ERROR");
  }
}

TEST_CASE("ascsim accepts tokens without iat as Apple does, and refuses them with --strict-iat") {
  // The WWDC18 sample token and several widely used clients send only iss, exp and aud.
  const auto no_iat = [](const test_support::SimFixture& fx, long long exp_in) {
    json claims = good_claims(fx);
    claims.erase("iat");
    claims["exp"] = util::to_unix(fx.sim->now()) + exp_in;
    return "Bearer " + raw_token(fx.key.get(), good_header(fx), claims);
  };
  {
    test_support::SimFixture fx;
    auto cli = fx.client();
    auto ok = cli->Get("/v1/apps", {{"Authorization", no_iat(fx, 600)}});
    REQUIRE(ok);
    CHECK(ok->status == 200);
    // The 20-minute cap on exp still holds, measured from receipt.
    auto too_long = cli->Get("/v1/apps", {{"Authorization", no_iat(fx, 21 * 60)}});
    REQUIRE(too_long);
    CHECK(too_long->status == 401);
    CHECK(too_long->body.find("20 minutes") != std::string::npos);
    // An iat that is not a number is still malformed.
    json claims = good_claims(fx);
    claims["iat"] = "yesterday";
    auto bad = cli->Get("/v1/apps",
                        {{"Authorization", "Bearer " + raw_token(fx.key.get(), good_header(fx), claims)}});
    REQUIRE(bad);
    CHECK(bad->status == 401);
  }
  {
    sim::Options strict;
    strict.strict_iat = true;
    test_support::SimFixture fx(strict);
    auto res = fx.client()->Get("/v1/apps", {{"Authorization", no_iat(fx, 600)}});
    REQUIRE(res);
    CHECK(res->status == 401);
    CHECK(res->body.find("missing iat") != std::string::npos);
  }
}
