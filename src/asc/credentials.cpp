#include "asc/credentials.hpp"

#include <openssl/evp.h>

#include "util/files.hpp"

namespace asc {

util::Result<Credentials> credentials_from_pem(const std::string& issuer_id, const std::string& key_id,
                                               const std::string& pem, const std::string& origin) {
  if (issuer_id.empty() || key_id.empty())
    return util::make_error(util::ErrorKind::auth,
                            "API key for " + origin + " needs both an issuer id and a key id");
  auto key = util::load_private_key_pem(pem);
  if (!key)
    return util::make_error(util::ErrorKind::auth,
                            origin + " is not a PEM private key (expected Apple's PKCS#8 .p8 file)");
  // Apple's keys are P-256; anything else would only fail later, at signing time, less clearly.
  if (EVP_PKEY_get_base_id(key->get()) != EVP_PKEY_EC || EVP_PKEY_get_bits(key->get()) != 256)
    return util::make_error(util::ErrorKind::auth,
                            origin + " is not an EC P-256 private key (ES256 needs one)");
  Credentials out;
  out.issuer_id = issuer_id;
  out.key_id = key_id;
  out.private_key = std::shared_ptr<EVP_PKEY>(key->release(), util::PkeyDeleter{});
  return out;
}

util::Result<Credentials> load_credentials(const std::string& issuer_id, const std::string& key_id,
                                           const std::string& p8_path) {
  auto pem = util::read_secret_file(p8_path);
  if (!pem) return pem.error();
  return credentials_from_pem(issuer_id, key_id, *pem, "key file " + p8_path);
}

}  // namespace asc
