#pragma once
// Certificates as App Store Connect returns them (`certificateContent`, base64 DER): what they
// say, and whether one may be trusted as the certificate for a key in custody.
#include <string>
#include <string_view>

#include "util/clock.hpp"
#include "util/crypto.hpp"
#include "util/result.hpp"

namespace custody {

struct CertificateInfo {
  std::string der;             // the certificate, DER
  std::string serial_number;   // upper-case hex of the serial's bytes, as Apple's serialNumber
  util::TimePoint not_before;  // whole seconds, as the certificate says
  util::TimePoint not_after;
  std::string subject_common_name;     // e.g. "iPhone Distribution: Acme Shop (AB12CD34EF)"
  std::string issuer_common_name;      // e.g. "Apple Worldwide Developer Relations Certification Authority"
  std::string public_key_fingerprint;  // custody::spki_fingerprint of its SubjectPublicKeyInfo
};

// Parses Apple's `certificateContent`: base64 (whitespace ignored) of one DER X.509 certificate.
// A PEM text is accepted too. ErrorKind::client naming what is wrong; trailing bytes after the
// DER are refused.
util::Result<CertificateInfo> parse_certificate_content(std::string_view certificate_content);
util::Result<CertificateInfo> parse_certificate_der(std::string_view der);

// Whether the certificate may be trusted for the key: its public key is the key's, and it has not
// expired at `now` (now < notAfter). ErrorKind::conflict with a message that says which check
// failed, naming the serial and the fingerprints or dates. A notBefore in the future is not
// refused: Apple's clock (and ascsim's movable one) may run ahead of ours.
util::Status verify_matches(EVP_PKEY* key, const CertificateInfo& certificate, util::TimePoint now);

}  // namespace custody
