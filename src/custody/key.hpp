#pragma once
// Signing keys: generation, the public-key fingerprint that ties a certificate back to its key,
// and the PEM forms a key is kept in (PKCS#8, plain or encrypted with a passphrase).
#include <string>
#include <string_view>

#include "custody/passphrase.hpp"
#include "util/crypto.hpp"
#include "util/result.hpp"

namespace custody {

// What Apple's certificate requests need: RSA 2048.
inline constexpr int k_signing_key_bits = 2048;

// A new RSA 2048 key pair (OpenSSL 3 EVP). ErrorKind::internal when OpenSSL fails.
util::Result<util::Pkey> generate_signing_key();

// The key's identity: SHA-256 of its DER SubjectPublicKeyInfo, 64 lowercase hex digits. The
// same function of a certificate (CertificateInfo::public_key_fingerprint) gives the same value
// for the certificate issued from this key's CSR. Not secret: it is what the journal and the
// mirror hold.
std::string public_key_fingerprint(EVP_PKEY* key);
// The fingerprint of a DER SubjectPublicKeyInfo.
std::string spki_fingerprint(std::string_view spki_der);

// True when `text` has the shape of a fingerprint (64 lowercase hex digits). Key file names are
// built only from strings that pass this, so a fingerprint can never name another path.
bool is_fingerprint(std::string_view text);

// The private key as PKCS#8 PEM: "-----BEGIN PRIVATE KEY-----" without a passphrase, else
// "-----BEGIN ENCRYPTED PRIVATE KEY-----": PBES2 with scrypt (N=16384, r=8, p=1, 16-byte random
// salt) and AES-256-CBC, the same as `openssl pkcs8 -topk8 -scrypt -v2 aes-256-cbc`, so
// `openssl pkey -in FILE` can read it with the passphrase. The result is key material: write it
// only to a 0600 file.
util::Result<std::string> private_key_pem(EVP_PKEY* key, const Passphrase* passphrase);

// True when `pem` is an encrypted PKCS#8 PEM (or a traditional PEM with "Proc-Type: 4,ENCRYPTED").
bool is_encrypted_pem(std::string_view pem);

// Reads a private key PEM (plain or encrypted PKCS#8, or a traditional RSA PEM). An encrypted
// one needs `passphrase`; OpenSSL is never allowed to prompt on a terminal. Errors
// (ErrorKind::auth) say "encrypted but no passphrase", "wrong passphrase or damaged file" or
// "not a private key", prefixed by `origin` (e.g. "key file /path"); they never carry key
// material or the passphrase.
util::Result<util::Pkey> read_private_key_pem(std::string_view pem, const Passphrase* passphrase,
                                              const std::string& origin);

}  // namespace custody
