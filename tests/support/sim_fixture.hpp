#pragma once
// A running ascsim for tests: starts a Simulator on 127.0.0.1, port 0, with a fresh P-256 team
// key whose .p8 is written 0600 into a private temp dir and registered with the chosen role.
// Header-only; link ascsync_sim.
#include <httplib.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "asc/jwt.hpp"
#include "sim/csr.hpp"
#include "sim/simulator.hpp"
#include "util/crypto.hpp"
#include "util/files.hpp"

namespace test_support {

struct SimFixture {
  // role: the key's role ("ADMIN", "APP_MANAGER", "DEVELOPER", ...); certificate_access: the
  // key's "Access to Certificates, Identifiers & Profiles" (APP_MANAGER, DEVELOPER).
  explicit SimFixture(sim::Options options = {}, const std::string& role = "ADMIN",
                      bool certificate_access = false)
      : sim(std::make_unique<sim::Simulator>(std::move(options))) {
    char tmpl[] = "/tmp/ascsim-test-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) throw std::runtime_error("SimFixture: mkdtemp failed");
    dir = tmpl;
    key = util::generate_p256_key();
    key_path = dir + "/AuthKey_" + key_id + ".p8";
    auto written = util::write_file_atomic(key_path, util::private_key_to_pem(key.get()), 0600);
    if (!written) throw std::runtime_error("SimFixture: cannot write the .p8 file");
    sim->add_api_key(issuer_id, key_id, util::public_key_to_pem(key.get()), role, certificate_access);
    sim->start();
    base_url = sim->base_url();
  }
  ~SimFixture() {
    sim->stop();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  SimFixture(const SimFixture&) = delete;
  SimFixture& operator=(const SimFixture&) = delete;

  sim::Simulator& simulator() { return *sim; }

  // A valid token for this key, issued at the simulator's clock (which tests may move).
  std::string token(std::chrono::seconds lifetime = std::chrono::seconds(15 * 60)) const {
    return mint(sim->now(), lifetime);
  }
  // A token with explicit issue time and lifetime (for auth failure tests).
  std::string mint(util::TimePoint issued_at, std::chrono::seconds lifetime) const {
    auto t = asc::make_token(key.get(), {issuer_id, key_id, issued_at, lifetime});
    if (!t) throw std::runtime_error("SimFixture: cannot sign a token");
    return *t;
  }
  // Headers with a fresh valid bearer token.
  httplib::Headers auth() const { return {{"Authorization", "Bearer " + token()}}; }
  // A client for base_url (plain HTTP) with short timeouts.
  std::unique_ptr<httplib::Client> client() const {
    auto c = std::make_unique<httplib::Client>(base_url);
    c->set_connection_timeout(5);
    c->set_read_timeout(10);
    return c;
  }

  std::unique_ptr<sim::Simulator> sim;
  std::string issuer_id = "69a6de70-03db-47e3-e053-5b8c7c11a4d1";
  std::string key_id = "SIMTEST001";
  std::string dir;
  std::string key_path;
  std::string base_url;
  util::Pkey key;
};

// --- JSON:API request helpers ------------------------------------------------------------

struct JsonReply {
  int status = 0;       // 0 = no HTTP response (network error)
  nlohmann::json body;  // null when the body was empty or not JSON
  httplib::Headers headers;
  // A response header's value, or "" when absent.
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
  // The first error's code, or "" when there is none.
  std::string code() const {
    if (!body.is_object() || !body.contains("errors") || body["errors"].empty()) return "";
    return body["errors"][0].value("code", "");
  }
};

inline JsonReply send(SimFixture& fx, const std::string& method, const std::string& path,
                      const nlohmann::json& body = nullptr) {
  auto cli = fx.client();
  const auto headers = fx.auth();
  const std::string text = body.is_null() ? "" : body.dump();
  httplib::Result res = [&] {
    if (method == "GET") return cli->Get(path, headers);
    if (method == "POST") return cli->Post(path, headers, text, "application/json");
    if (method == "PATCH") return cli->Patch(path, headers, text, "application/json");
    if (method == "PUT") return cli->Put(path, headers, text, "application/json");
    return cli->Delete(path, headers, text, "application/json");
  }();
  JsonReply out;
  if (!res) return out;
  out.status = res->status;
  out.headers = res->headers;
  if (!res->body.empty()) out.body = nlohmann::json::parse(res->body, nullptr, false);
  return out;
}

// An admin API request (/_sim/..., no token); body null = no body. The answer's JSON in `body`.
inline JsonReply admin_send(SimFixture& fx, const std::string& method, const std::string& path,
                            const nlohmann::json& body = nullptr) {
  auto cli = fx.client();
  const std::string text = body.is_null() ? "" : body.dump();
  httplib::Result res = [&] {
    if (method == "GET") return cli->Get(path);
    if (method == "POST") return cli->Post(path, text, "application/json");
    if (method == "PATCH") return cli->Patch(path, text, "application/json");
    if (method == "PUT") return cli->Put(path, text, "application/json");
    return cli->Delete(path, text, "application/json");
  }();
  JsonReply out;
  if (!res) return out;
  out.status = res->status;
  out.headers = res->headers;
  if (!res->body.empty()) out.body = nlohmann::json::parse(res->body, nullptr, false);
  return out;
}

// A certificate creation body (POST /v1/certificates) with a CSR for a fresh RSA 2048 key.
// Needs sim/csr.hpp (ascsync_sim).
inline nlohmann::json certificate_request(const std::string& certificate_type,
                                          const std::string& common_name = "Jane Doe") {
  auto key = util::generate_rsa_key(2048);
  auto csr = sim::make_csr_pem(key.get(), common_name);
  if (!csr) throw std::runtime_error("certificate_request: " + csr.error().message);
  return {{"data",
           {{"type", "certificates"},
            {"attributes", {{"csrContent", *csr}, {"certificateType", certificate_type}}}}}};
}

// {"data":[{"type":type,"id":id}, ...]}
inline nlohmann::json linkages(const std::string& type, const std::vector<std::string>& ids) {
  nlohmann::json data = nlohmann::json::array();
  for (const auto& id : ids) data.push_back({{"type", type}, {"id", id}});
  return {{"data", data}};
}

}  // namespace test_support
