#include <doctest/doctest.h>

#include "util/crypto.hpp"
#include "util/log.hpp"
#include "util/strings.hpp"
#include "util/time.hpp"

TEST_CASE("base64 and base64url round-trip every length") {
  std::string data;
  for (int i = 0; i < 70; ++i) {
    CHECK(*util::base64_decode(util::base64_encode(data)) == data);
    CHECK(*util::base64url_decode(util::base64url_encode(data)) == data);
    data += static_cast<char>(i * 37);
  }
  CHECK(util::base64_encode("any carnal pleas") == "YW55IGNhcm5hbCBwbGVhcw==");
  CHECK(util::base64url_encode("\xfb\xff") == "-_8");
  CHECK_FALSE(util::base64_decode("a!bc").ok());
}

TEST_CASE("RFC 3339 parse and format") {
  const auto t = util::parse_rfc3339("2026-11-21T10:37:11.250+00:00");
  REQUIRE(t);
  CHECK(util::format_rfc3339(*t) == "2026-11-21T10:37:11.250+00:00");
  CHECK(util::parse_rfc3339("2026-11-21T12:37:11+02:00") == util::parse_rfc3339("2026-11-21T10:37:11Z"));
  CHECK_FALSE(util::parse_rfc3339("2026-13-01T00:00:00Z"));
  CHECK_FALSE(util::parse_rfc3339("yesterday"));
  CHECK_FALSE(util::parse_rfc3339("2026-11-21T10:37:11"));
}

TEST_CASE("strings helpers") {
  CHECK(util::split("a,,b", ',') == std::vector<std::string>{"a", "", "b"});
  CHECK(util::url_encode("filter[roles]") == "filter%5Broles%5D");
  CHECK(util::url_decode("filter%5Broles%5D=A%2CB") == "filter[roles]=A,B");
  CHECK(util::edit_distance("tesers", "testers") == 1);
  CHECK(util::iequals("A@B.com", "a@b.COM"));
}

TEST_CASE("PKCS#8 PEM round-trip") {
  auto key = util::generate_p256_key();
  const std::string pem = util::private_key_to_pem(key.get());
  CHECK(pem.find("-----BEGIN PRIVATE KEY-----") == 0);
  auto loaded = util::load_private_key_pem(pem);
  REQUIRE(loaded.ok());
  CHECK(util::public_key_to_der(loaded->get()) == util::public_key_to_der(key.get()));
  auto bad = util::load_private_key_pem("not a key");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message.find("PKCS#8") != std::string::npos);
}

TEST_CASE("redact removes tokens and keys") {
  auto key = util::generate_p256_key();
  const std::string token = util::base64url_encode(R"({"alg":"ES256","kid":"K"})") + "." +
                            util::base64url_encode(R"({"iss":"x","aud":"appstoreconnect-v1"})") +
                            ".c2lnbmF0dXJl";
  const std::string line = "GET /v1/users Authorization: Bearer " + token;
  const std::string clean = util::redact(line);
  CHECK(clean.find(token) == std::string::npos);
  CHECK(clean.find("[REDACTED]") != std::string::npos);
  CHECK(util::redact("token=" + token).find("eyJ") == std::string::npos);
  const std::string pem = util::private_key_to_pem(key.get());
  CHECK(util::redact("key: " + pem).find("BEGIN PRIVATE KEY") == std::string::npos);
}
