// Daemon config: defaults, every error with its place, path resolution and systemd credentials.
#include <doctest/doctest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>

#include "config/daemon_config.hpp"
#include "support/diagnostics.hpp"
#include "support/temp_dir.hpp"

namespace fs = std::filesystem;

namespace {

using test_support::TempDir;

using test_support::has;

const std::string k_team =
    "teams:\n"
    "  - name: acme\n"
    "    issuer_id: 57246542-96fe-1a63-e053-0824d011072a\n"
    "    key_id: 2X9R4HXF34\n"
    "    private_key_file: key.p8\n"
    "    desired_state: desired\n";

// A directory with key.p8 and desired/ next to the config, as a working install has.
struct Install : TempDir {
  Install() {
    write("key.p8", "not read by the config loader");
    fs::create_directories(path / "desired");
  }
};

}  // namespace

TEST_CASE("a minimal config gets every default; relative paths resolve against the config dir") {
  Install dir;
  const std::string path = dir.write("ascsync.yaml", k_team);
  config::Environment env;
  config::Diagnostics diags;
  auto r = config::load_daemon_config(path, env, &diags);
  INFO(diags.render());
  REQUIRE(r.ok());
  const auto& c = *r;
  CHECK(c.path == path);
  CHECK(c.config_dir == dir.path.string());
  CHECK(c.database == "./ascsync.db");
  CHECK(c.log.level == "info");
  CHECK(c.log.format == util::LogFormat::text);
  CHECK(c.admin.listen == "127.0.0.1:9469");
  CHECK(c.admin.host == "127.0.0.1");
  CHECK(c.admin.port == 9469);
  CHECK(c.admin.token_file.empty());
  CHECK(c.defaults.interval == std::chrono::minutes(15));
  CHECK(c.defaults.jitter == std::chrono::minutes(1));
  CHECK(c.defaults.reserve_percent == 10);
  REQUIRE(c.teams.size() == 1);
  const auto& t = c.teams[0];
  CHECK(t.name == "acme");
  CHECK(t.private_key_file == dir.str("key.p8"));
  CHECK(t.desired_state == dir.str("desired"));
  CHECK(t.base_url == "https://api.appstoreconnect.apple.com");
  CHECK(t.interval == std::chrono::minutes(15));
  CHECK(t.max_parallel == 1);
  CHECK(t.enabled);
  CHECK(t.loc.str() == path + ":2:5");
  CHECK(c.find_team("acme") == &c.teams[0]);
  CHECK(c.find_team("other") == nullptr);
  CHECK(diags.empty());
}

TEST_CASE("STATE_DIRECTORY sets the default database; an explicit one resolves against the config dir") {
  Install dir;
  const std::string path = dir.write("ascsync.yaml", k_team);
  config::Environment env;
  env.state_directory = "/var/lib/ascsync:/var/lib/other";
  auto r = config::load_daemon_config(path, env);
  REQUIRE(r.ok());
  CHECK(r->database == "/var/lib/ascsync/ascsync.db");
  const std::string explicit_db = dir.write("explicit.yaml", "database: data/a.db\n" + k_team);
  auto e = config::load_daemon_config(explicit_db, env);
  REQUIRE(e.ok());
  CHECK(e->database == dir.str("data/a.db"));
}

TEST_CASE("every field can be set") {
  Install dir;
  dir.write("token", "secret");
  dir.write("ca.pem", "pem");
  const std::string path = dir.write("ascsync.yaml",
                                     "database: /tmp/x.db\n"
                                     "log: {level: debug, format: json}\n"
                                     "admin: {listen: '0.0.0.0:9000', token_file: token}\n"
                                     "defaults: {interval: 1h30m, jitter: 45s, reserve_percent: 20}\n" +
                                         k_team +
                                         "    base_url: http://127.0.0.1:8080/\n"
                                         "    ca_file: ca.pem\n"
                                         "    interval: 30s\n"
                                         "    max_parallel: 4\n"
                                         "    enabled: false\n");
  config::Diagnostics diags;
  auto r = config::load_daemon_config(path, config::Environment{}, &diags);
  INFO(diags.render());
  REQUIRE(r.ok());
  CHECK(r->database == "/tmp/x.db");
  CHECK(r->log.level == "debug");
  CHECK(r->log.format == util::LogFormat::json);
  CHECK(r->admin.host == "0.0.0.0");
  CHECK(r->admin.port == 9000);
  CHECK(r->admin.token_file == dir.str("token"));
  CHECK(r->defaults.interval == std::chrono::seconds(5400));
  CHECK(r->defaults.jitter == std::chrono::seconds(45));
  CHECK(r->defaults.reserve_percent == 20);
  const auto& t = r->teams.at(0);
  CHECK(t.base_url == "http://127.0.0.1:8080");
  CHECK(t.ca_file == dir.str("ca.pem"));
  CHECK(t.interval == std::chrono::seconds(30));
  CHECK(t.max_parallel == 4);
  CHECK_FALSE(t.enabled);
}

TEST_CASE("the private key is found in CREDENTIALS_DIRECTORY by file name") {
  Install dir;
  TempDir creds;
  creds.write("AuthKey_2X9R4HXF34.p8", "key");
  std::string yaml = k_team;
  yaml.replace(yaml.find("key.p8"), 6, "/etc/ascsync/keys/AuthKey_2X9R4HXF34.p8");
  const std::string path = dir.write("ascsync.yaml", yaml);
  config::Environment env;
  config::Diagnostics diags;
  auto missing = config::load_daemon_config(path, env, &diags);
  REQUIRE_FALSE(missing.ok());
  CHECK(has(diags, path + ":5:23",
            {"private key file not found", "/etc/ascsync/keys/AuthKey_2X9R4HXF34.p8", "LoadCredential="}));
  env.credentials_directory = creds.path.string();
  auto found = config::load_daemon_config(path, env);
  REQUIRE(found.ok());
  CHECK(found->teams.at(0).private_key_file == creds.str("AuthKey_2X9R4HXF34.p8"));
}

TEST_CASE("the shipped unit's LoadCredential=keys:/etc/ascsync/keys names credentials keys_<file>") {
  Install dir;
  TempDir creds;
  creds.write("keys_AuthKey_2X9R4HXF34.p8", "key");
  std::string yaml = k_team;
  yaml.replace(yaml.find("key.p8"), 6, "/etc/ascsync/keys/AuthKey_2X9R4HXF34.p8");
  const std::string path = dir.write("ascsync.yaml", yaml);
  config::Environment env;
  env.credentials_directory = creds.path.string();
  auto found = config::load_daemon_config(path, env);
  REQUIRE(found.ok());
  CHECK(found->teams.at(0).private_key_file == creds.str("keys_AuthKey_2X9R4HXF34.p8"));
}

TEST_CASE("each daemon config error is reported at its place with a hint") {
  struct Case {
    const char* name;
    std::string yaml;
    std::string loc;  // line:col in ascsync.yaml
    std::vector<std::string> parts;
  };
  const std::vector<Case> cases = {
      {"unknown top-level key",
       "databse: x.db\n" + k_team,
       "1:1",
       {"unknown key 'databse'", "did you mean 'database'"}},
      {"unknown team key",
       k_team + "    intervall: 5m\n",
       "7:5",
       {"unknown key 'intervall'", "did you mean 'interval'"}},
      {"unknown key far from any",
       "colour: red\n" + k_team,
       "1:1",
       {"unknown key 'colour'", "valid keys: database"}},
      {"no teams", "log: {level: info}\n", "1:1", {"no teams configured"}},
      {"teams not a list", "teams: acme\n", "1:8", {"'teams' must be a list"}},
      {"bad level", "log: {level: loud}\n" + k_team, "1:14", {"unknown log level 'loud'", "trace, debug"}},
      {"bad format",
       "log:\n  format: xml\n" + k_team,
       "2:11",
       {"unknown log format 'xml'", "text, json, journal"}},
      {"bad listen", "admin: {listen: localhost}\n" + k_team, "1:17", {"'listen' is not host:port"}},
      {"public listen without token",
       "admin:\n  listen: 0.0.0.0:9469\n" + k_team,
       "2:11",
       {"without a token", "token_file"}},
      {"missing token file",
       "admin: {listen: '[::]:1', token_file: nope}\n" + k_team,
       "1:39",
       {"token file not found"}},
      {"bad duration", "defaults: {interval: 15 minutes}\n" + k_team, "1:22", {"not a duration", "15m"}},
      {"jitter not below interval",
       "defaults: {interval: 1m, jitter: 1m}\n" + k_team,
       "1:34",
       {"jitter 1m is not shorter than the interval 1m"}},
      {"reserve out of range",
       "defaults: {reserve_percent: 95}\n" + k_team,
       "1:29",
       {"out of range", "0..90"}},
      {"bad team name",
       "teams:\n  - {name: Acme, issuer_id: 57246542-96fe-1a63-e053-0824d011072a, key_id: 2X9R4HXF34, "
       "private_key_file: key.p8, desired_state: desired}\n",
       "2:12",
       {"team name 'Acme' is not valid"}},
      {"bad issuer",
       "teams:\n  - name: a\n    issuer_id: 1234\n",
       "3:16",
       {"issuer_id '1234' is not a UUID"}},
      {"bad key id", "teams:\n  - name: a\n    key_id: abc\n", "3:13", {"key_id 'abc' is not 10 characters"}},
      {"missing required", "teams:\n  - name: a\n", "2:5", {"missing required key 'issuer_id'"}},
      {"missing desired state", "teams:\n  - name: a\n", "2:5", {"missing required key 'desired_state'"}},
      {"desired state not found",
       k_team + "  - name: b\n    desired_state: nowhere\n",
       "8:20",
       {"desired state not found"}},
      {"duplicate team",
       k_team + k_team.substr(7),
       "7:11",
       {"team 'acme' is declared twice", "first declared at"}},
      {"shared key id",
       k_team + "  - name: b\n    key_id: 2X9R4HXF34\n",
       "8:13",
       {"key_id 2X9R4HXF34 is used by two teams"}},
      {"http to a remote host",
       k_team + "    base_url: http://api.example.com\n",
       "7:15",
       {"plain http to api.example.com", "use https"}},
      {"not a url", k_team + "    base_url: api.example.com\n", "7:15", {"is not an http(s) URL"}},
      {"max_parallel range", k_team + "    max_parallel: 5\n", "7:19", {"out of range", "1..4"}},
      {"enabled as string", k_team + "    enabled: 'no'\n", "7:14", {"'enabled' must be true or false"}},
      {"duplicate key", k_team + "    name: again\n", "7:5", {"duplicate key 'name'"}},
      {"syntax error", "log: [\n", "2:1", {"YAML syntax"}},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    Install dir;
    const std::string path = dir.write("ascsync.yaml", c.yaml);
    config::Diagnostics diags;
    auto r = config::load_daemon_config(path, config::Environment{}, &diags);
    INFO(diags.render());
    CHECK_FALSE(r.ok());
    CHECK(has(diags, path + ":" + c.loc, c.parts));
  }
}

TEST_CASE("errors are all reported at once; disabled teams only warn about missing files") {
  Install dir;
  const std::string path = dir.write(
      "ascsync.yaml",
      "log: {level: loud}\n"
      "teams:\n"
      "  - {name: a, issuer_id: x, key_id: 2X9R4HXF34, private_key_file: key.p8, desired_state: desired}\n"
      "  - {name: off, enabled: false, issuer_id: 57246542-96fe-1a63-e053-0824d011072a,\n"
      "     key_id: 2X9R4HXF35, private_key_file: gone.p8, desired_state: desired}\n");
  config::Diagnostics diags;
  auto r = config::load_daemon_config(path, config::Environment{}, &diags);
  REQUIRE_FALSE(r.ok());
  CHECK(diags.error_count() == 2);
  CHECK(diags.warning_count() == 1);
  INFO(diags.render());
  CHECK(has(diags, path + ":5:44",
            {"warning: private key file not found", "ignored while the team is disabled"}));
  CHECK(r.error().message.find(path + ":1:14: error: unknown log level") != std::string::npos);
  CHECK(r.error().message.find(path + ":3:26: error: issuer_id 'x' is not a UUID") != std::string::npos);
}

TEST_CASE("an unreadable config file is one clear error") {
  TempDir dir;
  config::Diagnostics diags;
  auto r = config::load_daemon_config(dir.str("absent.yaml"), config::Environment{}, &diags);
  REQUIRE_FALSE(r.ok());
  REQUIRE(diags.items().size() == 1);
  CHECK(diags.items()[0].message == "cannot read the daemon config");
}

TEST_CASE("the shipped example config loads once its key file exists") {
  TempDir dir;
  fs::copy_file(std::string(ASCSYNC_TEST_SOURCE_DIR) + "/config/ascsync.example.yaml",
                dir.path / "ascsync.yaml");
  dir.write("keys/AuthKey_2X9R4HXF34.p8", "key");
  dir.write("desired/example-team.yaml", "team: acme\n");
  config::Diagnostics diags;
  auto r = config::load_daemon_config(dir.str("ascsync.yaml"), config::Environment{}, &diags);
  INFO(diags.render());
  REQUIRE(r.ok());
  CHECK(r->log.format == util::LogFormat::journal);
  CHECK(r->teams.at(0).interval == std::chrono::minutes(10));
  CHECK(r->teams.at(0).max_parallel == 2);
}
