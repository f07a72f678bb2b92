// ascsim certificates and profiles as issue 10 needs them: profiles whose content is a CMS-signed
// plist like Apple's, per-type slots (configurable, pending requests counted), foreign
// certificates, expiry and revocation "as a person in the web UI", and ageing the world while
// tokens stay on real time. All over HTTP.
#include <doctest/doctest.h>
#include <openssl/cms.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <memory>
#include <thread>
#include <vector>

#include "support/sim_fixture.hpp"
#include "util/crypto.hpp"
#include "util/strings.hpp"
#include "util/time.hpp"

using nlohmann::json;
using test_support::admin_send;
using test_support::certificate_request;
using test_support::linkages;
using test_support::send;

namespace {

constexpr auto k_day = std::chrono::hours(24);

struct CertsWorld {
  test_support::SimFixture fx;
  std::string bundle;
  std::string device;
  std::string device_udid = "00008030-000A11B22C33D44E";

  explicit CertsWorld(sim::Options o = {}) : fx(std::move(o)) {
    auto b =
        send(fx, "POST", "/v1/bundleIds",
             {{"data",
               {{"type", "bundleIds"},
                {"attributes", {{"identifier", "com.acme.shop"}, {"name", "Shop"}, {"platform", "IOS"}}}}}});
    REQUIRE(b.status == 201);
    bundle = b.body["data"]["id"];
    auto d = send(fx, "POST", "/v1/devices",
                  {{"data",
                    {{"type", "devices"},
                     {"attributes", {{"name", "QA iPhone"}, {"udid", device_udid}, {"platform", "IOS"}}}}}});
    REQUIRE(d.status == 201);
    device = d.body["data"]["id"];
  }

  std::string certificate(const std::string& type) {
    auto c = send(fx, "POST", "/v1/certificates", certificate_request(type));
    REQUIRE(c.status == 201);
    return c.body["data"]["id"];
  }

  test_support::JsonReply profile(const std::string& name, const std::string& type,
                                  const std::vector<std::string>& certs,
                                  const std::vector<std::string>& devices) {
    json rels = {{"bundleId", {{"data", {{"type", "bundleIds"}, {"id", bundle}}}}},
                 {"certificates", linkages("certificates", certs)}};
    if (!devices.empty()) rels["devices"] = linkages("devices", devices);
    return send(fx, "POST", "/v1/profiles",
                {{"data",
                  {{"type", "profiles"},
                   {"attributes", {{"name", name}, {"profileType", type}}},
                   {"relationships", rels}}}});
  }
};

// The plist inside a profileContent, after verifying the CMS signature up to the simulator's
// root (OpenSSL's C API, as `openssl cms -verify -CAfile root.pem -inform DER` does).
std::string verified_plist(const std::string& profile_content, const std::string& root_pem) {
  auto der = util::base64_decode(profile_content);
  REQUIRE(der.ok());
  std::unique_ptr<BIO, decltype(&BIO_free)> in(BIO_new_mem_buf(der->data(), static_cast<int>(der->size())),
                                               &BIO_free);
  std::unique_ptr<CMS_ContentInfo, decltype(&CMS_ContentInfo_free)> cms(d2i_CMS_bio(in.get(), nullptr),
                                                                        &CMS_ContentInfo_free);
  REQUIRE(cms);
  std::unique_ptr<BIO, decltype(&BIO_free)> root_bio(
      BIO_new_mem_buf(root_pem.data(), static_cast<int>(root_pem.size())), &BIO_free);
  std::unique_ptr<X509, decltype(&X509_free)> root(
      PEM_read_bio_X509(root_bio.get(), nullptr, nullptr, nullptr), &X509_free);
  REQUIRE(root);
  std::unique_ptr<X509_STORE, decltype(&X509_STORE_free)> store(X509_STORE_new(), &X509_STORE_free);
  REQUIRE(X509_STORE_add_cert(store.get(), root.get()) == 1);
  std::unique_ptr<BIO, decltype(&BIO_free)> out(BIO_new(BIO_s_mem()), &BIO_free);
  REQUIRE(CMS_verify(cms.get(), nullptr, store.get(), nullptr, out.get(), CMS_BINARY) == 1);
  char* data = nullptr;
  const long len = BIO_get_mem_data(out.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

// The text between <key>name</key> and the next key or the end of its dict, trimmed: enough to check one
// plist value.
std::string plist_value(const std::string& plist, const std::string& name) {
  const std::string k = "<key>" + name + "</key>";
  const auto at = plist.find(k);
  if (at == std::string::npos) return {};
  const auto from = at + k.size();
  const auto next = std::min(plist.find("<key>", from), plist.find("</dict>", from));
  return util::trim(plist.substr(from, next == std::string::npos ? std::string::npos : next - from));
}

std::string plist_date_text(util::TimePoint t) {
  std::string s = util::format_rfc3339(t);  // 2026-11-21T10:37:11.000+00:00
  return "<date>" + s.substr(0, 19) + "Z</date>";
}

util::TimePoint attribute_date(const json& resource, const char* name) {
  auto t = util::parse_rfc3339(resource["attributes"][name].get<std::string>());
  REQUIRE(t);
  return *t;
}

// notAfter of a certificateContent (base64 DER).
util::TimePoint der_not_after(const std::string& content) {
  auto der = util::base64_decode(content);
  REQUIRE(der.ok());
  const auto* p = reinterpret_cast<const unsigned char*>(der->data());
  std::unique_ptr<X509, decltype(&X509_free)> cert(d2i_X509(nullptr, &p, static_cast<long>(der->size())),
                                                   &X509_free);
  REQUIRE(cert);
  std::tm tm{};
  REQUIRE(ASN1_TIME_to_tm(X509_get0_notAfter(cert.get()), &tm) == 1);
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

}  // namespace

TEST_CASE("ascsim profiles: content is a CMS-signed plist carrying certificates, entitlements and dates") {
  CertsWorld w;
  const std::string cert = w.certificate("IOS_DISTRIBUTION");
  auto created = w.profile("Shop App Store", "IOS_APP_STORE", {cert}, {});
  REQUIRE(created.status == 201);
  const json& p = created.body["data"];
  CHECK(p["attributes"]["profileState"] == "ACTIVE");
  CHECK(p["attributes"]["platform"] == "IOS");
  const auto created_at = attribute_date(p, "createdDate");
  const auto expires = attribute_date(p, "expirationDate");
  // min(certificate expiry, one year): a fresh certificate lasts a year from the same second.
  auto cert_doc = send(w.fx, "GET", "/v1/certificates/" + cert);
  const auto cert_expires = attribute_date(cert_doc.body["data"], "expirationDate");
  CHECK(expires == std::min(cert_expires, created_at + 365 * k_day));

  const std::string team = w.fx.sim->team_id();
  const std::string plist = verified_plist(p["attributes"]["profileContent"], w.fx.sim->ca_root_pem());
  CHECK(plist.rfind("<?xml", 0) == 0);
  CHECK(plist_value(plist, "Name") == "<string>Shop App Store</string>");
  CHECK(plist_value(plist, "UUID") == "<string>" + p["attributes"]["uuid"].get<std::string>() + "</string>");
  CHECK(plist_value(plist, "ExpirationDate") == plist_date_text(expires));
  CHECK(plist_value(plist, "CreationDate") == plist_date_text(created_at));
  CHECK(plist_value(plist, "application-identifier") == "<string>" + team + ".com.acme.shop</string>");
  CHECK(plist_value(plist, "com.apple.developer.team-identifier") == "<string>" + team + "</string>");
  CHECK(plist_value(plist, "get-task-allow") == "<false/>");
  CHECK(plist_value(plist, "ProvisionsAllDevices") == "<false/>");
  CHECK(plist.find("<key>ProvisionedDevices</key>") == std::string::npos);
  CHECK(plist_value(plist, "TeamIdentifier").find("<string>" + team + "</string>") != std::string::npos);
  const std::string cert_content = cert_doc.body["data"]["attributes"]["certificateContent"];
  CHECK(plist_value(plist, "DeveloperCertificates").find("<data>" + cert_content + "</data>") !=
        std::string::npos);

  // The openssl CLI opens it the same way (-noverify: no trust store).
  const std::string dir = w.fx.dir;
  auto der = util::base64_decode(p["attributes"]["profileContent"].get<std::string>());
  REQUIRE(der.ok());
  std::ofstream(dir + "/shop.mobileprovision", std::ios::binary) << *der;
  const std::string cmd = "openssl cms -verify -noverify -inform DER -in " + dir +
                          "/shop.mobileprovision -out " + dir + "/shop.plist 2>/dev/null";
  REQUIRE(std::system(cmd.c_str()) == 0);
  std::ifstream extracted(dir + "/shop.plist");
  const std::string cli_plist((std::istreambuf_iterator<char>(extracted)), std::istreambuf_iterator<char>());
  CHECK(cli_plist == plist);
}

TEST_CASE("ascsim profiles: devices for development and ad hoc only, certificates that fit, unique names") {
  CertsWorld w;
  const std::string dist = w.certificate("IOS_DISTRIBUTION");
  const std::string dev = w.certificate("IOS_DEVELOPMENT");

  auto no_devices = w.profile("Shop Dev", "IOS_APP_DEVELOPMENT", {dev}, {});
  CHECK(no_devices.status == 409);
  CHECK(no_devices.code() == "ENTITY_ERROR.RELATIONSHIP.REQUIRED");
  auto store_with_devices = w.profile("Shop Store", "IOS_APP_STORE", {dist}, {w.device});
  CHECK(store_with_devices.status == 409);
  CHECK(store_with_devices.code() == "ENTITY_ERROR.RELATIONSHIP.NOT_ALLOWED");
  CHECK(store_with_devices.body["errors"][0]["detail"] ==
        "No devices can be associated to Provisioning Profiles for the App Store.");
  auto wrong_cert = w.profile("Shop Dev", "IOS_APP_DEVELOPMENT", {dist}, {w.device});
  CHECK(wrong_cert.status == 409);
  CHECK(wrong_cert.code() == "ENTITY_ERROR.RELATIONSHIP.INVALID");
  CHECK(wrong_cert.body["errors"][0]["source"]["pointer"] == "/data/relationships/certificates/data/0");

  auto dev_profile = w.profile("Shop Dev", "IOS_APP_DEVELOPMENT", {dev}, {w.device});
  REQUIRE(dev_profile.status == 201);
  const std::string plist =
      verified_plist(dev_profile.body["data"]["attributes"]["profileContent"], w.fx.sim->ca_root_pem());
  CHECK(plist_value(plist, "get-task-allow") == "<true/>");
  CHECK(plist_value(plist, "ProvisionedDevices").find("<string>" + w.device_udid + "</string>") !=
        std::string::npos);
  auto adhoc = w.profile("Shop Ad Hoc", "IOS_APP_ADHOC", {dist}, {w.device});
  REQUIRE(adhoc.status == 201);
  auto store = w.profile("Shop Store", "IOS_APP_STORE", {dist}, {});
  REQUIRE(store.status == 201);

  // Names are unique per team, whatever the type.
  auto dup = w.profile("Shop Store", "IOS_APP_ADHOC", {dist}, {w.device});
  CHECK(dup.status == 409);
  CHECK(dup.code() == "ENTITY_ERROR.ATTRIBUTE.INVALID.DUPLICATE");
  CHECK(dup.body["errors"][0]["source"]["pointer"] == "/data/attributes/name");

  // What the client reads.
  auto by_name =
      send(w.fx, "GET", "/v1/profiles?filter[name]=Shop%20Store&include=bundleId,certificates,devices");
  REQUIRE(by_name.status == 200);
  REQUIRE(by_name.body["data"].size() == 1);
  CHECK(by_name.body["data"][0]["relationships"]["certificates"]["data"][0]["id"] == dist);
  CHECK(by_name.body["data"][0]["relationships"]["bundleId"]["data"]["id"] == w.bundle);
  CHECK(by_name.body["included"].size() == 2);  // the bundle id and the certificate
  CHECK(send(w.fx, "GET", "/v1/profiles?filter[profileType]=IOS_APP_ADHOC,IOS_APP_DEVELOPMENT")
            .body["data"]
            .size() == 2);
  CHECK(send(w.fx, "GET", "/v1/profiles?filter[profileState]=ACTIVE").body["data"].size() == 3);
  const std::string store_id = store.body["data"]["id"];
  CHECK(send(w.fx, "DELETE", "/v1/profiles/" + store_id).status == 204);
  CHECK(send(w.fx, "GET", "/v1/profiles/" + store_id).status == 404);
  CHECK(w.profile("Shop Store", "IOS_APP_STORE", {dist}, {}).status == 201);  // the name is free again

  // An expired certificate cannot sign a new profile.
  CHECK(admin_send(w.fx, "POST", "/_sim/certificates/" + dist + "/expire").status == 200);
  auto expired = w.profile("Shop Store 2", "IOS_APP_STORE", {dist}, {});
  CHECK(expired.status == 409);
  CHECK(expired.code() == "ENTITY_ERROR.RELATIONSHIP.INVALID");
}

TEST_CASE("ascsim certificate slots: per-type limits from the state, pending requests hold a slot") {
  CertsWorld w;
  json st = w.fx.sim->dump_state();
  CHECK(st["certificateSlotLimits"] == json::object());
  st["certificateSlotLimits"] = {{"IOS_DISTRIBUTION", 2}};
  REQUIRE(admin_send(w.fx, "PUT", "/_sim/state", st).status == 200);
  CHECK(w.fx.sim->dump_state()["certificateSlotLimits"] == json{{"IOS_DISTRIBUTION", 2}});
  auto slots = admin_send(w.fx, "GET", "/_sim/certificates/slots");
  CHECK(slots.body["IOS_DISTRIBUTION"] == json{{"used", 0}, {"limit", 2}});
  CHECK(slots.body["DISTRIBUTION"] == json{{"used", 0}, {"limit", 3}});  // --cert-slots default

  w.certificate("IOS_DISTRIBUTION");
  // Concurrent requests for the last slot: exactly one wins, the others get Apple's 409.
  std::atomic<int> created{0}, refused{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&] {
      auto r = send(w.fx, "POST", "/v1/certificates", certificate_request("IOS_DISTRIBUTION"));
      if (r.status == 201) ++created;
      if (r.status == 409 &&
          r.body["errors"][0]["detail"] ==
              "You already have a current iOS Distribution certificate or a pending certificate request.")
        ++refused;
    });
  for (auto& t : threads) t.join();
  CHECK(created == 1);
  CHECK(refused == 3);
  auto full = send(w.fx, "POST", "/v1/certificates", certificate_request("IOS_DISTRIBUTION"));
  CHECK(full.status == 409);
  CHECK(full.code() == "ENTITY_ERROR.ATTRIBUTE.INVALID");
  CHECK(full.body["errors"][0]["source"]["pointer"] == "/data/attributes/certificateType");
  // Other types keep their own slots.
  CHECK(send(w.fx, "POST", "/v1/certificates", certificate_request("DISTRIBUTION")).status == 201);
  CHECK(admin_send(w.fx, "GET", "/_sim/certificates/slots").body["IOS_DISTRIBUTION"]["used"] == 2);
  REQUIRE(admin_send(w.fx, "PUT", "/_sim/certificates/slots", {{"DISTRIBUTION", 1}}).status == 200);
  CHECK(send(w.fx, "POST", "/v1/certificates", certificate_request("DISTRIBUTION"))
            .body["errors"][0]["detail"] ==
        "You already have a current Distribution certificate or a pending certificate request.");

  // Raising the limit over the admin API frees one.
  auto raised = admin_send(w.fx, "PUT", "/_sim/certificates/slots", {{"IOS_DISTRIBUTION", 3}});
  CHECK(raised.status == 200);
  CHECK(send(w.fx, "POST", "/v1/certificates", certificate_request("IOS_DISTRIBUTION")).status == 201);
  CHECK(admin_send(w.fx, "PUT", "/_sim/certificates/slots", {{"IOS_DIST", 3}}).status == 400);
  CHECK(admin_send(w.fx, "PUT", "/_sim/certificates/slots", {{"IOS_DISTRIBUTION", -1}}).status == 400);
  CHECK(admin_send(w.fx, "PUT", "/_sim/certificates/slots", {{"IOS_DISTRIBUTION", "3"}}).status == 400);
}

TEST_CASE("ascsim admin certificates: foreign ones are real X.509, take slots, expire and revoke") {
  CertsWorld w;
  auto foreign =
      admin_send(w.fx, "POST", "/_sim/certificates",
                 {{"certificateType", "IOS_DISTRIBUTION"}, {"name", "Agency Mac"}, {"expiresInDays", 20}});
  REQUIRE(foreign.status == 201);
  const std::string id = foreign.body["id"];
  CHECK(foreign.body["serialNumber"].get<std::string>().size() == 16);
  CHECK(foreign.body["name"] == "iPhone Distribution: Agency Mac");
  auto listed = send(w.fx, "GET", "/v1/certificates/" + id);
  REQUIRE(listed.status == 200);
  const auto expires = attribute_date(listed.body["data"], "expirationDate");
  CHECK(expires > w.fx.sim->now() + 19 * k_day);
  CHECK(expires <= w.fx.sim->now() + 20 * k_day);
  CHECK(der_not_after(listed.body["data"]["attributes"]["certificateContent"]) == expires);
  CHECK(listed.body["data"]["attributes"]["serialNumber"] == foreign.body["serialNumber"]);

  // A profile on it expires with it (min of certificate expiry and one year).
  auto profile = w.profile("Agency Store", "IOS_APP_STORE", {id}, {});
  REQUIRE(profile.status == 201);
  const std::string profile_id = profile.body["data"]["id"];
  CHECK(attribute_date(profile.body["data"], "expirationDate") == expires);

  // Fill the slots with foreign certificates: the web UI refuses a fourth, as the API does.
  for (const char* name : {"Second", "Third"})
    CHECK(admin_send(w.fx, "POST", "/_sim/certificates",
                     {{"certificateType", "IOS_DISTRIBUTION"},
                      {"name", name},
                      {"expirationDate", "2099-01-01T00:00:00Z"}})
              .status == 201);
  auto fourth =
      admin_send(w.fx, "POST", "/_sim/certificates",
                 {{"certificateType", "IOS_DISTRIBUTION"}, {"name", "Fourth"}, {"expiresInDays", 300}});
  CHECK(fourth.status == 409);
  CHECK(fourth.body["error"].get<std::string>().find("You already have a current iOS Distribution") == 0);
  CHECK(send(w.fx, "POST", "/v1/certificates", certificate_request("IOS_DISTRIBUTION")).status == 409);
  CHECK(admin_send(w.fx, "POST", "/_sim/certificates",
                   {{"certificateType", "IOS_DISTRIBUTION"},
                    {"name", "Over"},
                    {"expiresInDays", 300},
                    {"enforceSlots", false}})
            .status == 201);

  // Expire one: it no longer holds a slot, its profiles turn INVALID (Apple's API has no EXPIRED).
  auto expired = admin_send(w.fx, "POST", "/_sim/certificates/" + id + "/expire");
  REQUIRE(expired.status == 200);
  CHECK(*util::parse_rfc3339(expired.body["expirationDate"].get<std::string>()) < w.fx.sim->now());
  CHECK(send(w.fx, "GET", "/v1/profiles/" + profile_id).body["data"]["attributes"]["profileState"] ==
        "INVALID");
  auto cert_after = send(w.fx, "GET", "/v1/certificates/" + id);
  REQUIRE(cert_after.status == 200);  // still listed, with its past date
  CHECK(der_not_after(cert_after.body["data"]["attributes"]["certificateContent"]) ==
        attribute_date(cert_after.body["data"], "expirationDate"));
  CHECK(admin_send(w.fx, "GET", "/_sim/certificates/slots").body["IOS_DISTRIBUTION"]["used"] == 3);

  // PATCH moves an expiry anywhere; revoking removes it and invalidates its profiles.
  const std::string other = w.certificate("DISTRIBUTION");
  auto store = w.profile("Other Store", "IOS_APP_STORE", {other}, {});
  REQUIRE(store.status == 201);
  auto patched = admin_send(w.fx, "PATCH", "/_sim/certificates/" + other, {{"expiresInDays", 5}});
  REQUIRE(patched.status == 200);
  CHECK(*util::parse_rfc3339(patched.body["expirationDate"].get<std::string>()) <=
        w.fx.sim->now() + 5 * k_day);
  CHECK(admin_send(w.fx, "DELETE", "/_sim/certificates/" + other).status == 200);
  CHECK(send(w.fx, "GET", "/v1/certificates/" + other).status == 404);
  CHECK(send(w.fx, "GET", "/v1/profiles/" + store.body["data"]["id"].get<std::string>())
            .body["data"]["attributes"]["profileState"] == "INVALID");
  CHECK(admin_send(w.fx, "DELETE", "/_sim/certificates/" + other).status == 404);
  CHECK(admin_send(w.fx, "POST", "/_sim/certificates/NOSUCHCERT/expire").status == 404);
}

TEST_CASE("ascsim admin certificates refuse bad bodies with the member named") {
  CertsWorld w;
  struct Case {
    const char* name;
    const char* method;
    std::string path;
    json body;
    const char* message;
  };
  const std::vector<Case> cases = {
      {"no expiry",
       "POST",
       "/_sim/certificates",
       {{"certificateType", "DEVELOPMENT"}, {"name", "A"}},
       "exactly one"},
      {"both expiries",
       "POST",
       "/_sim/certificates",
       {{"certificateType", "DEVELOPMENT"},
        {"name", "A"},
        {"expiresInDays", 3},
        {"expirationDate", "2030-01-01T00:00:00Z"}},
       "exactly one"},
      {"days as string",
       "POST",
       "/_sim/certificates",
       {{"certificateType", "DEVELOPMENT"}, {"name", "A"}, {"expiresInDays", "3"}},
       "member 'expiresInDays': expected integer"},
      {"bad date",
       "POST",
       "/_sim/certificates",
       {{"certificateType", "DEVELOPMENT"}, {"name", "A"}, {"expirationDate", "next year"}},
       "not an RFC 3339"},
      {"unknown type",
       "POST",
       "/_sim/certificates",
       {{"certificateType", "IOS_DIST"}, {"name", "A"}, {"expiresInDays", 3}},
       "unknown certificate type"},
      {"missing name",
       "POST",
       "/_sim/certificates",
       {{"certificateType", "DEVELOPMENT"}, {"expiresInDays", 3}},
       "'name'"},
      {"typo",
       "POST",
       "/_sim/certificates",
       {{"certificateType", "DEVELOPMENT"}, {"name", "A"}, {"expiresIndays", 3}},
       "unknown member 'expiresIndays'"},
      {"enforce as string",
       "POST",
       "/_sim/certificates",
       {{"certificateType", "DEVELOPMENT"}, {"name", "A"}, {"expiresInDays", 3}, {"enforceSlots", "no"}},
       "member 'enforceSlots': expected boolean"},
      {"age backwards", "POST", "/_sim/clock/age", {{"seconds", -5}}, "only ages forward"},
      {"age as string", "POST", "/_sim/clock/age", {{"seconds", "5"}}, "member 'seconds': expected integer"},
      {"age typo", "POST", "/_sim/clock/age", {{"days", 5}}, "unknown member 'days'"},
  };
  const json before = w.fx.sim->dump_state();
  for (const auto& c : cases) {
    CAPTURE(c.name);
    auto r = admin_send(w.fx, c.method, c.path, c.body);
    CHECK(r.status == 400);
    REQUIRE(r.body.is_object());
    CHECK_MESSAGE(r.body["error"].get<std::string>().find(c.message) != std::string::npos, r.body.dump());
  }
  CHECK(w.fx.sim->dump_state() == before);
}

TEST_CASE("ascsim ages the world: dates move into the past, tokens stay on real time") {
  CertsWorld w;
  const std::string early_token = w.fx.token();  // minted before; Apple checks it on its own clock
  const std::string cert = w.certificate("IOS_DISTRIBUTION");
  auto profile = w.profile("Shop Store", "IOS_APP_STORE", {cert}, {});
  REQUIRE(profile.status == 201);
  const std::string profile_id = profile.body["data"]["id"];
  const auto cert_expires =
      attribute_date(send(w.fx, "GET", "/v1/certificates/" + cert).body["data"], "expirationDate");
  const auto profile_created = attribute_date(profile.body["data"], "createdDate");
  const auto now_before = w.fx.sim->now();

  auto aged = admin_send(w.fx, "POST", "/_sim/clock/age", {{"seconds", 345 * 24 * 3600}});
  REQUIRE(aged.status == 200);
  CHECK(aged.body["agedSeconds"] == 345 * 24 * 3600);
  // The clock did not move: a token minted at real time before the ageing still works.
  CHECK(w.fx.sim->now() - now_before < std::chrono::minutes(5));
  CHECK(admin_send(w.fx, "GET", "/_sim/clock").body["offsetSeconds"] == 0);
  auto cli = w.fx.client();
  auto with_early = cli->Get("/v1/certificates/" + cert, {{"Authorization", "Bearer " + early_token}});
  REQUIRE(with_early);
  CHECK(with_early->status == 200);

  // The certificate now expires in about 20 days, in the document and in its DER.
  auto c = send(w.fx, "GET", "/v1/certificates/" + cert);
  const auto expires = attribute_date(c.body["data"], "expirationDate");
  CHECK(expires == cert_expires - 345 * k_day);
  CHECK(expires - w.fx.sim->now() > 19 * k_day);
  CHECK(expires - w.fx.sim->now() <= 20 * k_day);
  CHECK(der_not_after(c.body["data"]["attributes"]["certificateContent"]) == expires);
  // The profile aged with it, its content re-signed with the re-dated certificate.
  auto p = send(w.fx, "GET", "/v1/profiles/" + profile_id);
  CHECK(p.body["data"]["attributes"]["profileState"] == "ACTIVE");
  CHECK(attribute_date(p.body["data"], "createdDate") == profile_created - 345 * k_day);
  const std::string plist =
      verified_plist(p.body["data"]["attributes"]["profileContent"], w.fx.sim->ca_root_pem());
  CHECK(plist_value(plist, "ExpirationDate") ==
        plist_date_text(attribute_date(p.body["data"], "expirationDate")));
  CHECK(plist_value(plist, "DeveloperCertificates")
            .find("<data>" + c.body["data"]["attributes"]["certificateContent"].get<std::string>() +
                  "</data>") != std::string::npos);

  // Ageing past the expiry expires both: the slot is free and the profile INVALID.
  REQUIRE(admin_send(w.fx, "POST", "/_sim/clock/age", {{"seconds", 21 * 24 * 3600}}).status == 200);
  CHECK(send(w.fx, "GET", "/v1/profiles/" + profile_id).body["data"]["attributes"]["profileState"] ==
        "INVALID");
  CHECK(admin_send(w.fx, "GET", "/_sim/certificates/slots").body["IOS_DISTRIBUTION"]["used"] == 0);

  // The in-process API does the same.
  const std::string fresh = w.certificate("IOS_DISTRIBUTION");
  w.fx.sim->age_world(std::chrono::hours(24 * 10));
  CHECK(attribute_date(send(w.fx, "GET", "/v1/certificates/" + fresh).body["data"], "expirationDate") <
        w.fx.sim->now() + 356 * k_day);
}

TEST_CASE("ascsim state documents: certificateSlotLimits is read strictly") {
  test_support::SimFixture fx;
  const json good = fx.sim->dump_state();
  const std::vector<std::pair<json, std::string>> cases = {
      {json::array(), "expected an object"},
      {{{"IOS_DIST", 2}}, "not one of Apple's certificate types"},
      {{{"IOS_DISTRIBUTION", "2"}}, "expected a whole number of slots, got string"},
      {{{"IOS_DISTRIBUTION", 2.5}}, "expected a whole number of slots"},
      {{{"IOS_DISTRIBUTION", -1}}, "outside 0..1000"},
  };
  for (const auto& [limits, message] : cases) {
    CAPTURE(limits.dump());
    json st = good;
    st["certificateSlotLimits"] = limits;
    auto r = admin_send(fx, "PUT", "/_sim/state", st);
    CHECK(r.status == 400);
    CHECK_MESSAGE(r.body["error"].get<std::string>().find(message) != std::string::npos, r.body.dump());
  }
  CHECK(fx.sim->dump_state() == good);
  fx.sim->set_certificate_slot_limit("DISTRIBUTION", 1);
  CHECK(fx.sim->dump_state()["certificateSlotLimits"] == json{{"DISTRIBUTION", 1}});
  CHECK_THROWS_AS(fx.sim->set_certificate_slot_limit("NOPE", 1), std::invalid_argument);
  fx.sim->reset();
  CHECK(fx.sim->dump_state()["certificateSlotLimits"] == json::object());
}

TEST_CASE("ascsim signing routes: ADMIN keys, or App Manager / Developer keys with certificate access") {
  struct Case {
    const char* role;
    bool certificate_access;
    int status;
  };
  for (const Case c :
       {Case{"ADMIN", false, 201}, Case{"APP_MANAGER", false, 403}, Case{"APP_MANAGER", true, 201},
        Case{"DEVELOPER", true, 201}, Case{"MARKETING", true, 403}}) {
    CAPTURE(c.role);
    CAPTURE(c.certificate_access);
    test_support::SimFixture fx({}, c.role, c.certificate_access);
    auto created = send(fx, "POST", "/v1/certificates", certificate_request("IOS_DISTRIBUTION"));
    CHECK(created.status == c.status);
    CHECK(send(fx, "GET", "/v1/profiles").status == (c.status == 201 ? 200 : 403));
    if (c.status == 403) CHECK(created.code() == "FORBIDDEN_ERROR");
    CHECK(send(fx, "GET", "/v1/users").status == (std::string(c.role) == "ADMIN" ? 200 : 403));
  }
  // The admin API registers such keys too.
  test_support::SimFixture fx;
  auto key = util::generate_p256_key();
  REQUIRE(admin_send(fx, "POST", "/_sim/keys",
                     {{"issuerId", fx.issuer_id},
                      {"keyId", "CERTMGR001"},
                      {"publicKeyPem", util::public_key_to_pem(key.get())},
                      {"role", "APP_MANAGER"},
                      {"certificateAccess", true}})
              .status == 201);
  auto token =
      asc::make_token(key.get(), {fx.issuer_id, "CERTMGR001", fx.sim->now(), std::chrono::seconds(600)});
  REQUIRE(token.ok());
  auto res = fx.client()->Get("/v1/certificates", {{"Authorization", "Bearer " + *token}});
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(admin_send(fx, "POST", "/_sim/keys",
                   {{"issuerId", fx.issuer_id},
                    {"keyId", "CERTMGR002"},
                    {"publicKeyPem", util::public_key_to_pem(key.get())},
                    {"certificateAccess", "yes"}})
            .status == 400);
}

TEST_CASE("ascsim in-process certificate controls match the admin API") {
  test_support::SimFixture fx;
  fx.sim->set_certificate_slot_limit("IOS_DISTRIBUTION", 1);
  const auto id = fx.sim->add_foreign_certificate("IOS_DISTRIBUTION", "Agency", fx.sim->now() + 20 * k_day);
  CHECK_THROWS_WITH_AS(
      fx.sim->add_foreign_certificate("IOS_DISTRIBUTION", "Second", fx.sim->now() + k_day),
      "You already have a current iOS Distribution certificate or a pending certificate request.",
      std::runtime_error);
  const auto over = fx.sim->add_foreign_certificate("IOS_DISTRIBUTION", "Over", fx.sim->now() + k_day, false);
  CHECK_THROWS_AS(fx.sim->add_foreign_certificate("IOS_DIST", "Bad", fx.sim->now() + k_day),
                  std::invalid_argument);
  fx.sim->set_certificate_expiry(id, fx.sim->now() - k_day);
  CHECK(attribute_date(send(fx, "GET", "/v1/certificates/" + id).body["data"], "expirationDate") <
        fx.sim->now());
  CHECK_THROWS_AS(fx.sim->set_certificate_expiry("NOSUCHCERT", fx.sim->now()), std::invalid_argument);
  fx.sim->revoke_certificate(over);
  CHECK(send(fx, "GET", "/v1/certificates/" + over).status == 404);
  CHECK_THROWS_AS(fx.sim->revoke_certificate(over), std::invalid_argument);
  CHECK(fx.sim->ca_root_pem().rfind("-----BEGIN CERTIFICATE-----", 0) == 0);
  CHECK(fx.sim->team_id().size() == 10);
  CHECK(admin_send(fx, "GET", "/_sim/ca").body["teamId"] == fx.sim->team_id());
}
