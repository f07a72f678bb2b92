#include "asc/jwt.hpp"

#include "util/time.hpp"

namespace asc {

util::Result<std::string> make_token(EVP_PKEY* private_key, const TokenRequest& request) {
  const nlohmann::json header = {{"alg", "ES256"}, {"kid", request.key_id}, {"typ", "JWT"}};
  const long long iat = util::to_unix(request.issued_at);
  const nlohmann::json claims = {
      {"iss", request.issuer_id}, {"iat", iat}, {"exp", iat + request.lifetime.count()}, {"aud", k_audience}};
  const std::string input =
      util::base64url_encode(header.dump()) + "." + util::base64url_encode(claims.dump());
  auto sig = util::es256_sign(private_key, input);
  if (!sig) return sig.error();
  return input + "." + util::base64url_encode(*sig);
}

util::Result<DecodedToken> decode_token(const std::string& token) {
  const size_t a = token.find('.');
  const size_t b = a == std::string::npos ? std::string::npos : token.find('.', a + 1);
  if (a == std::string::npos || b == std::string::npos || token.find('.', b + 1) != std::string::npos)
    return util::make_error(util::ErrorKind::auth, "token is not a compact JWS (three dot-separated parts)");
  auto header = util::base64url_decode(std::string_view(token).substr(0, a));
  auto claims = util::base64url_decode(std::string_view(token).substr(a + 1, b - a - 1));
  auto sig = util::base64url_decode(std::string_view(token).substr(b + 1));
  if (!header || !claims || !sig)
    return util::make_error(util::ErrorKind::auth, "token part is not base64url");
  DecodedToken out;
  out.header = nlohmann::json::parse(*header, nullptr, false);
  out.claims = nlohmann::json::parse(*claims, nullptr, false);
  if (out.header.is_discarded() || !out.header.is_object() || out.claims.is_discarded() ||
      !out.claims.is_object())
    return util::make_error(util::ErrorKind::auth, "token header or claims are not JSON objects");
  out.signing_input = token.substr(0, b);
  out.signature = std::move(*sig);
  return out;
}

bool verify_token_signature(const DecodedToken& token, EVP_PKEY* public_key) {
  return util::es256_verify(public_key, token.signing_input, token.signature);
}

}  // namespace asc
