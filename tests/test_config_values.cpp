// Scalar parsers and the did-you-mean helper.
#include <doctest/doctest.h>

#include "config/diagnostics.hpp"
#include "config/values.hpp"
#include "config/yaml_reader.hpp"

TEST_CASE("durations") {
  using std::chrono::seconds;
  struct Case {
    const char* text;
    std::optional<seconds> want;
  };
  const Case cases[] = {{"30s", seconds(30)},     {"15m", seconds(900)},        {"1h", seconds(3600)},
                        {"1h30m", seconds(5400)}, {"90s", seconds(90)},         {"0s", seconds(0)},
                        {"", std::nullopt},       {"15", std::nullopt},         {"m", std::nullopt},
                        {"1d", std::nullopt},     {"1 h", std::nullopt},        {"-5m", std::nullopt},
                        {"1h30", std::nullopt},   {"9999999999s", std::nullopt}};
  for (const auto& c : cases) {
    CAPTURE(c.text);
    CHECK(config::parse_duration(c.text) == c.want);
  }
  CHECK(config::format_duration(seconds(5400)) == "1h30m");
  CHECK(config::format_duration(seconds(61)) == "1m1s");
  CHECK(config::format_duration(seconds(0)) == "0s");
}

TEST_CASE("emails, bundle ids, UUIDs, key ids, team names") {
  for (const char* good : {"a@b.co", "first.last+tag@sub.example.com", "A@B.COM"}) {
    CAPTURE(good);
    CHECK(config::is_valid_email(good));
  }
  for (const char* bad :
       {"", "a", "@b.com", "a@", "a@b", "a@@b.com", "a b@c.com", "a@b..com", "a@.com", "a@b.com,"}) {
    CAPTURE(bad);
    CHECK_FALSE(config::is_valid_email(bad));
  }
  CHECK(config::is_valid_bundle_id("com.acme.app-1"));
  CHECK(config::is_valid_bundle_id("com.acme.*"));
  CHECK_FALSE(config::is_valid_bundle_id("com acme"));
  CHECK_FALSE(config::is_valid_bundle_id(""));
  CHECK(config::is_uuid("57246542-96fe-1a63-e053-0824d011072a"));
  CHECK_FALSE(config::is_uuid("57246542-96fe-1a63-e053-0824d011072"));
  CHECK_FALSE(config::is_uuid("57246542x96fe-1a63-e053-0824d011072a"));
  CHECK(config::is_key_id("2X9R4HXF34"));
  CHECK_FALSE(config::is_key_id("2x9r4hxf34"));
  CHECK_FALSE(config::is_key_id("2X9R4HXF3"));
  CHECK(config::is_team_name("acme-ios_2"));
  CHECK_FALSE(config::is_team_name("Acme"));
  CHECK_FALSE(config::is_team_name(""));
}

TEST_CASE("loopback hosts, URLs and listen addresses") {
  for (const char* h : {"127.0.0.1", "127.1.2.3", "::1", "localhost"}) CHECK(config::is_loopback_host(h));
  for (const char* h : {"128.0.0.1", "127.0.0.256", "127.0.0", "localhost.evil.com", "0.0.0.0", "::"})
    CHECK_FALSE(config::is_loopback_host(h));
  auto u = config::parse_url("http://[::1]:8080/v1");
  REQUIRE(u);
  CHECK(u->scheme == "http");
  CHECK(u->host == "::1");
  CHECK(u->port == 8080);
  CHECK(u->path == "/v1");
  auto apple = config::parse_url("https://api.appstoreconnect.apple.com");
  REQUIRE(apple);
  CHECK(apple->port == 0);
  for (const char* bad :
       {"api.example.com", "ftp://x", "http://", "http://x:", "http://x:99999", "http://u@x"})
    CHECK_FALSE(config::parse_url(bad));
  auto hp = config::parse_host_port("[::1]:9469");
  REQUIRE(hp);
  CHECK(hp->host == "::1");
  CHECK(hp->port == 9469);
  CHECK(config::parse_host_port("127.0.0.1:0")->port == 0);
  for (const char* bad : {"localhost", "::1:9469", ":80", "x:65536", "x:"})
    CHECK_FALSE(config::parse_host_port(bad));
}

TEST_CASE("did you mean: close words only") {
  const std::vector<std::string> keys = {"testers", "tester_imports", "users", "apps", "policy", "team"};
  CHECK(config::yaml::closest("tesers", keys) == "testers");
  CHECK(config::yaml::closest("Users", keys) == "users");
  CHECK(config::yaml::closest("polciy", keys) == "policy");
  CHECK(config::yaml::closest("certificates", keys).empty());
}

TEST_CASE("diagnostics render with place, hint and the related place") {
  config::Diagnostics diags;
  diags.warning(core::SourceLoc{"b.yaml", 2, 3}, "later");
  diags.duplicate(core::SourceLoc{"a.yaml", 9, 1}, core::SourceLoc{"a.yaml", 4, 1}, "twice", "keep one");
  diags.sort();
  CHECK(diags.render() ==
        "a.yaml:9:1: error: twice (first declared at a.yaml:4:1) (hint: keep one)\n"
        "b.yaml:2:3: warning: later\n");
  CHECK(diags.error_count() == 1);
  CHECK(diags.warning_count() == 1);
  CHECK(core::SourceLoc{"f", 0, 0}.str() == "f");
}
