// Safe file reading, UTF-8 checks, escaping for diagnostics and log redaction (issue 8).
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "support/temp_dir.hpp"
#include "util/files.hpp"
#include "util/log.hpp"
#include "util/strings.hpp"

namespace fs = std::filesystem;
using test_support::TempDir;

TEST_CASE("read_file refuses what is not a regular file, without hanging, and caps the size") {
  TempDir d;
  fs::create_directories(d.path / "dir");
  REQUIRE(::mkfifo(d.str("fifo").c_str(), 0600) == 0);
  const std::string small = d.write("small", "abc");
  const std::string big = d.write("big", std::string(1025, 'x'));
  struct Case {
    std::string path;
    std::string part;  // "" = readable
  };
  const Case cases[] = {
      {d.str("dir"), "is a directory, not a regular file"},
      {d.str("fifo"), "is a FIFO, not a regular file"},
      {"/dev/zero", "is a character device, not a regular file"},
      {"/dev/null", "is a character device"},
      {d.str("absent"), "No such file or directory"},
      {big, "1025 bytes, more than the limit of 1 KiB"},
      {small, ""},
  };
  for (const auto& c : cases) {
    CAPTURE(c.path);
    auto r = util::read_file(c.path, 1024);
    if (c.part.empty()) {
      REQUIRE(r.ok());
      CHECK(*r == "abc");
      continue;
    }
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find(c.path) != std::string::npos);
    CHECK(r.error().message.find(c.part) != std::string::npos);
  }
  CHECK(util::read_file(d.write("empty", "")).value().empty());
  CHECK(util::check_regular_file(small).ok());
  CHECK(util::check_regular_file(d.str("fifo")).error().message.find("is a FIFO") != std::string::npos);
}

TEST_CASE("read_secret_file refuses directories, devices and oversized files") {
  TempDir d;
  fs::create_directories(d.path / "keys");
  ::chmod(d.str("keys").c_str(), 0700);
  auto dir = util::read_secret_file(d.str("keys"));
  REQUIRE_FALSE(dir.ok());
  CHECK(dir.error().message.find("is a directory, not a regular file") != std::string::npos);
  const std::string big = d.write("big.p8", std::string(util::k_max_secret_file_bytes + 1, 'k'));
  ::chmod(big.c_str(), 0600);
  auto large = util::read_secret_file(big);
  REQUIRE_FALSE(large.ok());
  CHECK(large.error().message.find("more than the limit of 64 KiB") != std::string::npos);
  const std::string ok = d.write("ok.p8", "key");
  ::chmod(ok.c_str(), 0600);
  CHECK(util::read_secret_file(ok).value() == "key");
  ::chmod(ok.c_str(), 0644);
  CHECK(util::read_secret_file(ok).error().message.find("chmod 600") != std::string::npos);
}

TEST_CASE("UTF-8 validation finds the first bad byte; positions are line and character") {
  struct Case {
    std::string text;
    size_t bad;
  };
  const Case cases[] = {
      {"plain", std::string::npos},
      {"Ren\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", std::string::npos},
      {"Ren\xe9", 3},           // Latin-1
      {"\xc0\xaf", 0},          // overlong '/'
      {"a\xed\xa0\x80", 1},     // surrogate U+D800
      {"\xf4\x90\x80\x80", 0},  // above U+10FFFF
      {"ab\xe2\x82", 2},        // truncated
      {"\x80", 0},              // lone continuation
      {std::string("a\0b", 3), std::string::npos},
  };
  for (const auto& c : cases) {
    CAPTURE(util::escape_control(c.text));
    CHECK(util::invalid_utf8_offset(c.text) == c.bad);
  }
  const std::string text = "ab\n\xc3\xa9\xc3\xa9x";
  const auto pos = util::position_of(text, text.size() - 1);
  CHECK(pos.line == 2);
  CHECK(pos.column == 3);
}

TEST_CASE("escape_control shows control bytes and invalid UTF-8 as escapes, keeps printable text") {
  CHECK(util::escape_control("plain Ren\xc3\xa9") == "plain Ren\xc3\xa9");
  CHECK(util::escape_control("\x1b[31mred\x1b[0m") == "\\x1b[31mred\\x1b[0m");
  CHECK(util::escape_control("a\tb\nc\rd\x7f") == "a\\tb\\nc\\rd\\x7f");
  CHECK(util::escape_control("\xc2\x9b"
                             "2J") == "\\xc2\\x9b2J");  // C1 CSI
  CHECK(util::escape_control("Ren\xe9") == "Ren\\xe9");
  CHECK(util::escape_control(std::string("a\0b", 3)) == "a\\x00b");
}

TEST_CASE("redact removes credentials, not prose about them") {
  struct Case {
    std::string in;
    std::string want;
  };
  const Case cases[] = {
      {"the admin endpoint on 0.0.0.0 needs a bearer token; set one",
       "the admin endpoint on 0.0.0.0 needs a bearer token; set one"},
      {"missing or wrong bearer token", "missing or wrong bearer token"},
      {"Bearer tokens expire after 20 minutes", "Bearer tokens expire after 20 minutes"},
      {"Bearer authentication failed", "Bearer authentication failed"},
      {"Authorization: Bearer hunter2", "Authorization: Bearer [REDACTED]"},
      {"authorization:bearer abc", "authorization:Bearer [REDACTED]"},
      {"curl -H 'Bearer 8f3c2a91d0e4'", "curl -H 'Bearer [REDACTED]'"},
      {"token Bearer s3cr3t-admin-token!", "token Bearer [REDACTED]!"},
      {"Bearer AbCdEfGhIjKlMnOpQrStUv", "Bearer [REDACTED]"},
      {"Bearer abc/def+ghi=", "Bearer [REDACTED]"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.in);
    CHECK(util::redact(c.in) == c.want);
  }
}
