#pragma once
// App Store Connect API tokens: ES256 JWTs with header {alg, kid, typ} and claims
// {iss, iat, exp, aud: "appstoreconnect-v1"}.
#include <nlohmann/json.hpp>
#include <string>

#include "util/clock.hpp"
#include "util/crypto.hpp"
#include "util/result.hpp"

namespace asc {

inline constexpr const char* k_audience = "appstoreconnect-v1";

struct TokenRequest {
  std::string issuer_id;
  std::string key_id;
  util::TimePoint issued_at;
  std::chrono::seconds lifetime{15 * 60};  // Apple refuses tokens valid > 20 minutes ahead
};

// Signs a token with the team's private key. Never logs or returns key material in errors.
util::Result<std::string> make_token(EVP_PKEY* private_key, const TokenRequest& request);

struct DecodedToken {
  nlohmann::json header;
  nlohmann::json claims;
  std::string signing_input;  // "<b64 header>.<b64 claims>"
  std::string signature;      // raw r||s
};

// Splits and decodes a compact JWS without checking the signature.
util::Result<DecodedToken> decode_token(const std::string& token);

// True when the token's signature verifies with the given public key.
bool verify_token_signature(const DecodedToken& token, EVP_PKEY* public_key);

}  // namespace asc
