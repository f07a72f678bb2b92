#pragma once
// Bearer-token checks as App Store Connect makes them: an ES256 JWT signed by a registered team
// key, for the right audience and issuer, not expired, not issued in the future and not valid
// more than 20 minutes ahead. Thread-safe.
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <variant>

#include "sim/jsonapi.hpp"
#include "util/clock.hpp"
#include "util/crypto.hpp"

namespace sim {

struct ApiKey {
  std::string issuer_id;
  std::string key_id;
  std::string role;  // Apple's UserRole of the key: ADMIN, APP_MANAGER, DEVELOPER, ...
  std::string public_key_pem;
  std::shared_ptr<util::Pkey> public_key;
  bool revoked = false;
  // "Access to Certificates, Identifiers & Profiles" on a key whose role alone does not give it
  // (APP_MANAGER, DEVELOPER): the key may then use the signing routes.
  bool certificate_access = false;
};

// What a route needs from the key's role.
// signing: certificates, profiles, bundle ids, devices (ADMIN, or a key with certificate access).
enum class Access { any, testflight, admin, signing };

class KeyRegistry {
 public:
  // Strict: a token without `iat` is refused (Apple's documentation lists it as required; the
  // service itself accepts tokens without it). Off by default, as the service behaves.
  explicit KeyRegistry(bool strict_iat = false) : m_strict_iat(strict_iat) {}
  // Throws std::invalid_argument when the PEM is not a public key (a test set-up error).
  void add(const std::string& issuer_id, const std::string& key_id, const std::string& public_key_pem,
           const std::string& role, bool certificate_access = false);
  // Returns false when no key has that id.
  bool revoke(const std::string& key_id);

  // Checks an Authorization header value at `now`. Returns the key, or the 401 to answer.
  std::variant<ApiKey, ApiError> authenticate(const std::string& authorization, util::TimePoint now) const;

 private:
  bool m_strict_iat;
  mutable std::mutex m_mutex;
  std::map<std::string, ApiKey> m_keys;  // by key id
};

// True when `role` may use a route needing `access`.
bool role_allows(const std::string& role, Access access);
// The same for a key: its role, or its certificate access for Access::signing (APP_MANAGER and
// DEVELOPER keys only).
bool key_allows(const ApiKey& key, Access access);

ApiError not_authorized(const std::string& why);
ApiError forbidden();

}  // namespace sim
