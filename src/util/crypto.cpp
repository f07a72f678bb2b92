#include "util/crypto.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <cctype>

namespace util {

void PkeyDeleter::operator()(EVP_PKEY* key) const {
  EVP_PKEY_free(key);
}

namespace {

struct BioDeleter {
  void operator()(BIO* b) const { BIO_free(b); }
};
using BioPtr = std::unique_ptr<BIO, BioDeleter>;

std::string bio_to_string(BIO* bio) {
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(len));
}

const char* k_b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int b64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  return -1;
}

std::string encode(std::string_view data, bool url) {
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  size_t i = 0;
  auto byte = [&](size_t k) { return static_cast<unsigned>(static_cast<unsigned char>(data[k])); };
  for (; i + 2 < data.size(); i += 3) {
    const unsigned v = byte(i) << 16 | byte(i + 1) << 8 | byte(i + 2);
    out += k_b64[(v >> 18) & 63];
    out += k_b64[(v >> 12) & 63];
    out += k_b64[(v >> 6) & 63];
    out += k_b64[v & 63];
  }
  if (i + 1 == data.size()) {
    const unsigned v = byte(i) << 16;
    out += k_b64[(v >> 18) & 63];
    out += k_b64[(v >> 12) & 63];
    if (!url) out += "==";
  } else if (i + 2 == data.size()) {
    const unsigned v = byte(i) << 16 | byte(i + 1) << 8;
    out += k_b64[(v >> 18) & 63];
    out += k_b64[(v >> 12) & 63];
    out += k_b64[(v >> 6) & 63];
    if (!url) out += '=';
  }
  if (url) {
    for (auto& c : out) {
      if (c == '+')
        c = '-';
      else if (c == '/')
        c = '_';
    }
  }
  return out;
}

Result<std::string> decode(std::string_view text, bool url) {
  std::string out;
  unsigned acc = 0;
  int bits = 0;
  size_t padding = 0;
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c))) continue;
    if (c == '=') {
      ++padding;
      continue;
    }
    if (padding) return make_error(ErrorKind::client, "base64: data after padding");
    if (url && (c == '+' || c == '/')) return make_error(ErrorKind::client, "base64url: invalid character");
    if (!url && (c == '-' || c == '_')) return make_error(ErrorKind::client, "base64: invalid character");
    const int v = b64_value(c);
    if (v < 0) return make_error(ErrorKind::client, "base64: invalid character");
    acc = (acc << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  if (bits >= 6) return make_error(ErrorKind::client, "base64: truncated input");
  return out;
}

}  // namespace

std::string base64_encode(std::string_view data) {
  return encode(data, false);
}
Result<std::string> base64_decode(std::string_view text) {
  return decode(text, false);
}
std::string base64url_encode(std::string_view data) {
  return encode(data, true);
}
Result<std::string> base64url_decode(std::string_view text) {
  return decode(text, true);
}

std::string openssl_error() {
  std::string out;
  unsigned long code;
  while ((code = ERR_get_error()) != 0) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? "unknown OpenSSL error" : out;
}

std::string sha256_hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  static const char* k_hex = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) {
    out += k_hex[md[i] >> 4];
    out += k_hex[md[i] & 15];
  }
  return out;
}

std::string random_hex(size_t bytes) {
  std::vector<unsigned char> buf(bytes);
  RAND_bytes(buf.data(), static_cast<int>(buf.size()));
  static const char* k_hex = "0123456789abcdef";
  std::string out;
  for (auto b : buf) {
    out += k_hex[b >> 4];
    out += k_hex[b & 15];
  }
  return out;
}

Pkey generate_p256_key() {
  return Pkey(EVP_EC_gen("P-256"));
}

Pkey generate_rsa_key(int bits) {
  return Pkey(EVP_RSA_gen(static_cast<unsigned>(bits)));
}

std::string private_key_to_pem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  return bio_to_string(bio.get());
}

std::string public_key_to_pem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PUBKEY(bio.get(), key);
  return bio_to_string(bio.get());
}

std::string public_key_to_der(EVP_PKEY* key) {
  unsigned char* der = nullptr;
  const int len = i2d_PUBKEY(key, &der);
  if (len <= 0) return {};
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  return out;
}

Result<Pkey> load_private_key_pem(std::string_view pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr);
  if (!key) {
    ERR_clear_error();
    return make_error(ErrorKind::auth,
                      "not a PEM private key (expected a PKCS#8 .p8 file beginning with "
                      "'-----BEGIN PRIVATE KEY-----')");
  }
  return Pkey(key);
}

Result<Pkey> load_public_key_pem(std::string_view pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  EVP_PKEY* key = PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr);
  if (!key) {
    ERR_clear_error();
    return make_error(ErrorKind::client, "not a PEM public key");
  }
  return Pkey(key);
}

Result<std::string> es256_sign(EVP_PKEY* key, std::string_view message) {
  if (EVP_PKEY_get_base_id(key) != EVP_PKEY_EC || EVP_PKEY_get_bits(key) != 256)
    return make_error(ErrorKind::auth, "ES256 needs a P-256 EC key");
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  size_t der_len = 0;
  if (EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &der_len, reinterpret_cast<const unsigned char*>(message.data()),
                     message.size()) != 1)
    return make_error(ErrorKind::internal, "ES256 sign failed: " + openssl_error());
  std::vector<unsigned char> der(der_len);
  if (EVP_DigestSign(ctx.get(), der.data(), &der_len, reinterpret_cast<const unsigned char*>(message.data()),
                     message.size()) != 1)
    return make_error(ErrorKind::internal, "ES256 sign failed: " + openssl_error());
  const unsigned char* p = der.data();
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der_len));
  if (!sig) return make_error(ErrorKind::internal, "ES256: bad DER signature");
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig, &r, &s);
  unsigned char raw[64];
  BN_bn2binpad(r, raw, 32);
  BN_bn2binpad(s, raw + 32, 32);
  ECDSA_SIG_free(sig);
  return std::string(reinterpret_cast<char*>(raw), 64);
}

bool es256_verify(EVP_PKEY* public_key, std::string_view message, std::string_view raw_signature) {
  if (raw_signature.size() != 64 || EVP_PKEY_get_base_id(public_key) != EVP_PKEY_EC) return false;
  ECDSA_SIG* sig = ECDSA_SIG_new();
  BIGNUM* r = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw_signature.data()), 32, nullptr);
  BIGNUM* s = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw_signature.data()) + 32, 32, nullptr);
  ECDSA_SIG_set0(sig, r, s);
  unsigned char* der = nullptr;
  const int der_len = i2d_ECDSA_SIG(sig, &der);
  ECDSA_SIG_free(sig);
  if (der_len <= 0) return false;
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  const bool ok =
      EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, public_key) == 1 &&
      EVP_DigestVerify(ctx.get(), der, static_cast<size_t>(der_len),
                       reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
  OPENSSL_free(der);
  ERR_clear_error();
  return ok;
}

}  // namespace util
