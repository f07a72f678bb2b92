// custody: CSRs that App Store Connect (here: ascsim's CA) accepts, and the check of the
// certificate that comes back before it is trusted.
#include <doctest/doctest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <chrono>

#include "custody/certificate.hpp"
#include "custody/csr.hpp"
#include "custody/key.hpp"
#include "sim/ca.hpp"
#include "support/custody_ca.hpp"
#include "support/shell.hpp"
#include "support/temp_dir.hpp"

namespace {

util::Pkey custody_new_key() {
  auto key = custody::generate_signing_key();
  REQUIRE(key.ok());
  return std::move(*key);
}

const custody::CsrSubject k_custody_subject{"Acme Shop", "ios-signing@acme.example", "DE"};

}  // namespace

TEST_CASE("custody: the CSR carries CN and emailAddress, verifies, and openssl reads it") {
  auto key = custody_new_key();
  auto csr = custody::make_csr(key.get(), k_custody_subject);
  REQUIRE_MESSAGE(csr.ok(), csr.error().message);
  CHECK(csr->pem.rfind("-----BEGIN CERTIFICATE REQUEST-----", 0) == 0);
  CHECK(custody::csr_content(*csr) == csr->pem);

  test_support::TempDir tmp("custody-csr");
  const std::string path = tmp.write("req.pem", csr->pem);
  auto cli =
      test_support::run_command("openssl req -in " + path + " -noout -verify -subject -nameopt RFC2253");
  REQUIRE(cli.exit_code == 0);
  CHECK(cli.output.find("verify OK") != std::string::npos);
  CHECK(cli.output.find("emailAddress=ios-signing@acme.example,CN=Acme Shop,C=DE") != std::string::npos);

  // The DER is the PEM's content.
  const auto* p = reinterpret_cast<const unsigned char*>(csr->der.data());
  std::unique_ptr<X509_REQ, decltype(&X509_REQ_free)> req(
      d2i_X509_REQ(nullptr, &p, static_cast<long>(csr->der.size())), &X509_REQ_free);
  REQUIRE(req);
  CHECK(custody::spki_fingerprint(util::public_key_to_der(X509_REQ_get0_pubkey(req.get()))) ==
        custody::public_key_fingerprint(key.get()));
}

TEST_CASE("custody: bad CSR input is refused with what is wrong") {
  auto key = custody_new_key();
  struct Row {
    custody::CsrSubject subject;
    const char* expected;
  };
  const Row rows[] = {
      {{"", "a@b.c", ""}, "common name (CN) is empty"},
      {{std::string(65, 'x'), "a@b.c", ""}, "more than 64"},
      {{"Acme", "", ""}, "e-mail address is empty"},
      {{"Acme", "not-an-address", ""}, "is not an e-mail address"},
      {{"Acme", "a@b.c", "Germany"}, "two upper-case letters"},
      {{"Acme\nInjected", "a@b.c", ""}, "control character"},
  };
  for (const auto& row : rows) {
    CAPTURE(row.expected);
    auto csr = custody::make_csr(key.get(), row.subject);
    REQUIRE_FALSE(csr.ok());
    CHECK(csr.error().kind == util::ErrorKind::client);
    CHECK(csr.error().message.find(row.expected) != std::string::npos);
  }
  auto p256 = util::generate_p256_key();
  auto ec_csr = custody::make_csr(p256.get(), k_custody_subject);
  REQUIRE_FALSE(ec_csr.ok());
  CHECK(ec_csr.error().message.find("RSA 2048") != std::string::npos);
}

TEST_CASE("custody: the simulator's CA accepts the CSR; the certificate's fingerprint matches the key") {
  auto key = custody_new_key();
  auto csr = custody::make_csr(key.get(), k_custody_subject);
  REQUIRE(csr.ok());
  sim::CertificateAuthority ca(7);
  const auto now = std::chrono::system_clock::now();
  auto issued = ca.issue(custody::csr_content(*csr), "IOS_DISTRIBUTION", now, std::chrono::hours(24 * 365));
  REQUIRE_MESSAGE(issued.ok(), issued.error().message);

  // As App Store Connect returns it: certificateContent = base64 of the DER.
  auto info = custody::parse_certificate_content(util::base64_encode(issued->der));
  REQUIRE_MESSAGE(info.ok(), info.error().message);
  CHECK(info->public_key_fingerprint == custody::public_key_fingerprint(key.get()));
  CHECK(info->public_key_fingerprint == custody::spki_fingerprint(issued->public_key_der));
  CHECK(info->serial_number == issued->serial_number);
  CHECK(info->not_before == issued->not_before);
  CHECK(info->not_after == issued->not_after);
  CHECK(info->subject_common_name == "iPhone Distribution: Acme Shop");
  CHECK(info->der == issued->der);
  CHECK(custody::verify_matches(key.get(), *info, now).ok());

  // base64 DER is accepted by the CA as well.
  CHECK(ca.issue(util::base64_encode(csr->der), "IOS_DISTRIBUTION", now, std::chrono::hours(24)).ok());
}

TEST_CASE("custody: verify_matches refuses another key's certificate and an expired one, saying which") {
  test_support::CustodyTestCa ca;
  auto key = custody_new_key();
  auto other = custody_new_key();
  const auto now = std::chrono::system_clock::now();
  const auto t0 = util::from_unix(util::to_unix(now));

  auto mine = custody::parse_certificate_der(
      ca.issue(key.get(), "mine", t0 - std::chrono::hours(1), t0 + std::chrono::hours(48), 0x0A0B0C));
  REQUIRE(mine.ok());
  CHECK(mine->serial_number == "0A0B0C");
  CHECK(mine->issuer_common_name == "Custody Test Root CA");
  CHECK(mine->not_after == t0 + std::chrono::hours(48));
  CHECK(custody::verify_matches(key.get(), *mine, now).ok());

  auto mismatch = custody::verify_matches(other.get(), *mine, now);
  REQUIRE_FALSE(mismatch.ok());
  CHECK(mismatch.error().kind == util::ErrorKind::conflict);
  CHECK(mismatch.error().message.find("does not belong to key " +
                                      custody::public_key_fingerprint(other.get())) != std::string::npos);
  CHECK(mismatch.error().message.find(mine->public_key_fingerprint) != std::string::npos);

  // Expired: at and after notAfter.
  auto at_expiry = custody::verify_matches(key.get(), *mine, t0 + std::chrono::hours(48));
  REQUIRE_FALSE(at_expiry.ok());
  CHECK(at_expiry.error().message.find("expired at") != std::string::npos);
  auto expired = custody::parse_certificate_der(
      ca.issue(key.get(), "old", t0 - std::chrono::hours(24 * 400), t0 - std::chrono::hours(24 * 35)));
  REQUIRE(expired.ok());
  auto refused = custody::verify_matches(key.get(), *expired, now);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().message.find("certificate 1234ABCD expired at ") != std::string::npos);

  // Issued by a clock that runs ahead (notBefore in our future): accepted.
  auto ahead = custody::parse_certificate_der(
      ca.issue(key.get(), "ahead", t0 + std::chrono::hours(2), t0 + std::chrono::hours(24 * 365)));
  REQUIRE(ahead.ok());
  CHECK(custody::verify_matches(key.get(), *ahead, now).ok());
}

TEST_CASE("custody: certificate content that is not a certificate is refused") {
  test_support::CustodyTestCa ca;
  auto key = custody_new_key();
  const std::string der = ca.issue_current(key.get(), "x");
  CHECK(custody::parse_certificate_content(util::base64_encode(der)).ok());
  CHECK_FALSE(custody::parse_certificate_content("").ok());
  CHECK_FALSE(custody::parse_certificate_content("!!!not base64").ok());
  CHECK_FALSE(custody::parse_certificate_content(util::base64_encode("hello")).ok());
  auto trailing = custody::parse_certificate_content(util::base64_encode(der + "x"));
  REQUIRE_FALSE(trailing.ok());
  CHECK(trailing.error().message.find("bytes after the certificate") != std::string::npos);
  // PEM is accepted too.
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  std::unique_ptr<X509, decltype(&X509_free)> cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())),
                                                   &X509_free);
  REQUIRE(PEM_write_bio_X509(bio.get(), cert.get()) == 1);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  auto pem = custody::parse_certificate_content(std::string(data, static_cast<size_t>(len)));
  REQUIRE(pem.ok());
  CHECK(pem->der == der);
}
