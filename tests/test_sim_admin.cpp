// ascsim admin API (/_sim/), state dump/load, malformed input, unknown routes and TLS mode.
#include <doctest/doctest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <filesystem>

#include "support/sim_fixture.hpp"

using nlohmann::json;
using test_support::send;

namespace {

json admin(test_support::SimFixture& fx, const std::string& method, const std::string& path, const json& body,
           int expected) {
  auto cli = fx.client();
  const std::string text = body.is_null() ? "" : body.dump();
  httplib::Result res = method == "GET"    ? cli->Get(path)
                        : method == "POST" ? cli->Post(path, text, "application/json")
                        : method == "PUT"  ? cli->Put(path, text, "application/json")
                                           : cli->Delete(path);
  REQUIRE(res);
  CHECK_MESSAGE(res->status == expected, method << " " << path << " -> " << res->body);
  return json::parse(res->body);
}

// A throwaway self-signed certificate for 127.0.0.1 (SAN), written as PEM files.
void write_self_signed(const std::string& cert_path, const std::string& key_path) {
  auto key = util::generate_p256_key();
  std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), &X509_free);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("127.0.0.1"),
                             -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
  X509_EXTENSION* san = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, "IP:127.0.0.1");
  REQUIRE(san != nullptr);
  X509_add_ext(cert.get(), san, -1);
  X509_EXTENSION_free(san);
  REQUIRE(X509_sign(cert.get(), key.get(), EVP_sha256()) > 0);
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  PEM_write_bio_X509(bio.get(), cert.get());
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  REQUIRE(util::write_file_atomic(cert_path, std::string(data, static_cast<size_t>(len)), 0600).ok());
  REQUIRE(util::write_file_atomic(key_path, util::private_key_to_pem(key.get()), 0600).ok());
}

}  // namespace

TEST_CASE("ascsim admin API drives state, clock, faults, keys and observation over HTTP") {
  test_support::SimFixture fx;
  const std::string app =
      admin(fx, "POST", "/_sim/apps", {{"bundleId", "com.example.adm"}, {"name", "Adm"}}, 201)["id"];
  const std::string group = admin(fx, "POST", "/_sim/betaGroups",
                                  {{"appId", app}, {"name", "G"}, {"isInternal", false}}, 201)["id"];
  const std::string tester =
      admin(fx, "POST", "/_sim/betaTesters", {{"email", "t@example.org"}, {"groupIds", {group}}}, 201)["id"];
  const std::string user =
      admin(fx, "POST", "/_sim/users", {{"email", "u@example.org"}, {"roles", {"DEVELOPER"}}}, 201)["id"];
  admin(fx, "POST", "/_sim/betaGroups", {{"appId", "nope"}, {"name", "G"}}, 400);
  CHECK(send(fx, "GET", "/v1/betaGroups/" + group + "/betaTesters").body["data"][0]["id"] == tester);

  send(fx, "POST", "/v1/userInvitations",
       {{"data",
         {{"type", "userInvitations"},
          {"attributes",
           {{"email", "inv@example.org"},
            {"firstName", "I"},
            {"lastName", "N"},
            {"roles", {"MARKETING"}}}}}}});
  const std::string accepted =
      admin(fx, "POST", "/_sim/invitations/accept", {{"email", "INV@example.org"}}, 200)["userId"];
  CHECK(send(fx, "GET", "/v1/users/" + accepted).status == 200);
  admin(fx, "POST", "/_sim/invitations/accept", {{"email", "none@example.org"}}, 404);

  const std::string before = admin(fx, "GET", "/_sim/clock", nullptr, 200)["now"];
  const std::string after = admin(fx, "POST", "/_sim/clock/advance", {{"seconds", 86400}}, 200)["now"];
  CHECK(after > before);
  CHECK(admin(fx, "GET", "/_sim/clock", nullptr, 200)["offsetSeconds"] == 86400);

  admin(fx, "POST", "/_sim/faults", {{"route", "GET /v1/apps"}, {"errorRate", 1.0}, {"errorStatus", 500}},
        201);
  CHECK(admin(fx, "GET", "/_sim/faults", nullptr, 200).size() == 1);
  CHECK(send(fx, "GET", "/v1/apps").status == 500);
  admin(fx, "DELETE", "/_sim/faults", nullptr, 200);
  CHECK(send(fx, "GET", "/v1/apps").status == 200);

  auto counters = admin(fx, "GET", "/_sim/counters", nullptr, 200);
  CHECK(counters["requests"].get<long long>() >= 4);
  CHECK(counters["writes"] == 1);
  CHECK(admin(fx, "GET", "/_sim/requests", nullptr, 200).size() == counters["requests"].get<size_t>());
  admin(fx, "POST", "/_sim/counters/reset", nullptr, 200);
  CHECK(admin(fx, "GET", "/_sim/counters", nullptr, 200)["requests"] == 0);

  // Keys: a second key registered over HTTP works; revoking it makes it fail.
  auto key2 = util::generate_p256_key();
  admin(fx, "POST", "/_sim/keys",
        {{"issuerId", fx.issuer_id},
         {"keyId", "SECONDKEY1"},
         {"publicKeyPem", util::public_key_to_pem(key2.get())},
         {"role", "APP_MANAGER"}},
        201);
  auto token =
      asc::make_token(key2.get(), {fx.issuer_id, "SECONDKEY1", fx.sim->now(), std::chrono::seconds(600)});
  REQUIRE(token.ok());
  auto cli = fx.client();
  CHECK(cli->Get("/v1/betaGroups", {{"Authorization", "Bearer " + *token}})->status == 200);
  CHECK(cli->Get("/v1/users", {{"Authorization", "Bearer " + *token}})->status == 403);
  admin(fx, "DELETE", "/_sim/keys/SECONDKEY1", nullptr, 200);
  CHECK(cli->Get("/v1/betaGroups", {{"Authorization", "Bearer " + *token}})->status == 401);

  // Dump, reset, load: the same state comes back.
  const json dumped = admin(fx, "GET", "/_sim/state", nullptr, 200);
  CHECK(dumped["betaTesters"][0]["groups"] == json({group}));
  admin(fx, "POST", "/_sim/reset", nullptr, 200);
  CHECK(send(fx, "GET", "/v1/apps").body["data"].empty());
  admin(fx, "PUT", "/_sim/state", dumped, 200);
  CHECK(admin(fx, "GET", "/_sim/state", nullptr, 200) == dumped);
  CHECK(send(fx, "GET", "/v1/users/" + user).status == 200);
  admin(fx, "PUT", "/_sim/state",
        {{"betaTesters", {{{"id", "x"}, {"email", "a@b.c"}, {"groups", {"missing"}}}}}}, 400);
  CHECK(admin(fx, "GET", "/_sim/state", nullptr, 200) == dumped);  // a bad load changes nothing
}

TEST_CASE("ascsim answers malformed input with Apple-shaped 4xx, never a crash") {
  test_support::SimFixture fx;
  const auto app = fx.sim->add_app("com.example.mal", "Mal");
  auto cli = fx.client();
  struct Case {
    const char* name;
    std::string method;
    std::string path;
    std::string body;
    int status;
  };
  const std::string big(1024 * 1024 + 10, 'x');
  const std::vector<Case> cases = {
      {"not JSON", "POST", "/v1/betaGroups", "{not json", 422},
      {"empty body", "POST", "/v1/betaTesters", "", 422},
      {"array body", "POST", "/v1/betaTesters", "[1,2]", 422},
      {"no data", "POST", "/v1/betaTesters", R"({"date":{}})", 422},
      {"wrong type", "POST", "/v1/betaTesters",
       R"({"data":{"type":"users","attributes":{"email":"a@b.co"}}})", 409},
      {"wrong attribute type", "POST", "/v1/betaTesters",
       R"({"data":{"type":"betaTesters","attributes":{"email":42}}})", 422},
      {"unknown attribute", "POST", "/v1/betaTesters",
       R"({"data":{"type":"betaTesters","attributes":{"email":"a@b.co","nickname":"x"}}})", 409},
      {"bad linkage", "POST", "/v1/betaGroups/x/relationships/betaTesters", R"({"data":[{"id":1}]})", 404},
      {"bad linkage shape", "DELETE", "/v1/apps/" + app + "/relationships/betaTesters",
       R"({"data":[{"id":1}]})", 422},
      {"wrong linkage type", "DELETE", "/v1/apps/" + app + "/relationships/betaTesters",
       R"({"data":[{"type":"apps","id":"1"}]})", 409},
      {"bad email", "POST", "/v1/betaTesters",
       R"({"data":{"type":"betaTesters","attributes":{"email":"nope"}}})", 409},
      {"unknown path", "GET", "/v1/nothingHere", "", 404},
      {"unknown method on a known path", "PUT", "/v1/betaTesters", "{}", 405},
      {"huge body", "POST", "/v1/betaTesters", big, 413},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    httplib::Result res = c.method == "GET"    ? cli->Get(c.path, fx.auth())
                          : c.method == "POST" ? cli->Post(c.path, fx.auth(), c.body, "application/json")
                          : c.method == "PUT"  ? cli->Put(c.path, fx.auth(), c.body, "application/json")
                                               : cli->Delete(c.path, fx.auth(), c.body, "application/json");
    REQUIRE(res);
    CHECK(res->status == c.status);
    auto doc = json::parse(res->body, nullptr, false);
    REQUIRE(doc.is_object());
    REQUIRE(doc.contains("errors"));
    CHECK(doc["errors"][0]["status"] == std::to_string(c.status));
    for (const char* member : {"code", "title", "detail"}) CHECK(doc["errors"][0][member].is_string());
  }
  // Still serving.
  CHECK(send(fx, "GET", "/v1/apps").status == 200);
}

TEST_CASE("ascsim serves HTTPS when given a certificate and key") {
  char tmpl[] = "/tmp/ascsim-tls-XXXXXX";
  REQUIRE(mkdtemp(tmpl) != nullptr);
  const std::string dir = tmpl;
  write_self_signed(dir + "/cert.pem", dir + "/key.pem");
  sim::Options o;
  o.tls_cert_file = dir + "/cert.pem";
  o.tls_key_file = dir + "/key.pem";
  {
    test_support::SimFixture fx(o);
    CHECK(fx.base_url.rfind("https://127.0.0.1:", 0) == 0);
    fx.sim->add_app("com.example.tls", "TLS");
    httplib::Client cli(fx.base_url);
    cli.set_ca_cert_path(dir + "/cert.pem");
    cli.enable_server_certificate_verification(true);
    auto res = cli.Get("/v1/apps", fx.auth());
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(json::parse(res->body)["data"][0]["links"]["self"].get<std::string>().rfind("https://", 0) == 0);
    // A dropped connection works over TLS too.
    fx.sim->add_fault({.route = "GET /v1/apps", .drop_rate = 1.0});
    CHECK_FALSE(cli.Get("/v1/apps", fx.auth()));
  }
  std::filesystem::remove_all(dir);
}
