#pragma once
// The simulator's certificate authority: turns a certificate signing request into a real X.509 v3
// certificate, the way App Store Connect answers POST /v1/certificates. Signing keys never leave
// this object; CSR *generation* belongs to the daemon, not here.
#include <chrono>
#include <cstdint>
#include <ctime>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "util/clock.hpp"
#include "util/result.hpp"

namespace sim {

struct IssuedCertificate {
  std::string der;             // the certificate, DER (certificateContent is its base64)
  std::string serial_number;   // hex, upper case, as X.509 holds it (16 digits)
  util::TimePoint not_before;  // whole seconds: exactly what the certificate says
  util::TimePoint not_after;
  std::string public_key_der;  // SubjectPublicKeyInfo DER, equal to the CSR's
  std::string common_name;     // the certificate's CN, e.g. "iPhone Distribution: Jane Doe"
};

class CertificateAuthority {
 public:
  // Makes its own root key (EC P-256) and self-signed root certificate, valid 2000-2099 so that
  // any simulated clock stays inside it. The seed makes serial numbers and the team id
  // deterministic; keys are always fresh.
  explicit CertificateAuthority(uint64_t seed = 1);
  ~CertificateAuthority();
  CertificateAuthority(const CertificateAuthority&) = delete;
  CertificateAuthority& operator=(const CertificateAuthority&) = delete;

  // Parses csr_text (PEM "-----BEGIN CERTIFICATE REQUEST-----", or base64 of the DER), verifies
  // its signature, requires an RSA 2048 key and a subject CN, and issues a certificate for
  // `certificate_type` (Apple's CertificateType) valid from `now` (truncated to seconds) for
  // `validity`: subject CN "<Apple prefix>: <CSR CN>" (e.g. "iPhone Distribution: Jane Doe"),
  // OU = team id, O = the CSR's O or CN, C = the CSR's C or "US"; extended key usage code signing;
  // signed by the root with SHA-256; serial numbers unique per authority.
  // A bad CSR or type gives ErrorKind::client with http_status 409, code
  // "ENTITY_ERROR.ATTRIBUTE.INVALID", title "An attribute value is invalid." and a detail naming
  // what is wrong (as Apple reports it on /data/attributes/csrContent or certificateType).
  // Thread-safe.
  util::Result<IssuedCertificate> issue(std::string_view csr_text, const std::string& certificate_type,
                                        util::TimePoint now, std::chrono::seconds validity);

  // Re-issues `der` (an X.509 certificate, DER) with its validity moved by `shift` (negative =
  // into the past), keeping its subject, serial number and public key, signed by this
  // authority: the certificate as it would read had it been issued earlier (the simulator "ages
  // the world" this way). Thread-safe.
  util::Result<std::string> redate(std::string_view der, std::chrono::seconds shift);
  // The same with notAfter set to `not_after` (notBefore moves back as far when it would
  // otherwise follow notAfter): a certificate whose expiry a person changed.
  util::Result<std::string> with_not_after(std::string_view der, util::TimePoint not_after);

  // Signs `content` as CMS (PKCS#7) SignedData with the content attached (binary, SHA-256) by
  // the authority's profile signing certificate (a digitalSignature leaf issued by the root,
  // included in the envelope): a provisioning profile's envelope, which `openssl cms -verify
  // -inform DER` opens (-noverify, or -CAfile with root_certificate_pem()). Returns the DER.
  // Thread-safe.
  util::Result<std::string> sign_cms(std::string_view content);

  // The root certificate, PEM, for verifying issued certificates.
  std::string root_certificate_pem() const;

  // The 10-character team identifier written into issued subjects (OU), derived from the seed.
  std::string team_id() const;

 private:
  util::Result<std::string> change_validity(std::string_view der,
                                            const std::function<void(std::time_t&, std::time_t&)>& change);

  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

// Apple's common-name prefix for a certificate type ("IOS_DISTRIBUTION" -> "iPhone Distribution"),
// or the type itself when it has none.
std::string certificate_name_prefix(std::string_view certificate_type);

}  // namespace sim
