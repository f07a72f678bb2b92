// Keys and tokens: loading the .p8 safely, token lifetime and renewal, and verification of our
// tokens by an implementation we did not write (npm jose, via node).
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "asc/credentials.hpp"
#include "asc/jwt.hpp"
#include "asc/token_provider.hpp"
#include "util/crypto.hpp"
#include "util/files.hpp"
#include "util/time.hpp"

namespace fs = std::filesystem;

namespace {

struct KeyDir {
  fs::path path;
  KeyDir() {
    std::string tmpl = (fs::temp_directory_path() / "asc-cred-XXXXXX").string();
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    path = tmpl;
  }
  ~KeyDir() { fs::remove_all(path); }
  std::string write(const std::string& name, const std::string& content, unsigned mode) {
    const std::string p = (path / name).string();
    REQUIRE(util::write_file_atomic(p, content, mode).ok());
    ::chmod(p.c_str(), static_cast<mode_t>(mode));
    return p;
  }
};

std::string tools_dir() {
  if (const char* d = std::getenv("ASCSYNC_TOOLS_DIR"); d && *d) return d;
  if (const char* c = std::getenv("XDG_CACHE_HOME"); c && *c) return std::string(c) + "/ascsync-tools";
  const char* home = std::getenv("HOME");
  return std::string(home ? home : "/root") + "/.cache/ascsync-tools";
}

std::string find_in_path(const std::string& name) {
  const char* path = std::getenv("PATH");
  if (!path) return {};
  std::string p(path);
  size_t start = 0;
  while (start <= p.size()) {
    const size_t end = p.find(':', start);
    const std::string dir = p.substr(start, end == std::string::npos ? std::string::npos : end - start);
    const std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return {};
}

// Runs argv with output to `log`; returns the exit status (-1 when it did not exit normally).
int run(const std::vector<std::string>& argv, const std::string& log) {
  std::fflush(stdout);  // or the child's freopen would flush our buffered output a second time
  const pid_t pid = ::fork();
  if (pid == 0) {
    std::FILE* out = std::freopen(log.c_str(), "w", stdout);
    (void)out;
    ::dup2(::fileno(stdout), 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));  // NOLINT: execv wants char*
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string slurp(const std::string& p) {
  std::ifstream in(p);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

TEST_CASE("a key file readable by group or others is refused with a chmod hint") {
  KeyDir dir;
  auto key = util::generate_p256_key();
  const std::string pem = util::private_key_to_pem(key.get());
  for (unsigned mode : {0644u, 0640u, 0604u, 0660u}) {
    CAPTURE(mode);
    const std::string path = dir.write("AuthKey.p8", pem, mode);
    auto creds = asc::load_credentials("issuer", "KEY", path);
    REQUIRE_FALSE(creds.ok());
    CHECK(creds.error().kind == util::ErrorKind::auth);
    CHECK(creds.error().message.find("chmod 600 " + path) != std::string::npos);
    CHECK(creds.error().message.find("PRIVATE") == std::string::npos);
  }
  const std::string path = dir.write("AuthKey.p8", pem, 0600);
  auto creds = asc::load_credentials("issuer", "KEY", path);
  REQUIRE(creds.ok());
  CHECK(creds->key_id == "KEY");
}

TEST_CASE("invalid or wrong-type keys are clear auth errors without key material") {
  KeyDir dir;
  const std::string garbage =
      "-----BEGIN PRIVATE KEY-----\nTUlJQ0lqQU5CZ2txaGtpRzl3MEJBUUVGQUFPQ0FnOEFNSUlDQ2dLQ0FnRUE=\n-----END "
      "PRIVATE KEY-----\n";
  auto rsa = util::generate_rsa_key(2048);
  struct Row {
    std::string content;
    std::string expect;
  };
  const std::vector<Row> rows = {
      {garbage, "not a PEM private key"},
      {"hello", "not a PEM private key"},
      {util::private_key_to_pem(rsa.get()), "not an EC P-256 private key"},
  };
  for (const auto& row : rows) {
    CAPTURE(row.expect);
    const std::string path = dir.write("k.p8", row.content, 0600);
    auto creds = asc::load_credentials("issuer", "KEY", path);
    REQUIRE_FALSE(creds.ok());
    CHECK(creds.error().kind == util::ErrorKind::auth);
    CHECK(creds.error().message.find(row.expect) != std::string::npos);
    CHECK(creds.error().message.find("TUlJQ0lq") == std::string::npos);
    CHECK(creds.error().message.find("BEGIN") == std::string::npos);
  }
  auto missing = asc::load_credentials("issuer", "KEY", (dir.path / "nope.p8").string());
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().kind == util::ErrorKind::auth);
}

TEST_CASE("tokens: backdated iat, lifetime under 20 minutes, cached, renewed before expiry") {
  auto key = util::generate_p256_key();
  auto creds = asc::credentials_from_pem("issuer", "KEY", util::private_key_to_pem(key.get()));
  REQUIRE(creds.ok());
  auto clock = std::make_shared<util::ManualClock>(util::from_unix(2'000'000'000));
  asc::TokenProvider tokens(*creds, clock);
  auto first = tokens.token();
  REQUIRE(first.ok());
  auto claims = asc::decode_token(*first)->claims;
  CHECK(claims["iat"] == 2'000'000'000 - 60);
  CHECK(claims["exp"] == 2'000'000'000 + 15 * 60);

  clock->advance(std::chrono::minutes(12));  // 3 minutes left: still reused
  CHECK(*tokens.token() == *first);
  clock->advance(std::chrono::seconds(61));  // under 2 minutes left: renewed
  auto second = tokens.token();
  CHECK(*second != *first);
  CHECK(asc::decode_token(*second)->claims["iat"] == 2'000'000'000 + 13 * 60 + 1 - 60);
  CHECK(tokens.tokens_signed() == 2);
  tokens.invalidate();
  CHECK(*tokens.token() != *second);

  asc::TokenOptions greedy;
  greedy.lifetime = std::chrono::hours(1);  // asking for more than Apple accepts is clamped
  asc::TokenProvider clamped(*creds, clock, greedy);
  auto c = asc::decode_token(*clamped.token())->claims;
  CHECK(c["exp"].get<long long>() - util::to_unix(clock->now()) < 20 * 60);
  CHECK(c["exp"].get<long long>() - c["iat"].get<long long>() <= 20 * 60);
}

TEST_CASE("tokens verify with npm jose (an independent JWT implementation)") {
  const std::string node = find_in_path("node");
  REQUIRE_MESSAGE(!node.empty(), "node is not in PATH: run scripts/install-deps.sh --test");
  const std::string jose_dir = tools_dir() + "/jose";
  REQUIRE_MESSAGE(fs::exists(jose_dir + "/node_modules/jose/package.json"),
                  "npm jose is not installed in " << jose_dir << ": run scripts/install-jose.sh");
  const std::string script = std::string(ASCSYNC_TEST_SOURCE_DIR) + "/tests/tools/verify_jwt.mjs";

  KeyDir dir;
  auto key = util::generate_p256_key();
  auto creds = asc::credentials_from_pem("69a6de70-03db-47e3-e053-5b8c7c11a4d1", "2X9R4HXF34",
                                         util::private_key_to_pem(key.get()));
  REQUIRE(creds.ok());
  asc::TokenProvider tokens(*creds, util::system_clock());
  auto token = tokens.token();
  REQUIRE(token.ok());
  const std::string token_file = dir.write("token", *token, 0600);
  const std::string pub_file = dir.write("pub.pem", util::public_key_to_pem(key.get()), 0600);
  const std::string log = (dir.path / "out.log").string();

  const int ok =
      run({node, script, token_file, pub_file, "69a6de70-03db-47e3-e053-5b8c7c11a4d1", "2X9R4HXF34"}, log);
  CHECK_MESSAGE(ok == 0, slurp(log));
  CHECK(slurp(log).find("\"ok\":true") != std::string::npos);

  // The verifier is not a rubber stamp: a wrong issuer, another key and a stale token all fail.
  CHECK(run({node, script, token_file, pub_file, "another-issuer", "2X9R4HXF34"}, log) == 1);
  CHECK(run({node, script, token_file, pub_file, "69a6de70-03db-47e3-e053-5b8c7c11a4d1", "OTHERKEY"}, log) ==
        1);
  auto other = util::generate_p256_key();
  const std::string other_pub = dir.write("other.pem", util::public_key_to_pem(other.get()), 0600);
  CHECK(run({node, script, token_file, other_pub, "69a6de70-03db-47e3-e053-5b8c7c11a4d1", "2X9R4HXF34"},
            log) == 1);
  auto old_clock =
      std::make_shared<util::ManualClock>(std::chrono::system_clock::now() - std::chrono::hours(1));
  asc::TokenProvider stale(*creds, old_clock);
  const std::string stale_file = dir.write("stale", *stale.token(), 0600);
  CHECK(run({node, script, stale_file, pub_file, "69a6de70-03db-47e3-e053-5b8c7c11a4d1", "2X9R4HXF34"},
            log) == 1);
  CHECK(slurp(log).find("exp") != std::string::npos);
}
