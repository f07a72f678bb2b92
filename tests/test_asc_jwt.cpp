#include <doctest/doctest.h>

#include "asc/jwt.hpp"
#include "util/time.hpp"

TEST_CASE("ES256 JWT signs and verifies; tampering is detected") {
  auto key = util::generate_p256_key();
  REQUIRE(key);
  asc::TokenRequest req{"69a6de70-0000-47e3-e053-5b8c7c11a4d1", "ABC123DEFG", util::from_unix(1'800'000'000),
                        std::chrono::seconds(1200)};
  auto token = asc::make_token(key.get(), req);
  REQUIRE(token.ok());
  auto decoded = asc::decode_token(*token);
  REQUIRE(decoded.ok());
  CHECK(decoded->header["alg"] == "ES256");
  CHECK(decoded->header["kid"] == "ABC123DEFG");
  CHECK(decoded->header["typ"] == "JWT");
  CHECK(decoded->claims["aud"] == "appstoreconnect-v1");
  CHECK(decoded->claims["iat"] == 1'800'000'000);
  CHECK(decoded->claims["exp"] == 1'800'001'200);
  auto pub = util::load_public_key_pem(util::public_key_to_pem(key.get()));
  REQUIRE(pub.ok());
  CHECK(asc::verify_token_signature(*decoded, pub->get()));

  auto other = util::generate_p256_key();
  CHECK_FALSE(asc::verify_token_signature(*decoded, other.get()));
  decoded->signing_input[5] ^= 1;
  CHECK_FALSE(asc::verify_token_signature(*decoded, pub->get()));
}
