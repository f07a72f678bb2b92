// The simulator held to Apple's OpenAPI document: every operation of ENDPOINTS.md §6 goes through
// Stoplight Prism in validating proxy mode (--errors) in front of a real simulator, and any
// response violation fails the test. Rate-limit answers (429, undocumented in 3.8.0) are checked
// against the 4.4.1 copy through a second Prism. See docs/CONFORMANCE.md.
#include <doctest/doctest.h>
#include <httplib.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "asc/jwt.hpp"
#include "sim/simulator.hpp"
#include "support/prism.hpp"
#include "support/sim_fixture.hpp"
#include "util/crypto.hpp"

namespace {

using nlohmann::json;
using test_support::linkages;

const std::string k_spec_dir = std::string(ASCSYNC_TEST_SOURCE_DIR) + "/../shared/asc-openapi/";
const std::string k_spec_380 = k_spec_dir + "app-store-connect-openapi.json";
const std::string k_spec_441 = k_spec_dir + "app-store-connect-openapi-4.4.1.avdlee-patched.json";
constexpr auto k_prism_startup = std::chrono::seconds(120);  // ~4-13 s idle; the CI box is shared

// "METHOD /path/{id}" for every operation listed in ENDPOINTS.md §6.
std::set<std::string> section6_operations() {
  std::ifstream in(k_spec_dir + "ENDPOINTS.md");
  std::string line;
  bool inside = false;
  std::set<std::string> ops;
  const std::regex row(R"(^\| (GET|POST|PATCH|DELETE) \| `([^`]+)` \|)");
  while (std::getline(in, line)) {
    if (line.rfind("## 6.", 0) == 0)
      inside = true;
    else if (line.rfind("## 7.", 0) == 0)
      inside = false;
    std::smatch m;
    if (inside && std::regex_search(line, m, row)) ops.insert(m[1].str() + " " + m[2].str());
  }
  return ops;
}

// A throwaway RSA 2048 CSR, PEM, as a client would send in csrContent.
std::string make_csr_pem(const std::string& cn) {
  static util::Pkey key = util::generate_rsa_key(2048);
  std::unique_ptr<X509_REQ, decltype(&X509_REQ_free)> req(X509_REQ_new(), X509_REQ_free);
  X509_NAME* name = X509_REQ_get_subject_name(req.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(cn.data()),
                             static_cast<int>(cn.size()), -1, 0);
  X509_REQ_set_pubkey(req.get(), key.get());
  X509_REQ_sign(req.get(), key.get(), EVP_sha256());
  unsigned char* der = nullptr;
  const int len = i2d_X509_REQ(req.get(), &der);
  std::string bytes(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  std::string pem = "-----BEGIN CERTIFICATE REQUEST-----\n";
  const std::string b64 = util::base64_encode(bytes);
  for (size_t i = 0; i < b64.size(); i += 64) pem += b64.substr(i, 64) + "\n";
  return pem + "-----END CERTIFICATE REQUEST-----\n";
}

struct Exchange {
  int status = 0;  // 0 = no HTTP answer
  std::string body;
  httplib::Headers headers;
  json doc;  // parsed body, null when empty or not JSON

  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
  std::string id() const {
    return doc.is_object() && doc.contains("data") ? doc["data"].value("id", "") : "";
  }
};

// A team API key registered with a simulator, and the tokens it signs.
struct TeamKey {
  std::string issuer = "57246542-96fe-1a63-e053-0824d011072a";
  std::string key_id = "CONFORM01";
  util::Pkey key = util::generate_p256_key();

  void register_with(sim::Simulator& simulator) const {
    simulator.add_api_key(issuer, key_id, util::public_key_to_pem(key.get()), "ADMIN");
  }
  std::string token(const sim::Simulator& simulator) const {
    auto t = asc::make_token(key.get(), {issuer, key_id, simulator.now(), std::chrono::seconds(15 * 60)});
    REQUIRE(t.ok());
    return *t;
  }
};

// Sends requests through one Prism and checks each answer. Every step names its operation
// ("METHOD /v1/…/{id}") so coverage of §6 can be asserted.
class Driver {
 public:
  Driver(int prism_port, std::string token) : m_client("127.0.0.1", prism_port), m_token(std::move(token)) {
    m_client.set_read_timeout(30, 0);
    m_client.set_connection_timeout(5, 0);
    m_client.set_keep_alive(true);
  }

  Exchange send(const std::string& method, const std::string& path,
                const std::optional<json>& body = std::nullopt) {
    httplib::Headers headers = {{"Authorization", "Bearer " + m_token}, {"Accept", "application/json"}};
    const std::string payload = body ? body->dump() : std::string();
    const char* type = "application/json";
    httplib::Result r{nullptr, httplib::Error::Unknown};
    if (method == "GET")
      r = m_client.Get(path.c_str(), headers);
    else if (method == "POST")
      r = m_client.Post(path.c_str(), headers, payload, type);
    else if (method == "PATCH")
      r = m_client.Patch(path.c_str(), headers, payload, type);
    else if (method == "DELETE")
      r = body ? m_client.Delete(path.c_str(), headers, payload, type)
               : m_client.Delete(path.c_str(), headers);
    Exchange ex;
    if (!r) return ex;
    ex.status = r->status;
    ex.body = r->body;
    ex.headers = r->headers;
    if (!ex.body.empty()) ex.doc = json::parse(ex.body, nullptr, false);
    if (ex.doc.is_discarded()) ex.doc = nullptr;
    return ex;
  }

  // One checked exchange: the answer must have a status in `expected` and Prism must report no
  // violation of severity Error (with --errors it turns those into 500 VIOLATIONS).
  Exchange step(const std::string& operation, const std::string& method, const std::string& path,
                const std::set<int>& expected, const std::optional<json>& body = std::nullopt) {
    m_covered.insert(operation);
    Exchange ex = send(method, path, body);
    const std::string where = method + " " + path;
    CHECK_MESSAGE(ex.status != 0, where << ": no answer through Prism");
    if (ex.status == 0) {
      ++m_failures;
      return ex;
    }
    const bool prism_violation =
        ex.status == 500 && ex.body.find("prism/errors#VIOLATIONS") != std::string::npos;
    CHECK_MESSAGE(!prism_violation, "[" << operation << "] " << where << " violates the spec: " << ex.body);
    const std::string header_violations = ex.header("sl-violations");
    if (!header_violations.empty()) {
      const json v = json::parse(header_violations, nullptr, false);
      bool has_error = false;
      if (v.is_array())
        for (const auto& item : v)
          if (item.value("severity", "") == "Error") has_error = true;
      CHECK_MESSAGE(!has_error, "[" << operation << "] " << where << " sl-violations: " << header_violations);
      if (has_error)
        ++m_failures;
      else
        m_warnings.push_back(where + ": " + header_violations);
    }
    const bool status_ok = prism_violation || expected.contains(ex.status);
    CHECK_MESSAGE(status_ok, "[" << operation << "] " << where << " answered " << ex.status
                                 << ", expected one of " << join(expected) << ": " << ex.body.substr(0, 600));
    if (prism_violation || !status_ok) ++m_failures;
    return ex;
  }

  const std::set<std::string>& covered() const { return m_covered; }
  int failures() const { return m_failures; }
  // Violations below severity Error (Prism lets those through); printed, not failed.
  const std::vector<std::string>& warnings() const { return m_warnings; }

 private:
  static std::string join(const std::set<int>& statuses) {
    std::string out;
    for (int s : statuses) out += (out.empty() ? "" : "/") + std::to_string(s);
    return out;
  }

  httplib::Client m_client;
  std::string m_token;
  std::set<std::string> m_covered;
  int m_failures = 0;
  std::vector<std::string> m_warnings;
};

json to_one(const std::string& type, const std::string& id) {
  return {{"data", {{"type", type}, {"id", id}}}};
}

// Where a missing Prism is reported: a clear failure, never a silent skip.
std::string prism_or_fail() {
  const std::string prism = test_support::find_prism();
  REQUIRE_MESSAGE(!prism.empty(),
                  "Stoplight Prism not found: run scripts/install-prism.sh (or set ASCSYNC_PRISM "
                  "to the prism executable)");
  REQUIRE_MESSAGE(std::filesystem::exists(k_spec_380), "Apple's spec not found at " << k_spec_380);
  REQUIRE_MESSAGE(std::filesystem::exists(k_spec_441), "4.4.1 spec not found at " << k_spec_441);
  return prism;
}

// Every §6 operation with successful paths on real ids, plus representative errors.
void drive_all_operations(Driver& d, sim::Simulator& s) {
  const std::string app = s.add_app("com.example.conformance", "Conformance");
  const std::string user = s.add_user("dev@example.com", "Dana", "Dev", {"DEVELOPER"}, false, {app});
  const std::string doomed_user = s.add_user("leaver@example.com", "Lee", "Leaver", {"MARKETING"});
  const std::string seeded_group = s.add_beta_group(app, "Seeded external", false);
  const std::string seeded_tester = s.add_beta_tester("seeded@example.com", "Sam", "Seed", {seeded_group});
  const std::string missing = "00000000-0000-0000-0000-000000000000";
  const std::string build = "00000000-0000-0000-0000-00000000b01d";  // the simulator keeps no builds

  // --- users -----------------------------------------------------------------------------
  auto users =
      d.step("GET /v1/users", "GET", "/v1/users?limit=200&include=visibleApps&limit[visibleApps]=50", {200});
  CHECK_MESSAGE(!users.header("x-rate-limit").empty(), "X-Rate-Limit must pass through the proxy");
  d.step("GET /v1/users", "GET",
         "/v1/users?filter[roles]=DEVELOPER&sort=-username&fields[users]=username,roles", {200});
  d.step("GET /v1/users", "GET", "/v1/users?limit=1", {200});
  d.step("GET /v1/users", "GET", "/v1/users?limit=500", {400});
  d.step("GET /v1/users/{id}", "GET", "/v1/users/" + user + "?include=visibleApps", {200});
  d.step("GET /v1/users/{id}", "GET", "/v1/users/" + missing, {404});
  d.step("PATCH /v1/users/{id}", "PATCH", "/v1/users/" + user, {200},
         json{{"data",
               {{"type", "users"},
                {"id", user},
                {"attributes",
                 {{"roles", {"DEVELOPER", "APP_MANAGER"}},
                  {"allAppsVisible", false},
                  {"provisioningAllowed", true}}},
                {"relationships", {{"visibleApps", linkages("apps", {app})}}}}}});
  d.step("PATCH /v1/users/{id}", "PATCH", "/v1/users/" + missing, {404},
         json{{"data", {{"type", "users"}, {"id", missing}, {"attributes", {{"allAppsVisible", true}}}}}});
  d.step("GET /v1/users/{id}/visibleApps", "GET", "/v1/users/" + user + "/visibleApps?limit=200", {200});
  d.step("GET /v1/users/{id}/relationships/visibleApps", "GET",
         "/v1/users/" + user + "/relationships/visibleApps", {200});
  d.step("POST /v1/users/{id}/relationships/visibleApps", "POST",
         "/v1/users/" + user + "/relationships/visibleApps", {204}, linkages("apps", {app}));
  d.step("PATCH /v1/users/{id}/relationships/visibleApps", "PATCH",
         "/v1/users/" + user + "/relationships/visibleApps", {204}, linkages("apps", {app}));
  d.step("DELETE /v1/users/{id}/relationships/visibleApps", "DELETE",
         "/v1/users/" + user + "/relationships/visibleApps", {204}, linkages("apps", {app}));
  d.step("POST /v1/users/{id}/relationships/visibleApps", "POST",
         "/v1/users/" + missing + "/relationships/visibleApps", {404}, linkages("apps", {app}));
  d.step("DELETE /v1/users/{id}", "DELETE", "/v1/users/" + doomed_user, {204});
  d.step("DELETE /v1/users/{id}", "DELETE", "/v1/users/" + doomed_user, {404});

  // --- user invitations ------------------------------------------------------------------
  const json invitation{{"data",
                         {{"type", "userInvitations"},
                          {"attributes",
                           {{"email", "new.hire@example.com"},
                            {"firstName", "New"},
                            {"lastName", "Hire"},
                            {"roles", {"DEVELOPER"}},
                            {"allAppsVisible", false},
                            {"provisioningAllowed", false}}},
                          {"relationships", {{"visibleApps", linkages("apps", {app})}}}}}};
  const std::string inv =
      d.step("POST /v1/userInvitations", "POST", "/v1/userInvitations", {201}, invitation).id();
  d.step("POST /v1/userInvitations", "POST", "/v1/userInvitations", {409}, invitation);  // already invited
  json existing_user = invitation;
  existing_user["data"]["attributes"]["email"] = "dev@example.com";
  d.step("POST /v1/userInvitations", "POST", "/v1/userInvitations", {409},
         existing_user);  // already a member
  json no_roles = invitation;
  no_roles["data"]["attributes"].erase("roles");
  no_roles["data"]["attributes"]["email"] = "other@example.com";
  d.step("POST /v1/userInvitations", "POST", "/v1/userInvitations", {422}, no_roles);
  d.step("GET /v1/userInvitations", "GET",
         "/v1/userInvitations?filter[email]=new.hire@example.com&include=visibleApps", {200});
  d.step("GET /v1/userInvitations", "GET", "/v1/userInvitations?limit=201", {400});
  d.step("GET /v1/userInvitations/{id}", "GET", "/v1/userInvitations/" + inv + "?include=visibleApps", {200});
  d.step("GET /v1/userInvitations/{id}", "GET", "/v1/userInvitations/" + missing, {404});
  d.step("GET /v1/userInvitations/{id}/visibleApps", "GET", "/v1/userInvitations/" + inv + "/visibleApps",
         {200});
  d.step("DELETE /v1/userInvitations/{id}", "DELETE", "/v1/userInvitations/" + inv, {204});
  d.step("DELETE /v1/userInvitations/{id}", "DELETE", "/v1/userInvitations/" + inv, {404});

  // --- apps ------------------------------------------------------------------------------
  d.step("GET /v1/apps", "GET", "/v1/apps?filter[bundleId]=com.example.conformance&limit=10", {200});
  d.step("GET /v1/apps", "GET", "/v1/apps?limit=1000", {400});
  d.step("GET /v1/apps/{id}", "GET", "/v1/apps/" + app + "?include=betaGroups&limit[betaGroups]=50", {200});
  d.step("GET /v1/apps/{id}", "GET", "/v1/apps/999999999", {404});
  d.step("GET /v1/apps/{id}/betaGroups", "GET", "/v1/apps/" + app + "/betaGroups?limit=200", {200});

  // --- beta groups -----------------------------------------------------------------------
  const json new_group{{"data",
                        {{"type", "betaGroups"},
                         {"attributes",
                          {{"name", "External QA"},
                           {"isInternalGroup", false},
                           {"hasAccessToAllBuilds", false},
                           {"publicLinkEnabled", true},
                           {"publicLinkLimitEnabled", true},
                           {"publicLinkLimit", 100},
                           {"feedbackEnabled", true}}},
                         {"relationships", {{"app", to_one("apps", app)}}}}}};
  const std::string group = d.step("POST /v1/betaGroups", "POST", "/v1/betaGroups", {201}, new_group).id();
  json nameless = new_group;
  nameless["data"]["attributes"].erase("name");
  d.step("POST /v1/betaGroups", "POST", "/v1/betaGroups", {422}, nameless);
  json unknown_app = new_group;
  unknown_app["data"]["attributes"]["name"] = "Orphan";
  unknown_app["data"]["relationships"]["app"] = to_one("apps", "999999999");
  d.step("POST /v1/betaGroups", "POST", "/v1/betaGroups", {404, 409, 422}, unknown_app);
  d.step("GET /v1/betaGroups", "GET",
         "/v1/betaGroups?filter[app]=" + app + "&include=app,betaTesters&limit[betaTesters]=50&sort=name",
         {200});
  d.step("GET /v1/betaGroups", "GET", "/v1/betaGroups?filter[isInternalGroup]=false&limit=2", {200});
  d.step("GET /v1/betaGroups/{id}", "GET", "/v1/betaGroups/" + group + "?include=app", {200});
  d.step("GET /v1/betaGroups/{id}", "GET", "/v1/betaGroups/" + missing, {404});
  d.step("PATCH /v1/betaGroups/{id}", "PATCH", "/v1/betaGroups/" + group, {200},
         json{{"data",
               {{"type", "betaGroups"},
                {"id", group},
                {"attributes",
                 {{"name", "External QA 2"}, {"publicLinkEnabled", false}, {"feedbackEnabled", false}}}}}});
  d.step("PATCH /v1/betaGroups/{id}", "PATCH", "/v1/betaGroups/" + missing, {404},
         json{{"data", {{"type", "betaGroups"}, {"id", missing}, {"attributes", {{"name", "x"}}}}}});
  d.step(
      "PATCH /v1/betaGroups/{id}", "PATCH", "/v1/betaGroups/" + group, {409, 422},
      json{{"data", {{"type", "betaGroups"}, {"id", group}, {"attributes", {{"isInternalGroup", true}}}}}});

  // --- beta testers ----------------------------------------------------------------------
  const json new_tester{
      {"data",
       {{"type", "betaTesters"},
        {"attributes", {{"email", "tess@example.com"}, {"firstName", "Tess"}, {"lastName", "Ter"}}},
        {"relationships", {{"betaGroups", linkages("betaGroups", {group})}}}}}};
  const std::string tester =
      d.step("POST /v1/betaTesters", "POST", "/v1/betaTesters", {201}, new_tester).id();
  json bad_email = new_tester;
  bad_email["data"]["attributes"]["email"] = "not-an-email";
  d.step("POST /v1/betaTesters", "POST", "/v1/betaTesters", {409, 422}, bad_email);
  d.step("GET /v1/betaTesters", "GET", "/v1/betaTesters?limit=200&include=betaGroups&limit[betaGroups]=50",
         {200});
  d.step(
      "GET /v1/betaTesters", "GET",
      "/v1/betaTesters?filter[email]=tess@example.com&fields[betaTesters]=email,inviteType,state,betaGroups",
      {200});
  d.step("GET /v1/betaTesters", "GET", "/v1/betaTesters?filter[betaGroups]=" + group + "&limit=1", {200});
  d.step("GET /v1/betaTesters", "GET", "/v1/betaTesters?limit=300", {400});
  d.step("GET /v1/betaTesters/{id}", "GET", "/v1/betaTesters/" + tester + "?include=betaGroups,apps", {200});
  d.step("GET /v1/betaTesters/{id}", "GET", "/v1/betaTesters/" + missing, {404});
  d.step("GET /v1/betaTesters/{id}/betaGroups", "GET", "/v1/betaTesters/" + tester + "/betaGroups", {200});
  d.step("GET /v1/betaTesters/{id}/relationships/betaGroups", "GET",
         "/v1/betaTesters/" + tester + "/relationships/betaGroups?limit=200", {200});
  d.step("GET /v1/betaTesters/{id}/apps", "GET", "/v1/betaTesters/" + tester + "/apps", {200});
  d.step("GET /v1/betaTesters/{id}/relationships/apps", "GET",
         "/v1/betaTesters/" + tester + "/relationships/apps", {200});
  d.step("DELETE /v1/betaTesters/{id}/relationships/betaGroups", "DELETE",
         "/v1/betaTesters/" + tester + "/relationships/betaGroups", {204}, linkages("betaGroups", {group}));
  d.step("POST /v1/betaTesters/{id}/relationships/betaGroups", "POST",
         "/v1/betaTesters/" + tester + "/relationships/betaGroups", {204}, linkages("betaGroups", {group}));
  d.step("POST /v1/betaTesters/{id}/relationships/betaGroups", "POST",
         "/v1/betaTesters/" + tester + "/relationships/betaGroups", {404, 409, 422},
         linkages("betaGroups", {missing}));
  d.step("POST /v1/betaTesters/{id}/relationships/builds", "POST",
         "/v1/betaTesters/" + tester + "/relationships/builds", {204, 404, 409, 422},
         linkages("builds", {build}));
  d.step("DELETE /v1/betaTesters/{id}/relationships/builds", "DELETE",
         "/v1/betaTesters/" + tester + "/relationships/builds", {204, 404, 409, 422},
         linkages("builds", {build}));
  d.step("POST /v1/betaTesterInvitations", "POST", "/v1/betaTesterInvitations", {201},
         json{{"data",
               {{"type", "betaTesterInvitations"},
                {"relationships",
                 {{"app", to_one("apps", app)}, {"betaTester", to_one("betaTesters", tester)}}}}}});
  d.step("POST /v1/betaTesterInvitations", "POST", "/v1/betaTesterInvitations", {404, 409, 422},
         json{{"data",
               {{"type", "betaTesterInvitations"},
                {"relationships",
                 {{"app", to_one("apps", app)}, {"betaTester", to_one("betaTesters", missing)}}}}}});

  // Group membership from the group's side.
  d.step("GET /v1/betaGroups/{id}/betaTesters", "GET", "/v1/betaGroups/" + group + "/betaTesters?limit=200",
         {200});
  d.step("GET /v1/betaGroups/{id}/relationships/betaTesters", "GET",
         "/v1/betaGroups/" + group + "/relationships/betaTesters", {200});
  d.step("POST /v1/betaGroups/{id}/relationships/betaTesters", "POST",
         "/v1/betaGroups/" + group + "/relationships/betaTesters", {204},
         linkages("betaTesters", {seeded_tester}));
  d.step("DELETE /v1/betaGroups/{id}/relationships/betaTesters", "DELETE",
         "/v1/betaGroups/" + group + "/relationships/betaTesters", {204},
         linkages("betaTesters", {seeded_tester}));
  d.step("POST /v1/betaGroups/{id}/relationships/betaTesters", "POST",
         "/v1/betaGroups/" + missing + "/relationships/betaTesters", {404},
         linkages("betaTesters", {tester}));
  d.step("GET /v1/betaGroups/{id}/builds", "GET", "/v1/betaGroups/" + group + "/builds", {200});
  d.step("GET /v1/betaGroups/{id}/relationships/builds", "GET",
         "/v1/betaGroups/" + group + "/relationships/builds", {200});
  d.step("POST /v1/betaGroups/{id}/relationships/builds", "POST",
         "/v1/betaGroups/" + group + "/relationships/builds", {204, 404, 409, 422},
         linkages("builds", {build}));
  d.step("DELETE /v1/betaGroups/{id}/relationships/builds", "DELETE",
         "/v1/betaGroups/" + group + "/relationships/builds", {204, 404, 409, 422},
         linkages("builds", {build}));

  // Removal, app side and tester side, then the objects themselves.
  d.step("DELETE /v1/betaTesters/{id}/relationships/apps", "DELETE",
         "/v1/betaTesters/" + seeded_tester + "/relationships/apps", {202, 204}, linkages("apps", {app}));
  d.step("DELETE /v1/apps/{id}/relationships/betaTesters", "DELETE",
         "/v1/apps/" + app + "/relationships/betaTesters", {202, 204}, linkages("betaTesters", {tester}));
  d.step("DELETE /v1/apps/{id}/relationships/betaTesters", "DELETE",
         "/v1/apps/999999999/relationships/betaTesters", {404}, linkages("betaTesters", {tester}));
  const std::string doomed_tester = s.add_beta_tester("gone@example.com", "Gone", "Soon", {seeded_group});
  d.step("DELETE /v1/betaTesters/{id}", "DELETE", "/v1/betaTesters/" + doomed_tester, {202, 204});
  d.step("DELETE /v1/betaTesters/{id}", "DELETE", "/v1/betaTesters/" + missing, {404});
  d.step("DELETE /v1/betaGroups/{id}", "DELETE", "/v1/betaGroups/" + group, {204});
  d.step("DELETE /v1/betaGroups/{id}", "DELETE", "/v1/betaGroups/" + group, {404});

  // --- certificates ----------------------------------------------------------------------
  auto cert_body = [](const std::string& csr, const std::string& type) {
    return json{
        {"data",
         {{"type", "certificates"}, {"attributes", {{"csrContent", csr}, {"certificateType", type}}}}}};
  };
  const std::string cert = d.step("POST /v1/certificates", "POST", "/v1/certificates", {201},
                                  cert_body(make_csr_pem("Conformance Dist"), "IOS_DISTRIBUTION"))
                               .id();
  d.step("POST /v1/certificates", "POST", "/v1/certificates", {409},
         cert_body("-----BEGIN CERTIFICATE REQUEST-----\nnot a csr\n-----END CERTIFICATE REQUEST-----\n",
                   "IOS_DISTRIBUTION"));
  d.step("POST /v1/certificates", "POST", "/v1/certificates", {409, 422},
         cert_body(make_csr_pem("Conformance Dist"), "IOS_DIST"));
  d.step(
      "GET /v1/certificates", "GET",
      "/v1/certificates?filter[certificateType]=IOS_DISTRIBUTION,DISTRIBUTION&sort=-serialNumber&limit=200",
      {200});
  d.step("GET /v1/certificates", "GET",
         "/v1/certificates?fields[certificates]=serialNumber,expirationDate,certificateType,displayName,name",
         {200});
  d.step("GET /v1/certificates", "GET", "/v1/certificates?limit=201", {400});
  d.step("GET /v1/certificates/{id}", "GET", "/v1/certificates/" + cert, {200});
  d.step("GET /v1/certificates/{id}", "GET", "/v1/certificates/NOSUCHCERT", {404});
  d.step("PATCH /v1/certificates/{id}", "PATCH", "/v1/certificates/" + cert, {200},
         json{{"data", {{"type", "certificates"}, {"id", cert}, {"attributes", {{"activated", false}}}}}});
  d.step("PATCH /v1/certificates/{id}", "PATCH", "/v1/certificates/NOSUCHCERT", {404},
         json{{"data",
               {{"type", "certificates"}, {"id", "NOSUCHCERT"}, {"attributes", {{"activated", true}}}}}});

  // --- bundle ids, devices, profiles -----------------------------------------------------
  const std::string bundle = d.step("POST /v1/bundleIds", "POST", "/v1/bundleIds", {201},
                                    json{{"data",
                                          {{"type", "bundleIds"},
                                           {"attributes",
                                            {{"identifier", "com.example.conformance"},
                                             {"name", "Conformance"},
                                             {"platform", "IOS"}}}}}})
                                 .id();
  d.step("POST /v1/bundleIds", "POST", "/v1/bundleIds", {422},
         json{{"data",
               {{"type", "bundleIds"}, {"attributes", {{"name", "No identifier"}, {"platform", "IOS"}}}}}});
  d.step("GET /v1/bundleIds", "GET", "/v1/bundleIds?filter[identifier]=com.example.conformance&limit=200",
         {200});
  d.step("GET /v1/bundleIds", "GET", "/v1/bundleIds?limit=250", {400});
  d.step("GET /v1/bundleIds/{id}", "GET", "/v1/bundleIds/" + bundle, {200});
  d.step("GET /v1/bundleIds/{id}", "GET", "/v1/bundleIds/NOSUCHBNDL", {404});
  d.step(
      "PATCH /v1/bundleIds/{id}", "PATCH", "/v1/bundleIds/" + bundle, {200},
      json{{"data", {{"type", "bundleIds"}, {"id", bundle}, {"attributes", {{"name", "Conformance 2"}}}}}});

  const std::string device =
      d.step(
           "POST /v1/devices", "POST", "/v1/devices", {201},
           json{{"data",
                 {{"type", "devices"},
                  {"attributes",
                   {{"name", "Test iPhone"}, {"udid", "00008030-001A2B3C4D5E6F70"}, {"platform", "IOS"}}}}}})
          .id();
  d.step("GET /v1/devices", "GET", "/v1/devices?filter[platform]=IOS&limit=200", {200});
  d.step("GET /v1/devices", "GET", "/v1/devices?limit=999", {400});
  d.step("GET /v1/devices/{id}", "GET", "/v1/devices/" + device, {200});
  d.step("GET /v1/devices/{id}", "GET", "/v1/devices/NOSUCHDEVI", {404});
  d.step("PATCH /v1/devices/{id}", "PATCH", "/v1/devices/" + device, {200},
         json{{"data",
               {{"type", "devices"},
                {"id", device},
                {"attributes", {{"name", "Old iPhone"}, {"status", "DISABLED"}}}}}});

  const std::string profile =
      d.step("POST /v1/profiles", "POST", "/v1/profiles", {201},
             json{{"data",
                   {{"type", "profiles"},
                    {"attributes", {{"name", "Conformance App Store"}, {"profileType", "IOS_APP_STORE"}}},
                    {"relationships",
                     {{"bundleId", to_one("bundleIds", bundle)},
                      {"certificates", linkages("certificates", {cert})}}}}}})
          .id();
  d.step("POST /v1/profiles", "POST", "/v1/profiles", {404, 409, 422},
         json{{"data",
               {{"type", "profiles"},
                {"attributes", {{"name", "Broken"}, {"profileType", "IOS_APP_STORE"}}},
                {"relationships",
                 {{"bundleId", to_one("bundleIds", "NOSUCHBNDL")},
                  {"certificates", linkages("certificates", {cert})}}}}}});
  d.step("GET /v1/profiles", "GET",
         "/v1/profiles?include=bundleId,certificates&limit[certificates]=50&limit=200", {200});
  d.step("GET /v1/profiles", "GET", "/v1/profiles?limit=201", {400});
  d.step("GET /v1/profiles/{id}", "GET", "/v1/profiles/" + profile + "?include=certificates,devices,bundleId",
         {200});
  d.step("GET /v1/profiles/{id}", "GET", "/v1/profiles/NOSUCHPROF", {404});
  d.step("DELETE /v1/profiles/{id}", "DELETE", "/v1/profiles/" + profile, {204});
  d.step("DELETE /v1/profiles/{id}", "DELETE", "/v1/profiles/" + profile, {404});
  d.step("DELETE /v1/certificates/{id}", "DELETE", "/v1/certificates/" + cert, {204});
  d.step("DELETE /v1/certificates/{id}", "DELETE", "/v1/certificates/" + cert, {404});
  d.step("DELETE /v1/bundleIds/{id}", "DELETE", "/v1/bundleIds/" + bundle, {204});
  d.step("DELETE /v1/bundleIds/{id}", "DELETE", "/v1/bundleIds/" + bundle, {404});
}

// Spends a tiny hourly budget, then checks that 429 answers match the 4.4.1 document.
void drive_rate_limited(Driver& d, sim::Simulator& s, int budget) {
  const std::string app = s.add_app("com.example.limited", "Limited");
  const std::string group = s.add_beta_group(app, "Limited external", false);
  const std::string tester = s.add_beta_tester("limited@example.com", "Lim", "Ited", {group});
  for (int i = 0; i < budget; ++i) d.step("GET /v1/users", "GET", "/v1/users?limit=1", {200});
  struct Limited {
    std::string operation, method, path;
    std::optional<json> body;
  };
  const std::vector<Limited> calls = {
      {"GET /v1/users", "GET", "/v1/users?limit=200", std::nullopt},
      {"GET /v1/betaTesters", "GET", "/v1/betaTesters?limit=200&include=betaGroups", std::nullopt},
      {"GET /v1/certificates", "GET", "/v1/certificates", std::nullopt},
      {"POST /v1/betaGroups", "POST", "/v1/betaGroups",
       json{{"data",
             {{"type", "betaGroups"},
              {"attributes", {{"name", "Nope"}}},
              {"relationships", {{"app", to_one("apps", app)}}}}}}},
      {"POST /v1/betaGroups/{id}/relationships/betaTesters", "POST",
       "/v1/betaGroups/" + group + "/relationships/betaTesters", linkages("betaTesters", {tester})},
      {"DELETE /v1/betaTesters/{id}", "DELETE", "/v1/betaTesters/" + tester, std::nullopt},
  };
  for (const auto& c : calls) {
    const Exchange ex = d.step(c.operation, c.method, c.path, {429}, c.body);
    if (ex.status != 429) continue;
    REQUIRE(ex.doc.is_object());
    CHECK(ex.doc["errors"][0].value("code", "") == "RATE_LIMIT_EXCEEDED");
    CHECK(ex.doc["errors"][0].value("status", "") == "429");
    CHECK_MESSAGE(ex.header("x-rate-limit").find("user-hour-rem:0") != std::string::npos,
                  "X-Rate-Limit on a 429: " << ex.header("x-rate-limit"));
  }
}

}  // namespace

TEST_CASE("simulator responses conform to Apple's OpenAPI spec (Prism proxy; 3.8.0, and 4.4.1 for 429)") {
  const std::string prism = prism_or_fail();
  const std::set<std::string> section6 = section6_operations();
  REQUIRE_MESSAGE(section6.size() >= 60, "could not read the operation table of ENDPOINTS.md §6");

  TeamKey team;
  sim::Simulator main_sim(sim::Options{});
  main_sim.start();
  team.register_with(main_sim);
  constexpr int k_budget = 3;
  sim::Options limited_options;
  limited_options.rate_limit_per_hour = k_budget;
  sim::Simulator limited_sim(limited_options);
  limited_sim.start();
  team.register_with(limited_sim);

  // Both proxies start together: Prism's startup (seconds) dominates this test.
  test_support::PrismProxy proxy_380;
  test_support::PrismProxy proxy_441;
  REQUIRE(proxy_380.start({prism, k_spec_380, main_sim.base_url(), /*validate_request=*/false}).empty());
  REQUIRE(proxy_441.start({prism, k_spec_441, limited_sim.base_url(), /*validate_request=*/true}).empty());
  const std::string ready_380 = proxy_380.wait_ready(k_prism_startup);
  REQUIRE_MESSAGE(ready_380.empty(), ready_380);
  const std::string ready_441 = proxy_441.wait_ready(k_prism_startup);
  REQUIRE_MESSAGE(ready_441.empty(), ready_441);

  Driver driver(proxy_380.port(), team.token(main_sim));
  drive_all_operations(driver, main_sim);
  for (const auto& op : section6)
    CHECK_MESSAGE(driver.covered().contains(op), "operation not exercised: " << op);
  for (const auto& op : driver.covered())
    CHECK_MESSAGE(section6.contains(op), "step names no §6 operation: " << op);

  Driver limited(proxy_441.port(), team.token(limited_sim));
  drive_rate_limited(limited, limited_sim, k_budget);

  // Prism's own view, for whoever reads a failure.
  for (const auto& w : driver.warnings()) MESSAGE("Prism warning (3.8.0): " << w);
  for (const auto& w : limited.warnings()) MESSAGE("Prism warning (4.4.1): " << w);
  if (driver.failures() > 0) MESSAGE("Prism (3.8.0) log:\n" << proxy_380.log());
  if (limited.failures() > 0) MESSAGE("Prism (4.4.1) log:\n" << proxy_441.log());
}
