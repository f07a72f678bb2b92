#include "custody/key.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include <algorithm>
#include <cstring>

#include "custody/ossl.hpp"

namespace custody {

using detail::bio_bytes;
using detail::BioPtr;

namespace {

// scrypt cost as `openssl pkcs8 -scrypt` uses by default. Why not higher: N=32768 with r=8 needs
// just over the 32 MiB OpenSSL allows scrypt by default, so such a file would not decrypt.
constexpr uint64_t k_scrypt_n = 16384;
constexpr uint64_t k_scrypt_r = 8;
constexpr uint64_t k_scrypt_p = 1;
constexpr int k_salt_bytes = 16;

constexpr std::string_view k_encrypted_pem_label = "-----BEGIN ENCRYPTED PRIVATE KEY-----";

// OpenSSL's pem_password_cb: hands over the passphrase, or refuses (-1) when there is none so
// that OpenSSL never falls back to prompting on the terminal.
int passphrase_callback(char* buf, int size, int /*rwflag*/, void* user) {
  const auto* passphrase = static_cast<const Passphrase*>(user);
  if (!passphrase || passphrase->empty()) return -1;
  const std::string_view bytes = passphrase->reveal();
  if (bytes.size() > static_cast<size_t>(size)) return -1;
  std::memcpy(buf, bytes.data(), bytes.size());
  return static_cast<int>(bytes.size());
}

}  // namespace

util::Result<util::Pkey> generate_signing_key() {
  std::unique_ptr<EVP_PKEY_CTX, detail::Freer<EVP_PKEY_CTX_free>> ctx(
      EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  EVP_PKEY* key = nullptr;
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) <= 0 ||
      EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.get(), k_signing_key_bits) <= 0 ||
      EVP_PKEY_generate(ctx.get(), &key) <= 0 || !key)
    return util::make_error(util::ErrorKind::internal,
                            "cannot generate an RSA key: " + util::openssl_error());
  return util::Pkey(key);
}

std::string spki_fingerprint(std::string_view spki_der) {
  return util::sha256_hex(spki_der);
}

std::string public_key_fingerprint(EVP_PKEY* key) {
  const std::string der = util::public_key_to_der(key);
  return der.empty() ? std::string() : spki_fingerprint(der);
}

bool is_fingerprint(std::string_view text) {
  return text.size() == 64 && std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

bool is_encrypted_pem(std::string_view pem) {
  // The second form: a traditional PEM ("BEGIN RSA PRIVATE KEY") with an encryption header.
  return pem.find(k_encrypted_pem_label) != std::string_view::npos ||
         pem.find("Proc-Type: 4,ENCRYPTED") != std::string_view::npos;
}

util::Result<std::string> private_key_pem(EVP_PKEY* key, const Passphrase* passphrase) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio) return util::make_error(util::ErrorKind::internal, "BIO_new failed");
  if (!passphrase) {
    if (PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1)
      return util::make_error(util::ErrorKind::internal,
                              "cannot encode the private key: " + util::openssl_error());
    return bio_bytes(bio.get());
  }
  if (passphrase->empty())
    return util::make_error(util::ErrorKind::auth, "cannot encrypt the private key with an empty passphrase");
  detail::P8InfoPtr p8(EVP_PKEY2PKCS8(key));
  unsigned char salt[k_salt_bytes];
  if (!p8 || RAND_bytes(salt, sizeof salt) != 1)
    return util::make_error(util::ErrorKind::internal,
                            "cannot prepare the private key: " + util::openssl_error());
  detail::AlgorPtr pbe(PKCS5_pbe2_set_scrypt(EVP_aes_256_cbc(), salt, k_salt_bytes, nullptr, k_scrypt_n,
                                             k_scrypt_r, k_scrypt_p));
  if (!pbe)
    return util::make_error(util::ErrorKind::internal, "cannot set up scrypt: " + util::openssl_error());
  const std::string_view pass = passphrase->reveal();
  // PKCS8_set0_pbe takes ownership of `pbe` only on success.
  detail::X509SigPtr encrypted(
      PKCS8_set0_pbe(pass.data(), static_cast<int>(pass.size()), p8.get(), pbe.get()));
  if (!encrypted) {
    ERR_clear_error();
    return util::make_error(util::ErrorKind::internal, "cannot encrypt the private key");
  }
  (void)pbe.release();
  if (PEM_write_bio_PKCS8(bio.get(), encrypted.get()) != 1)
    return util::make_error(util::ErrorKind::internal,
                            "cannot encode the private key: " + util::openssl_error());
  return bio_bytes(bio.get());
}

util::Result<util::Pkey> read_private_key_pem(std::string_view pem, const Passphrase* passphrase,
                                              const std::string& origin) {
  const bool encrypted = is_encrypted_pem(pem);
  if (encrypted && (!passphrase || passphrase->empty()))
    return util::make_error(
        util::ErrorKind::auth,
        origin + " is encrypted, but no passphrase is configured for the custody directory");
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio.get(), nullptr, passphrase_callback,
                                          const_cast<void*>(static_cast<const void*>(passphrase)));
  // Why no OpenSSL text in these errors: it adds nothing an operator can act on, and the
  // messages must provably carry nothing from the file or the passphrase.
  ERR_clear_error();
  if (!key) {
    if (encrypted)
      return util::make_error(util::ErrorKind::auth,
                              origin + " cannot be decrypted: wrong passphrase, or the file is damaged");
    return util::make_error(util::ErrorKind::auth, origin + " is not a PEM private key (PKCS#8)");
  }
  return util::Pkey(key);
}

}  // namespace custody
