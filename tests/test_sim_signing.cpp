// ascsim certificates (through the CA), slots, revocation, profiles, bundle ids and devices.
#include <doctest/doctest.h>

#include "sim/csr.hpp"
#include "support/sim_fixture.hpp"
#include "util/time.hpp"

using nlohmann::json;
using test_support::linkages;
using test_support::send;

namespace {

json certificate_body(const std::string& type) {
  auto key = util::generate_rsa_key(2048);
  auto csr = sim::make_csr_pem(key.get(), "Jane Doe");
  REQUIRE(csr.ok());
  return {{"data",
           {{"type", "certificates"}, {"attributes", {{"csrContent", *csr}, {"certificateType", type}}}}}};
}

}  // namespace

TEST_CASE("ascsim issues certificates from CSRs, enforces per-type slots and frees expired ones") {
  sim::Options o;
  o.certificate_slot_limit = 2;
  o.certificate_validity = std::chrono::hours(24 * 30);
  test_support::SimFixture fx(o);
  auto first = send(fx, "POST", "/v1/certificates", certificate_body("IOS_DISTRIBUTION"));
  REQUIRE(first.status == 201);
  const auto& a = first.body["data"]["attributes"];
  CHECK(a["certificateType"] == "IOS_DISTRIBUTION");
  CHECK(a["platform"] == "IOS");
  CHECK_FALSE(a["serialNumber"].get<std::string>().empty());
  CHECK(a["displayName"] == "Jane Doe");
  auto der = util::base64_decode(a["certificateContent"].get<std::string>());
  REQUIRE(der.ok());
  CHECK(static_cast<unsigned char>((*der)[0]) == 0x30);  // a DER SEQUENCE
  auto expires = util::parse_rfc3339(a["expirationDate"].get<std::string>());
  REQUIRE(expires);
  CHECK(*expires > fx.sim->now() + std::chrono::hours(24 * 29));

  REQUIRE(send(fx, "POST", "/v1/certificates", certificate_body("IOS_DISTRIBUTION")).status == 201);
  auto full = send(fx, "POST", "/v1/certificates", certificate_body("IOS_DISTRIBUTION"));
  CHECK(full.status == 409);
  CHECK(full.body["errors"][0]["detail"].get<std::string>().find(
            "certificate or a pending certificate request.") != std::string::npos);
  CHECK(full.body["errors"][0]["detail"].get<std::string>().rfind("You already have a current ", 0) == 0);
  CHECK(send(fx, "POST", "/v1/certificates", certificate_body("DEVELOPMENT")).status == 201);

  fx.sim->advance_clock(std::chrono::hours(24 * 31));
  CHECK(send(fx, "POST", "/v1/certificates", certificate_body("IOS_DISTRIBUTION")).status == 201);

  auto bad_csr =
      send(fx, "POST", "/v1/certificates",
           {{"data",
             {{"type", "certificates"},
              {"attributes", {{"csrContent", "not a csr"}, {"certificateType", "DEVELOPMENT"}}}}}});
  CHECK(bad_csr.status == 409);
  CHECK(bad_csr.code() == "ENTITY_ERROR.ATTRIBUTE.INVALID");
  auto bad_type = send(fx, "POST", "/v1/certificates", certificate_body("IOS_DIST"));
  CHECK(bad_type.status == 409);
  CHECK(bad_type.body["errors"][0]["source"]["pointer"] == "/data/attributes/certificateType");
}

TEST_CASE("ascsim lists certificates with sparse fields; DELETE revokes and invalidates profiles") {
  test_support::SimFixture fx;
  const auto cert = fx.sim->add_certificate("IOS_DISTRIBUTION", "Team Cert");
  auto list =
      send(fx, "GET", "/v1/certificates?fields[certificates]=serialNumber,expirationDate,certificateType");
  REQUIRE(list.status == 200);
  REQUIRE(list.body["data"].size() == 1);
  CHECK_FALSE(list.body["data"][0]["attributes"].contains("certificateContent"));
  CHECK(list.body["data"][0]["attributes"].size() == 3);
  CHECK(send(fx, "GET", "/v1/certificates?filter[certificateType]=DEVELOPMENT").body["data"].empty());

  auto bundle =
      send(fx, "POST", "/v1/bundleIds",
           {{"data",
             {{"type", "bundleIds"},
              {"attributes", {{"identifier", "com.example.app"}, {"name", "App"}, {"platform", "IOS"}}}}}});
  REQUIRE(bundle.status == 201);
  const std::string bundle_id = bundle.body["data"]["id"];
  CHECK(send(fx, "POST", "/v1/bundleIds",
             {{"data",
               {{"type", "bundleIds"},
                {"attributes", {{"identifier", "COM.example.app"}, {"name", "Dup"}, {"platform", "IOS"}}}}}})
            .status == 409);
  auto device =
      send(fx, "POST", "/v1/devices",
           {{"data",
             {{"type", "devices"},
              {"attributes", {{"name", "Phone"}, {"udid", "00008030-0001"}, {"platform", "IOS"}}}}}});
  REQUIRE(device.status == 201);
  const std::string device_id = device.body["data"]["id"];
  CHECK(send(fx, "PATCH", "/v1/devices/" + device_id,
             {{"data", {{"type", "devices"}, {"id", device_id}, {"attributes", {{"status", "DISABLED"}}}}}})
            .body["data"]["attributes"]["status"] == "DISABLED");
  CHECK(send(fx, "DELETE", "/v1/devices/" + device_id).status == 405);

  json profile_body = {{"data",
                        {{"type", "profiles"},
                         {"attributes", {{"name", "App Store"}, {"profileType", "IOS_APP_STORE"}}},
                         {"relationships",
                          {{"bundleId", {{"data", {{"type", "bundleIds"}, {"id", bundle_id}}}}},
                           {"certificates", linkages("certificates", {cert})}}}}}};
  auto profile = send(fx, "POST", "/v1/profiles", profile_body);
  REQUIRE(profile.status == 201);
  const std::string profile_id = profile.body["data"]["id"];
  CHECK(profile.body["data"]["attributes"]["profileState"] == "ACTIVE");
  CHECK(send(fx, "POST", "/v1/profiles", profile_body).status == 409);  // same name
  auto with_include = send(fx, "GET", "/v1/profiles/" + profile_id + "?include=certificates,bundleId");
  CHECK(with_include.body["included"].size() == 2);

  CHECK(send(fx, "DELETE", "/v1/certificates/" + cert).status == 204);
  CHECK(send(fx, "GET", "/v1/certificates/" + cert).status == 404);
  CHECK(send(fx, "GET", "/v1/profiles/" + profile_id).body["data"]["attributes"]["profileState"] ==
        "INVALID");
  CHECK(send(fx, "GET", "/v1/profiles?filter[profileState]=INVALID").body["data"].size() == 1);
  CHECK(send(fx, "DELETE", "/v1/bundleIds/" + bundle_id).status == 409);  // a profile uses it
  CHECK(send(fx, "DELETE", "/v1/profiles/" + profile_id).status == 204);
  CHECK(send(fx, "DELETE", "/v1/bundleIds/" + bundle_id).status == 204);
}
