#pragma once
// The signing identity (private key + certificate) for CI: a PKCS#12 file that macOS
// `security import` accepts, and a PEM chain. What `ascsync export-identity NAME --out FILE.p12`
// and a declared `export: {p12, password_file}` write.
#include <optional>
#include <string>

#include "custody/passphrase.hpp"
#include "util/crypto.hpp"
#include "util/result.hpp"

namespace custody {

// PKCS#12 as older macOS keychains require: key and certificate bags both encrypted with
// pbeWithSHA1And3-KeyTripleDES-CBC (2048 iterations) and a SHA-1 MAC (2048 iterations).
// OpenSSL 3's default (PBES2 AES-256-CBC/PBKDF2 with a SHA-256 MAC) is refused by them with
// "MAC verification failed during PKCS12 import (wrong password?)" — fastlane match hit exactly
// this. 3DES PBE is in OpenSSL 3's default provider; no legacy provider is needed. The key and
// the certificate share a localKeyId; `friendly_name` (e.g. the certificate's subject CN) is what
// Keychain Access shows. The password must not be empty. The key must match the certificate
// (ErrorKind::conflict otherwise). The result is key material.
util::Result<std::string> make_pkcs12(EVP_PKEY* key, const std::string& certificate_der,
                                      const Passphrase& password, const std::string& friendly_name);

// The certificate, then the issuer when given, as PEM blocks. Public; no key.
util::Result<std::string> make_pem_chain(const std::string& certificate_der,
                                         const std::optional<std::string>& issuer_der = std::nullopt);

struct IdentityExport {
  std::string p12_path;                   // required: written atomically, mode 0600
  std::string friendly_name;              // empty: the certificate's subject CN
  std::optional<std::string> chain_path;  // also write make_pem_chain here (atomically, 0644)
  std::optional<std::string> issuer_der;  // the issuer certificate for the chain, e.g. Apple WWDR
};

// Checks that `key` is the certificate's key, then writes the p12 (and the chain when asked).
// The p12's directory must exist. Errors name the paths, never the password or key bytes. This is
// the library side of `ascsync export-identity NAME --out FILE.p12`: the CLI finds the
// certificate's DER and fingerprint, loads the key with KeyStore::load_key and the password with
// read_passphrase, then calls this.
util::Status export_identity(EVP_PKEY* key, const std::string& certificate_der, const Passphrase& password,
                             const IdentityExport& out);

}  // namespace custody
