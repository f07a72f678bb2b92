// HTTPS with certificate verification on: the simulator serves TLS with a throwaway
// self-signed certificate; the client trusts it only when told to (ca_file).
#include <doctest/doctest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "asc/api.hpp"
#include "support/sim_fixture.hpp"

namespace {

// A self-signed certificate for 127.0.0.1 (SAN IP) and its key, PEM.
std::pair<std::string, std::string> self_signed_loopback() {
  auto key = util::generate_p256_key();
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
  X509_set_pubkey(cert, key.get());
  X509_NAME* name = X509_get_subject_name(cert);
  const std::string cn = "127.0.0.1";
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn.c_str()), -1,
                             -1, 0);
  X509_set_issuer_name(cert, name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  for (const auto& [nid, value] : std::vector<std::pair<int, std::string>>{
           {NID_subject_alt_name, "IP:127.0.0.1"}, {NID_basic_constraints, "critical,CA:TRUE"}}) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
    REQUIRE(ext != nullptr);
    X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
  }
  REQUIRE(X509_sign(cert, key.get(), EVP_sha256()) > 0);
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, cert);
  std::string pem(BIO_ctrl_pending(bio), '\0');
  BIO_read(bio, pem.data(), static_cast<int>(pem.size()));
  BIO_free(bio);
  X509_free(cert);
  return {pem, util::private_key_to_pem(key.get())};
}

struct TlsSim {
  std::string dir;
  std::string cert_file;
  std::string other_ca_file;
  std::unique_ptr<test_support::SimFixture> fx;

  TlsSim() {
    char tmpl[] = "/tmp/asc-tls-XXXXXX";
    REQUIRE(::mkdtemp(tmpl) != nullptr);
    dir = tmpl;
    const auto [cert, key] = self_signed_loopback();
    cert_file = dir + "/server.pem";
    REQUIRE(util::write_file_atomic(cert_file, cert, 0600).ok());
    REQUIRE(util::write_file_atomic(dir + "/server.key", key, 0600).ok());
    other_ca_file = dir + "/other.pem";
    REQUIRE(util::write_file_atomic(other_ca_file, self_signed_loopback().first, 0600).ok());
    sim::Options o;
    o.tls_cert_file = cert_file;
    o.tls_key_file = dir + "/server.key";
    fx = std::make_unique<test_support::SimFixture>(o);
  }
  ~TlsSim() {
    fx.reset();
    std::filesystem::remove_all(dir);
  }

  std::unique_ptr<asc::Api> api(const std::string& ca_file, int* sleeps) {
    asc::ClientOptions o;
    o.base_url = fx->base_url;
    o.ca_file = ca_file;
    o.sleeper = [sleeps](std::chrono::milliseconds) { ++*sleeps; };
    auto creds = asc::load_credentials(fx->issuer_id, fx->key_id, fx->key_path);
    REQUIRE(creds.ok());
    auto created = asc::Api::create(std::move(*creds), o);
    REQUIRE(created.ok());
    return std::move(*created);
  }
};

}  // namespace

TEST_CASE("HTTPS: a trusted server certificate works; an untrusted one fails at once, unretried") {
  TlsSim tls;
  REQUIRE(tls.fx->base_url.rfind("https://127.0.0.1:", 0) == 0);
  tls.fx->simulator().add_app("com.example.tls", "TLS");

  int sleeps = 0;
  auto trusted = tls.api(tls.cert_file, &sleeps);
  auto snap = trusted->fetch_snapshot();
  REQUIRE_MESSAGE(snap.ok(), snap.error().describe());
  REQUIRE(snap->apps.size() == 1);
  CHECK(snap->apps[0].bundle_id == "com.example.tls");

  for (const std::string& ca : {std::string(), tls.other_ca_file}) {
    CAPTURE(ca);
    sleeps = 0;
    tls.fx->simulator().reset_counters();
    auto untrusted = tls.api(ca, &sleeps);
    auto refused = untrusted->fetch_snapshot();
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().kind == util::ErrorKind::network);
    CHECK(refused.error().message.find("TLS certificate") != std::string::npos);
    CHECK(sleeps == 0);
    CHECK(tls.fx->simulator().request_count() == 0);
  }
}
