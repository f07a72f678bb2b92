#include <doctest/doctest.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "sim/ca.hpp"
#include "util/crypto.hpp"
#include "util/time.hpp"

namespace {

using X509Ptr = std::unique_ptr<X509, decltype(&X509_free)>;
using ReqPtr = std::unique_ptr<X509_REQ, decltype(&X509_REQ_free)>;

// Keys are slow to make (RSA, under ASan): one of each per test run.
EVP_PKEY* rsa2048() {
  static util::Pkey key = util::generate_rsa_key(2048);
  return key.get();
}
EVP_PKEY* rsa1024() {
  static util::Pkey key = util::generate_rsa_key(1024);
  return key.get();
}
EVP_PKEY* p256() {
  static util::Pkey key = util::generate_p256_key();
  return key.get();
}

struct CsrSpec {
  std::string cn = "Jane Doe";
  std::string org;
  std::string country;
};

// A PKCS#10 request signed with `key`, as DER.
std::string make_csr_der(EVP_PKEY* key, const CsrSpec& spec = {}) {
  ReqPtr req(X509_REQ_new(), X509_REQ_free);
  REQUIRE(req);
  X509_NAME* name = X509_REQ_get_subject_name(req.get());
  auto add = [&](const char* field, const std::string& value) {
    if (value.empty()) return;
    REQUIRE(X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                                       reinterpret_cast<const unsigned char*>(value.data()),
                                       static_cast<int>(value.size()), -1, 0) == 1);
  };
  add("emailAddress", "jane@example.com");
  add("CN", spec.cn);
  add("O", spec.org);
  add("C", spec.country);
  REQUIRE(X509_REQ_set_pubkey(req.get(), key) == 1);
  REQUIRE(X509_REQ_sign(req.get(), key, EVP_sha256()) > 0);
  unsigned char* der = nullptr;
  const int len = i2d_X509_REQ(req.get(), &der);
  REQUIRE(len > 0);
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  return out;
}

std::string der_to_pem(const std::string& der) {
  std::string pem = "-----BEGIN CERTIFICATE REQUEST-----\n";
  const std::string b64 = util::base64_encode(der);
  for (size_t i = 0; i < b64.size(); i += 64) pem += b64.substr(i, 64) + "\n";
  return pem + "-----END CERTIFICATE REQUEST-----\n";
}

X509Ptr parse_cert(const std::string& der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  return X509Ptr(d2i_X509(nullptr, &p, static_cast<long>(der.size())), X509_free);
}

X509Ptr parse_pem_cert(const std::string& pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())),
                                                BIO_free);
  return X509Ptr(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), X509_free);
}

// Chain verification against the root only, at time `at`; returns the X509_V_ code.
int verify_against_root(X509* cert, X509* root, util::TimePoint at) {
  std::unique_ptr<X509_STORE, decltype(&X509_STORE_free)> store(X509_STORE_new(), X509_STORE_free);
  X509_STORE_add_cert(store.get(), root);
  std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> ctx(X509_STORE_CTX_new(),
                                                                      X509_STORE_CTX_free);
  X509_STORE_CTX_init(ctx.get(), store.get(), cert, nullptr);
  X509_STORE_CTX_set_time(ctx.get(), 0, std::chrono::system_clock::to_time_t(at));
  X509_STORE_CTX_set_purpose(ctx.get(), X509_PURPOSE_ANY);
  const int ok = X509_verify_cert(ctx.get());
  return ok == 1 ? X509_V_OK : X509_STORE_CTX_get_error(ctx.get());
}

std::string subject_field(X509* cert, int nid) {
  char buf[256] = {};
  X509_NAME_get_text_by_NID(X509_get_subject_name(cert), nid, buf, sizeof buf);
  return buf;
}

long long cert_time_unix(const ASN1_TIME* t) {
  struct tm tm {};
  REQUIRE(ASN1_TIME_to_tm(t, &tm) == 1);
  return static_cast<long long>(timegm(&tm));
}

}  // namespace

TEST_CASE("CA issues a code-signing certificate for an RSA 2048 CSR that chains to its root") {
  sim::CertificateAuthority ca(7);
  const auto now = util::from_unix(1'800'000'000) + std::chrono::milliseconds(750);
  const auto validity = std::chrono::seconds(365 * 24 * 3600);
  auto issued = ca.issue(der_to_pem(make_csr_der(rsa2048(), {"Jane Doe", "Acme Corp", "DE"})),
                         "IOS_DISTRIBUTION", now, validity);
  REQUIRE_MESSAGE(issued.ok(), issued.error().describe());

  auto cert = parse_cert(issued->der);
  REQUIRE(cert);
  auto root = parse_pem_cert(ca.root_certificate_pem());
  REQUIRE(root);
  CHECK(X509_get_version(cert.get()) == X509_VERSION_3);

  SUBCASE("chain verifies inside the window and fails outside it") {
    CHECK(verify_against_root(cert.get(), root.get(), now + std::chrono::hours(1)) == X509_V_OK);
    CHECK(verify_against_root(cert.get(), root.get(), now - std::chrono::hours(1)) ==
          X509_V_ERR_CERT_NOT_YET_VALID);
    CHECK(verify_against_root(cert.get(), root.get(), now + validity + std::chrono::hours(1)) ==
          X509_V_ERR_CERT_HAS_EXPIRED);
    sim::CertificateAuthority other(7);
    auto other_root = parse_pem_cert(other.root_certificate_pem());
    CHECK(verify_against_root(cert.get(), other_root.get(), now + std::chrono::hours(1)) != X509_V_OK);
  }

  SUBCASE("public key is the CSR's") {
    CHECK(issued->public_key_der == util::public_key_to_der(rsa2048()));
    CHECK(util::public_key_to_der(X509_get0_pubkey(cert.get())) == util::public_key_to_der(rsa2048()));
  }

  SUBCASE("validity window comes from the given clock, in whole seconds") {
    CHECK(util::to_unix(issued->not_before) == 1'800'000'000);
    CHECK(issued->not_after - issued->not_before == validity);
    CHECK(cert_time_unix(X509_get0_notBefore(cert.get())) == 1'800'000'000);
    CHECK(cert_time_unix(X509_get0_notAfter(cert.get())) == 1'800'000'000 + validity.count());
  }

  SUBCASE("subject is Apple-shaped, serial matches, code signing usage") {
    CHECK(issued->common_name == "iPhone Distribution: Jane Doe");
    CHECK(subject_field(cert.get(), NID_commonName) == "iPhone Distribution: Jane Doe");
    CHECK(subject_field(cert.get(), NID_organizationName) == "Acme Corp");
    CHECK(subject_field(cert.get(), NID_organizationalUnitName) == ca.team_id());
    CHECK(subject_field(cert.get(), NID_countryName) == "DE");
    CHECK(ca.team_id().size() == 10);

    REQUIRE(issued->serial_number.size() == 16);
    CHECK(issued->serial_number.find_first_not_of("0123456789ABCDEF") == std::string::npos);
    BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert.get()), nullptr);
    char* hex = BN_bn2hex(bn);
    CHECK(std::string(hex) == issued->serial_number);
    OPENSSL_free(hex);
    BN_free(bn);

    CHECK((X509_get_extension_flags(cert.get()) & EXFLAG_XKUSAGE) != 0);
    CHECK((X509_get_extended_key_usage(cert.get()) & XKU_CODE_SIGN) != 0);
    CHECK((X509_get_extension_flags(cert.get()) & EXFLAG_CA) == 0);
    CHECK(X509_get_signature_nid(cert.get()) == NID_ecdsa_with_SHA256);
  }
}

TEST_CASE("CA names certificates by type and defaults O and C") {
  sim::CertificateAuthority ca;
  struct Row {
    const char* type;
    const char* cn;
  };
  const Row rows[] = {{"DISTRIBUTION", "Apple Distribution: Jane Doe"},
                      {"DEVELOPMENT", "Apple Development: Jane Doe"},
                      {"IOS_DEVELOPMENT", "iPhone Developer: Jane Doe"},
                      {"MAC_INSTALLER_DISTRIBUTION", "3rd Party Mac Developer Installer: Jane Doe"},
                      {"DEVELOPER_ID_APPLICATION_G2", "Developer ID Application: Jane Doe"}};
  const std::string csr = util::base64_encode(make_csr_der(rsa2048()));  // base64 DER, no PEM armour
  for (const auto& row : rows) {
    CAPTURE(row.type);
    auto issued = ca.issue(csr, row.type, util::from_unix(1'700'000'000), std::chrono::seconds(3600));
    REQUIRE_MESSAGE(issued.ok(), issued.error().describe());
    CHECK(issued->common_name == row.cn);
    auto cert = parse_cert(issued->der);
    REQUIRE(cert);
    CHECK(subject_field(cert.get(), NID_organizationName) == "Jane Doe");
    CHECK(subject_field(cert.get(), NID_countryName) == "US");
  }
}

TEST_CASE("CA serial numbers are unique, also under concurrent issuing") {
  sim::CertificateAuthority ca;
  const std::string csr = der_to_pem(make_csr_der(rsa2048()));
  std::vector<std::vector<std::string>> per_thread(4);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < per_thread.size(); ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        auto issued = ca.issue(csr, "DISTRIBUTION", util::from_unix(1'700'000'000), std::chrono::seconds(60));
        per_thread[t].push_back(issued.ok() ? issued->serial_number : "error: " + issued.error().describe());
      }
    });
  }
  for (auto& th : threads) th.join();
  std::set<std::string> serials;
  for (const auto& list : per_thread)
    for (const auto& s : list) {
      CHECK(s.size() == 16);
      serials.insert(s);
    }
  CHECK(serials.size() == 100);
}

TEST_CASE("CA rejects bad CSRs with Apple's attribute error") {
  sim::CertificateAuthority ca;
  const std::string good_der = make_csr_der(rsa2048());
  std::string tampered = good_der;
  const auto at = tampered.find("Jane Doe");
  REQUIRE(at != std::string::npos);
  tampered[at] = 'X';  // still parses, signature no longer matches the subject

  struct Row {
    const char* name;
    std::string csr;
    std::string type;
    const char* detail_part;
  };
  const std::vector<Row> rows = {
      {"empty", "   \n", "IOS_DISTRIBUTION", "empty"},
      {"bad base64", "not*base64!", "IOS_DISTRIBUTION", "neither PEM nor base64"},
      {"base64 of garbage", util::base64_encode("hello, this is not DER"), "IOS_DISTRIBUTION",
       "could not be parsed"},
      {"truncated DER", util::base64_encode(good_der.substr(0, good_der.size() / 2)), "IOS_DISTRIBUTION",
       "could not be parsed"},
      {"wrong PEM block", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
       "IOS_DISTRIBUTION", "not a CERTIFICATE REQUEST"},
      {"PEM with garbage body",
       "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n", "IOS_DISTRIBUTION",
       "could not be parsed"},
      {"tampered", der_to_pem(tampered), "IOS_DISTRIBUTION", "signature does not verify"},
      {"EC key", der_to_pem(make_csr_der(p256())), "IOS_DISTRIBUTION",
       "must be RSA 2048; it is id-ecPublicKey"},
      {"RSA 1024", der_to_pem(make_csr_der(rsa1024())), "IOS_DISTRIBUTION",
       "must be RSA 2048; it is RSA 1024"},
      {"no CN", der_to_pem(make_csr_der(rsa2048(), {"", "Acme", "US"})), "IOS_DISTRIBUTION",
       "no common name"},
      {"bad type", der_to_pem(good_der), "IOS_DIST", "not a valid certificate type"},
  };
  for (const auto& row : rows) {
    CAPTURE(row.name);
    auto issued = ca.issue(row.csr, row.type, util::from_unix(1'700'000'000), std::chrono::seconds(3600));
    REQUIRE_FALSE(issued.ok());
    const auto& e = issued.error();
    CHECK(e.kind == util::ErrorKind::client);
    CHECK(e.http_status == 409);
    CHECK(e.code == "ENTITY_ERROR.ATTRIBUTE.INVALID");
    CHECK(e.title == "An attribute value is invalid.");
    CHECK_MESSAGE(e.detail.find(row.detail_part) != std::string::npos, e.detail);
  }
  // The untampered request still works, so the failures above are about the input.
  CHECK(ca.issue(der_to_pem(good_der), "IOS_DISTRIBUTION", util::from_unix(1'700'000'000),
                 std::chrono::seconds(60))
            .ok());
}

TEST_CASE("CA root is a self-signed CA certificate covering this century") {
  sim::CertificateAuthority ca;
  auto root = parse_pem_cert(ca.root_certificate_pem());
  REQUIRE(root);
  CHECK(X509_check_ca(root.get()) == 1);
  CHECK(X509_verify(root.get(), X509_get0_pubkey(root.get())) == 1);
  CHECK(cert_time_unix(X509_get0_notBefore(root.get())) <= util::to_unix(util::from_unix(1'000'000'000)));
  CHECK(cert_time_unix(X509_get0_notAfter(root.get())) >= 4'000'000'000LL);
  CHECK(sim::certificate_name_prefix("PASS_TYPE_ID") == "Pass Type ID");
  CHECK(sim::certificate_name_prefix("SOMETHING_NEW") == "SOMETHING_NEW");
}
