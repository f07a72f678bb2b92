// custody: the signing identity as a PKCS#12 that macOS `security import` accepts (legacy
// PBE-SHA1-3DES bags, SHA-1 MAC), checked with the openssl CLI, and the PEM chain.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <filesystem>

#include "custody/certificate.hpp"
#include "custody/identity.hpp"
#include "custody/key.hpp"
#include "custody/key_store.hpp"
#include "support/custody_ca.hpp"
#include "support/shell.hpp"
#include "support/temp_dir.hpp"
#include "util/files.hpp"

namespace {

struct CustodyIdentityFixture {
  test_support::TempDir tmp{"custody-export"};
  test_support::CustodyTestCa ca;
  util::Pkey key;
  std::string cert_der;
  std::string password_file;

  CustodyIdentityFixture() {
    auto made = custody::generate_signing_key();
    REQUIRE(made.ok());
    key = std::move(*made);
    cert_der = ca.issue_current(key.get(), "iPhone Distribution: Acme Shop (AB12CD34EF)");
    password_file = tmp.write("p12-password", "p12-Pa55word\n");
    REQUIRE(::chmod(password_file.c_str(), 0600) == 0);
  }
  custody::Passphrase password() const {
    auto p = custody::read_passphrase(custody::PassphraseSource::file(password_file), "");
    REQUIRE(p.ok());
    return std::move(*p);
  }
};

}  // namespace

TEST_CASE("custody: the p12 uses PBE-SHA1-3DES for key and certificate and a SHA-1 MAC") {
  CustodyIdentityFixture f;
  const std::string out = f.tmp.str("identity.p12");
  custody::IdentityExport request;
  request.p12_path = out;
  auto status = custody::export_identity(f.key.get(), f.cert_der, f.password(), request);
  REQUIRE_MESSAGE(status.ok(), status.error().message);
  struct stat st {};
  REQUIRE(::stat(out.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0600);

  auto info = test_support::run_command("openssl pkcs12 -in " + out +
                                        " -info -noout -passin file:" + f.password_file);
  CAPTURE(info.output);
  REQUIRE(info.exit_code == 0);
  CHECK(info.output.find("MAC: sha1") != std::string::npos);
  CHECK(info.output.find("Shrouded Keybag: pbeWithSHA1And3-KeyTripleDES-CBC") != std::string::npos);
  CHECK(info.output.find("PKCS7 Encrypted data: pbeWithSHA1And3-KeyTripleDES-CBC") != std::string::npos);
  CHECK(info.output.find("AES") == std::string::npos);
  CHECK(info.output.find("PBKDF2") == std::string::npos);

  // The friendly name defaults to the certificate's CN, and key and certificate share a localKeyID.
  auto dump =
      test_support::run_command("openssl pkcs12 -in " + out + " -nodes -passin file:" + f.password_file);
  REQUIRE(dump.exit_code == 0);
  CHECK(dump.output.find("friendlyName: iPhone Distribution: Acme Shop (AB12CD34EF)") != std::string::npos);
  CHECK(dump.output.find("localKeyID") != std::string::npos);

  // The key in the p12 is the certificate's key: same modulus.
  const std::string pem = f.tmp.write("dump.pem", dump.output);
  auto key_modulus = test_support::run_command("openssl rsa -in " + pem + " -noout -modulus");
  auto cert_modulus = test_support::run_command("openssl x509 -in " + pem + " -noout -modulus");
  REQUIRE(key_modulus.exit_code == 0);
  REQUIRE(cert_modulus.exit_code == 0);
  CHECK(key_modulus.output.rfind("Modulus=", 0) == 0);
  CHECK(key_modulus.output == cert_modulus.output);

  // A wrong password does not open it.
  const std::string wrong = f.tmp.write("wrong", "nope");
  CHECK(test_support::run_command("openssl pkcs12 -in " + out + " -info -noout -passin file:" + wrong)
            .exit_code != 0);
}

TEST_CASE("custody: the p12 works from a key in custody and with a chosen friendly name and chain") {
  CustodyIdentityFixture f;
  auto store =
      custody::KeyStore::open(f.tmp.str("custody"), custody::Passphrase(std::string("custody-pass")));
  REQUIRE(store.ok());
  auto fingerprint = store->store_key(f.key.get());
  REQUIRE(fingerprint.ok());
  auto loaded = store->load_key(*fingerprint);
  REQUIRE(loaded.ok());

  custody::IdentityExport request;
  request.p12_path = f.tmp.str("out/app-store.p12");
  request.friendly_name = "app-store";
  request.chain_path = f.tmp.str("out/app-store.chain.pem");
  request.issuer_der = f.ca.root_der();
  std::filesystem::create_directories(f.tmp.str("out"));
  auto status = custody::export_identity(loaded->get(), f.cert_der, f.password(), request);
  REQUIRE_MESSAGE(status.ok(), status.error().message);

  auto dump = test_support::run_command("openssl pkcs12 -in " + request.p12_path +
                                        " -nokeys -passin file:" + f.password_file);
  REQUIRE(dump.exit_code == 0);
  CHECK(dump.output.find("friendlyName: app-store") != std::string::npos);

  // The chain: the certificate, then the issuer; it verifies.
  auto chain = util::read_file(*request.chain_path);
  REQUIRE(chain.ok());
  const auto first = chain->find("-----BEGIN CERTIFICATE-----");
  const auto second = chain->find("-----BEGIN CERTIFICATE-----", first + 1);
  CHECK(first == 0);
  CHECK(second != std::string::npos);
  CHECK(chain->find("PRIVATE KEY") == std::string::npos);
  const std::string root = f.tmp.write("root.pem", chain->substr(second));
  const std::string leaf = f.tmp.write("leaf.pem", chain->substr(0, second));
  auto verify = test_support::run_command("openssl verify -CAfile " + root + " " + leaf);
  CAPTURE(verify.output);
  CHECK(verify.exit_code == 0);
}

TEST_CASE("custody: export refuses a key that is not the certificate's, and an empty password") {
  CustodyIdentityFixture f;
  auto other = custody::generate_signing_key();
  REQUIRE(other.ok());
  custody::IdentityExport request;
  request.p12_path = f.tmp.str("x.p12");
  auto status = custody::export_identity(other->get(), f.cert_der, f.password(), request);
  REQUIRE_FALSE(status.ok());
  CHECK(status.error().kind == util::ErrorKind::conflict);
  CHECK(status.error().message.find("is not the key of certificate") != std::string::npos);
  CHECK(status.error().message.find("p12-Pa55word") == std::string::npos);
  CHECK_FALSE(std::filesystem::exists(request.p12_path));

  auto empty = custody::make_pkcs12(f.key.get(), f.cert_der, custody::Passphrase(std::string()), "");
  REQUIRE_FALSE(empty.ok());
  CHECK(empty.error().message.find("password is empty") != std::string::npos);

  auto not_cert = custody::make_pkcs12(f.key.get(), "garbage", f.password(), "");
  CHECK_FALSE(not_cert.ok());

  request.p12_path = f.tmp.str("no/such/dir/x.p12");
  auto no_dir = custody::export_identity(f.key.get(), f.cert_der, f.password(), request);
  REQUIRE_FALSE(no_dir.ok());
  CHECK(no_dir.error().message.find(f.tmp.str("no/such/dir")) != std::string::npos);
  CHECK(no_dir.error().message.find("p12-Pa55word") == std::string::npos);
}
