#pragma once
// Thin, leak-free wrappers over OpenSSL 3 for what ascsync needs: base64, SHA-256, random
// bytes, P-256 keys and ES256 (raw r||s) signatures. Knows nothing of App Store Connect.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.hpp"

typedef struct evp_pkey_st EVP_PKEY;

namespace util {

using Bytes = std::vector<unsigned char>;

std::string base64_encode(std::string_view data);
Result<std::string> base64_decode(std::string_view text);  // ignores whitespace
std::string base64url_encode(std::string_view data);       // no padding
Result<std::string> base64url_decode(std::string_view text);

std::string sha256_hex(std::string_view data);
std::string random_hex(size_t bytes);

struct PkeyDeleter {
  void operator()(EVP_PKEY* key) const;
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

// A new P-256 key pair.
Pkey generate_p256_key();
// A new RSA key pair (used for certificate signing requests).
Pkey generate_rsa_key(int bits = 2048);

// PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----"), the format of Apple's .p8 files.
std::string private_key_to_pem(EVP_PKEY* key);
// SubjectPublicKeyInfo PEM ("-----BEGIN PUBLIC KEY-----").
std::string public_key_to_pem(EVP_PKEY* key);
// DER SubjectPublicKeyInfo, e.g. to compare keys.
std::string public_key_to_der(EVP_PKEY* key);

// Loads a private key from PEM (PKCS#8 or traditional). The error never contains key material.
Result<Pkey> load_private_key_pem(std::string_view pem);
Result<Pkey> load_public_key_pem(std::string_view pem);

// ES256: ECDSA P-256 over SHA-256, signature as the 64-byte raw r||s that JWS uses.
Result<std::string> es256_sign(EVP_PKEY* key, std::string_view message);
bool es256_verify(EVP_PKEY* public_key, std::string_view message, std::string_view raw_signature);

// The last OpenSSL error as text (and clears the queue).
std::string openssl_error();

}  // namespace util
