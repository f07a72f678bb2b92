#pragma once
// A team's App Store Connect API key: issuer id, key id and the ES256 private key of the .p8.
#include <memory>
#include <string>

#include "util/crypto.hpp"
#include "util/result.hpp"

namespace asc {

struct Credentials {
  std::string issuer_id;
  std::string key_id;
  // Shared so that several clients of one key (workers, retries) sign with the same key object.
  std::shared_ptr<EVP_PKEY> private_key;
};

// Reads the .p8 (PKCS#8 PEM) at p8_path. Fails with ErrorKind::auth when the file is readable by
// group or others (the message carries a chmod hint), unreadable, or not a P-256 private key.
// Errors never contain key material.
util::Result<Credentials> load_credentials(const std::string& issuer_id, const std::string& key_id,
                                           const std::string& p8_path);

// Same, from PEM text already in memory (systemd credentials, tests). `origin` names the source
// in error messages.
util::Result<Credentials> credentials_from_pem(const std::string& issuer_id, const std::string& key_id,
                                               const std::string& pem, const std::string& origin = "key");

}  // namespace asc
