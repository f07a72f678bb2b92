#pragma once
// Certificate signing requests for App Store Connect's POST /v1/certificates.
#include <string>

#include "util/crypto.hpp"
#include "util/result.hpp"

namespace custody {

// The CSR's subject, given by the caller. Apple reads the common name into the certificate's
// subject ("iPhone Distribution: <CN>") and ignores the rest; Keychain Access's "Request a
// Certificate From a Certificate Authority" writes exactly these two plus C.
struct CsrSubject {
  std::string common_name;    // required, e.g. "Acme Shop" or the team's name
  std::string email_address;  // required, e.g. "ios-signing@acme.example"
  std::string country;        // optional ISO 3166 two-letter code, e.g. "US"
};

struct Csr {
  std::string pem;  // "-----BEGIN CERTIFICATE REQUEST-----" ... (PKCS#10)
  std::string der;
};

// A PKCS#10 request for `key`'s public key, subject CN/emailAddress(/C), signed with SHA-256.
// Refuses (ErrorKind::client) an empty or over-long (64 characters, X.520's upper bound) common
// name, an e-mail address that is empty, longer than 128 characters or without '@', a country that
// is not two letters, control characters anywhere, and a key that is not RSA 2048.
util::Result<Csr> make_csr(EVP_PKEY* key, const CsrSubject& subject);

// What POST /v1/certificates takes as `attributes.csrContent`: the PEM text, as fastlane
// (spaceship: `csr_content: csr.to_pem`) and Keychain Access's .certSigningRequest files send it.
// The spec only says "string"; Apple (and ascsim) also accept base64 DER.
inline const std::string& csr_content(const Csr& csr) {
  return csr.pem;
}

}  // namespace custody
