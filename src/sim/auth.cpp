#include "sim/auth.hpp"

#include <stdexcept>

#include "asc/jwt.hpp"
#include "util/time.hpp"

namespace sim {

namespace {
constexpr long long k_max_lifetime_seconds = 20 * 60;
constexpr long long k_clock_skew_seconds = 60;
}  // namespace

ApiError not_authorized(const std::string& why) {
  // Apple's detail is generic; the reason goes after it so tests and people can tell causes apart.
  return {401,
          "NOT_AUTHORIZED",
          "Authentication credentials are missing or invalid.",
          "Provide a properly configured and signed bearer token, and make sure that it has not expired. (" +
              why + ")",
          "",
          ""};
}

ApiError forbidden() {
  return {403,
          "FORBIDDEN_ERROR",
          "This request is forbidden for security reasons",
          "The API key in use does not allow this request",
          "",
          ""};
}

void KeyRegistry::add(const std::string& issuer_id, const std::string& key_id,
                      const std::string& public_key_pem, const std::string& role, bool certificate_access) {
  auto key = util::load_public_key_pem(public_key_pem);
  if (!key) throw std::invalid_argument("add_api_key: not a public key PEM");
  ApiKey k{
      issuer_id,         key_id, role, public_key_pem, std::make_shared<util::Pkey>(std::move(*key)), false,
      certificate_access};
  std::lock_guard lock(m_mutex);
  m_keys[key_id] = std::move(k);
}

bool KeyRegistry::revoke(const std::string& key_id) {
  std::lock_guard lock(m_mutex);
  auto it = m_keys.find(key_id);
  if (it == m_keys.end()) return false;
  it->second.revoked = true;
  return true;
}

std::variant<ApiKey, ApiError> KeyRegistry::authenticate(const std::string& authorization,
                                                         util::TimePoint now) const {
  static const std::string k_prefix = "Bearer ";
  if (authorization.empty()) return not_authorized("missing Authorization header");
  if (authorization.compare(0, k_prefix.size(), k_prefix) != 0)
    return not_authorized("Authorization is not a Bearer token");
  auto decoded = asc::decode_token(authorization.substr(k_prefix.size()));
  if (!decoded) return not_authorized("malformed token");
  const auto& header = decoded->header;
  const auto& claims = decoded->claims;
  if (!header.contains("alg") || header["alg"] != "ES256") return not_authorized("alg must be ES256");
  if (!header.contains("kid") || !header["kid"].is_string()) return not_authorized("missing kid");
  ApiKey key;
  {
    std::lock_guard lock(m_mutex);
    auto it = m_keys.find(header["kid"].get<std::string>());
    if (it == m_keys.end()) return not_authorized("unknown key");
    if (it->second.revoked) return not_authorized("revoked key");
    key = it->second;
  }
  if (!claims.contains("iss") || claims["iss"] != key.issuer_id) return not_authorized("wrong issuer");
  const auto& aud = claims.contains("aud") ? claims["aud"] : nlohmann::json();
  const bool aud_ok = (aud.is_string() && aud == asc::k_audience) ||
                      (aud.is_array() && std::find(aud.begin(), aud.end(), asc::k_audience) != aud.end());
  if (!aud_ok) return not_authorized("wrong audience");
  if (!claims.contains("exp") || !claims["exp"].is_number_integer()) return not_authorized("missing exp");
  // Apple accepts tokens without iat (its WWDC18 sample and widely used clients send none) and
  // measures their lifetime from receipt; --strict-iat demands it as Apple's docs describe.
  const bool has_iat = claims.contains("iat");
  if (has_iat && !claims["iat"].is_number_integer()) return not_authorized("iat is not a number");
  if (!has_iat && m_strict_iat) return not_authorized("missing iat");
  const long long t = util::to_unix(now);
  const long long exp = claims["exp"].get<long long>();
  if (exp <= t) return not_authorized("token expired");
  if (exp - t > k_max_lifetime_seconds) return not_authorized("exp more than 20 minutes ahead");
  if (has_iat && claims["iat"].get<long long>() > t + k_clock_skew_seconds)
    return not_authorized("iat in the future");
  if (!asc::verify_token_signature(*decoded, key.public_key->get())) return not_authorized("bad signature");
  return key;
}

bool role_allows(const std::string& role, Access access) {
  switch (access) {
    case Access::any:
      return true;
    case Access::testflight:
      return role == "ADMIN" || role == "APP_MANAGER" || role == "ACCOUNT_HOLDER";
    case Access::admin:
    case Access::signing:
      return role == "ADMIN" || role == "ACCOUNT_HOLDER";
  }
  return false;
}

bool key_allows(const ApiKey& key, Access access) {
  if (role_allows(key.role, access)) return true;
  return access == Access::signing && key.certificate_access &&
         (key.role == "APP_MANAGER" || key.role == "DEVELOPER");
}

}  // namespace sim
