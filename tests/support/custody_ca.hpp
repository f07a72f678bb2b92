#pragma once
// A throwaway certificate authority for custody tests: issues real X.509 certificates for a given
// public key and validity window, without the simulator. Keys are generated at run time.
#include <doctest/doctest.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <chrono>
#include <memory>
#include <string>
#include <utility>

#include "util/clock.hpp"
#include "util/crypto.hpp"
#include "util/time.hpp"

namespace test_support {

class CustodyTestCa {
 public:
  CustodyTestCa() : m_key(util::generate_p256_key()) {
    REQUIRE(m_key);
    m_root.reset(X509_new());
    const auto now = std::chrono::system_clock::now();
    fill(m_root.get(), m_key.get(), "Custody Test Root CA", 1, now - std::chrono::hours(24),
         now + std::chrono::hours(24 * 3650));
    for (const auto& [nid, value] : {std::pair{NID_basic_constraints, "critical,CA:TRUE"},
                                     std::pair{NID_key_usage, "critical,keyCertSign,cRLSign"}}) {
      X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, nullptr, nid, value);
      REQUIRE(ext != nullptr);
      REQUIRE(X509_add_ext(m_root.get(), ext, -1) == 1);
      X509_EXTENSION_free(ext);
    }
    REQUIRE(X509_sign(m_root.get(), m_key.get(), EVP_sha256()) > 0);
  }

  // A certificate for `subject_key` valid [not_before, not_after], DER.
  std::string issue(EVP_PKEY* subject_key, const std::string& common_name, util::TimePoint not_before,
                    util::TimePoint not_after, long serial = 0x1234ABCD) const {
    std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), &X509_free);
    fill(cert.get(), subject_key, common_name, serial, not_before, not_after);
    REQUIRE(X509_set_issuer_name(cert.get(), X509_get_subject_name(m_root.get())) == 1);
    REQUIRE(X509_sign(cert.get(), m_key.get(), EVP_sha256()) > 0);
    return der(cert.get());
  }

  // Valid from an hour ago for a year.
  std::string issue_current(EVP_PKEY* subject_key, const std::string& common_name) const {
    const auto now = std::chrono::system_clock::now();
    return issue(subject_key, common_name, now - std::chrono::hours(1), now + std::chrono::hours(24 * 365));
  }

  std::string root_der() const { return der(m_root.get()); }

 private:
  static void fill(X509* cert, EVP_PKEY* key, const std::string& cn, long serial, util::TimePoint not_before,
                   util::TimePoint not_after) {
    REQUIRE(X509_set_version(cert, 2) == 1);
    REQUIRE(ASN1_INTEGER_set(X509_get_serialNumber(cert), serial) == 1);
    REQUIRE(ASN1_TIME_set(X509_getm_notBefore(cert), static_cast<time_t>(util::to_unix(not_before))) !=
            nullptr);
    REQUIRE(ASN1_TIME_set(X509_getm_notAfter(cert), static_cast<time_t>(util::to_unix(not_after))) !=
            nullptr);
    X509_NAME* name = X509_get_subject_name(cert);
    REQUIRE(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                       reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0) == 1);
    REQUIRE(X509_set_issuer_name(cert, name) == 1);
    REQUIRE(X509_set_pubkey(cert, key) == 1);
  }
  static std::string der(X509* cert) {
    unsigned char* bytes = nullptr;
    const int len = i2d_X509(cert, &bytes);
    REQUIRE(len > 0);
    std::string out(reinterpret_cast<char*>(bytes), static_cast<size_t>(len));
    OPENSSL_free(bytes);
    return out;
  }

  util::Pkey m_key;
  std::unique_ptr<X509, decltype(&X509_free)> m_root{nullptr, &X509_free};
};

}  // namespace test_support
