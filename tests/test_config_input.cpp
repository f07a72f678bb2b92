// Issue 8: input that `validate` accepts must not later crash or delete. Every class of
// malformed input — a second YAML document, unreadable or non-regular files, invalid UTF-8,
// numbers that overflow, oversized files, a daemon config without teams — is an error with its
// place, found by the loaders `validate`, `plan`, `apply` and the daemon share.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "config/daemon_config.hpp"
#include "config/desired_state.hpp"
#include "config/validate.hpp"
#include "config/values.hpp"
#include "config/yaml_reader.hpp"
#include "support/diagnostics.hpp"
#include "support/temp_dir.hpp"
#include "util/files.hpp"

namespace fs = std::filesystem;

namespace {

using test_support::TempDir;

// True when some diagnostic sits at loc and its rendering contains every part.
using test_support::has;

const std::string k_groups =
    "apps:\n"
    "  - bundle_id: com.acme.app\n"
    "    groups:\n"
    "      - name: QA\n";

const std::string k_input_team =
    "teams:\n"
    "  - name: acme\n"
    "    issuer_id: 57246542-96fe-1a63-e053-0824d011072a\n"
    "    key_id: 2X9R4HXF34\n"
    "    private_key_file: key.p8\n"
    "    desired_state: desired\n";

// A directory with key.p8 and desired/ next to the config, as a working install has.
struct InputInstall : TempDir {
  InputInstall() {
    write("key.p8", "not read by the config loader");
    write("desired/acme.yaml", "team: acme\n");
  }
};

}  // namespace

TEST_CASE("malformed desired-state files are errors at their place, never a partial state") {
  struct Case {
    const char* name;
    std::string yaml;
    std::string loc;  // line:col in team.yaml ("" = the file itself)
    std::vector<std::string> parts;
  };
  const std::vector<Case> cases = {
      {"a second document",
       "team: acme\nusers: []\n---\nusers:\n  - {email: a@b.co, first_name: A, last_name: B, roles: "
       "[ADMIN]}\n",
       "3:1",
       {"a second YAML document starts here", "remove the '---' line"}},
      {"a third document after an empty one",
       "team: acme\n---\n---\ntesters: [{email: a@b.co}]\n",
       "3:1",
       {"a second YAML document"}},
      {"a second document without a leading ---",
       "---\nteam: acme\n...\n---\ntesters: []\n",
       "4:1",
       {"a second YAML document"}},
      {"invalid UTF-8 in a name (Latin-1 byte)",
       "team: acme\ntesters:\n  - {email: a@b.co, first_name: Ren\xe9, last_name: B}\n",
       "3:36",
       {"invalid UTF-8 (byte \\xe9)", "save the file as UTF-8"}},
      {"invalid UTF-8 in an email, after multi-byte characters",
       "team: acme\n# \xc3\xa9\xc3\xa9\ntesters:\n  - email: \"\xc3\xa9\xff@b.co\"\n",
       "4:14",
       {"invalid UTF-8 (byte \\xff)"}},
      {"an escape naming a lone surrogate (the parser refuses it)",
       "team: acme\ntesters:\n  - {email: a@b.co, first_name: \"x\\udc00\"}\n",
       "3:41",
       {"invalid unicode"}},
      {"a lone surrogate in a member",
       "team: acme\n" + k_groups + "        members: [\"a\\ud800@b.co\"]\n",
       "6:27",
       {"invalid unicode"}},
      {"an integer that overflows",
       "team: acme\npolicy:\n  max_deletions: 99999999999999999999999\n",
       "3:18",
       {"'max_deletions' is out of range", "0..100000"}},
      {"a negative integer that overflows",
       "team: acme\npolicy:\n  max_deletions: -99999999999999999999999\n",
       "3:18",
       {"'max_deletions' is out of range"}},
  };
  for (const auto& c : cases) {
    const std::string name = c.name;
    CAPTURE(name);
    TempDir dir;
    const std::string path = dir.write("team.yaml", c.yaml);
    config::Diagnostics diags;
    auto r = config::load_desired_state(path, &diags);
    INFO(diags.render());
    CHECK_FALSE(r.ok());
    CHECK(has(diags, path + ":" + c.loc, c.parts));
  }
}

TEST_CASE("every string a reader returns is checked for UTF-8, whatever produced the node") {
  config::yaml::Builder build;
  build.begin_map();
  build.scalar("first_name");
  build.scalar(std::string("Ren\xe9"));
  build.scalar("roles");
  build.begin_sequence();
  build.scalar(std::string("A\xff"));
  const config::yaml::Document doc = build.finish();
  const config::yaml::Node node = doc.root();
  config::Diagnostics diags;
  config::yaml::MapReader map("f.yaml", node, core::SourceLoc{"f.yaml", 1, 1}, "a user",
                              {"first_name", "roles"}, diags);
  CHECK_FALSE(map.string("first_name"));
  CHECK_FALSE(map.string_list("roles"));
  const std::string text = diags.render();
  INFO(text);
  CHECK(text.find("'first_name' is not valid UTF-8 (byte \\xe9 at offset 3)") != std::string::npos);
  CHECK(text.find("an item of 'roles' is not valid UTF-8") != std::string::npos);
}

TEST_CASE("documents that lose nothing still load: a leading ---, a trailing empty document") {
  for (const std::string yaml :
       {"---\nteam: acme\n", "team: acme\n---\n", "team: acme\n...\n", "# c\n---\nteam: acme\n"}) {
    CAPTURE(yaml);
    config::Diagnostics diags;
    auto r = config::parse_desired_state({{"d.yaml", yaml}}, &diags);
    INFO(diags.render());
    CHECK(r.ok());
  }
  // A second document in the daemon config is refused the same way.
  InputInstall dir;
  const std::string cfg = dir.write("ascsync.yaml", k_input_team + "---\nlog: {level: debug}\n");
  config::Diagnostics diags;
  CHECK_FALSE(config::load_daemon_config(cfg, config::Environment{}, &diags).ok());
  CHECK(has(diags, cfg + ":7:1", {"a second YAML document"}));
}

TEST_CASE("a tester_imports CSV that cannot be read is an error with its path, never an empty CSV") {
  TempDir dir;
  const std::string yaml_head = "team: acme\ntester_imports:\n  - csv: testers.csv\n";
  struct Case {
    const char* name;
    std::function<std::string(TempDir&)> make;  // creates testers.csv somehow; returns what to expect
  };
  const std::vector<Case> cases = {
      {"a directory",
       [](TempDir& d) {
         fs::create_directories(d.path / "testers.csv");
         return std::string("is a directory, not a regular file");
       }},
      {"a FIFO (must not hang)",
       [](TempDir& d) {
         REQUIRE(::mkfifo(d.str("testers.csv").c_str(), 0600) == 0);
         return std::string("is a FIFO, not a regular file");
       }},
      {"a symlink to a character device",
       [](TempDir& d) {
         fs::create_symlink("/dev/zero", d.path / "testers.csv");
         return std::string("is a character device");
       }},
      {"larger than the cap",
       [](TempDir& d) {
         d.write("testers.csv", std::string(util::k_max_input_file_bytes + 1, ','));
         return std::string("more than the limit of 16 MiB");
       }},
      {"invalid UTF-8 (a Windows-1252 export)",
       [](TempDir& d) {
         d.write("testers.csv", "First,Last,Email\nJo,Park,jo@x.com\nRen\xe9,B,r@x.com\n");
         return std::string("invalid UTF-8 (byte \\xe9)");
       }},
  };
  for (const auto& c : cases) {
    const std::string name = c.name;
    CAPTURE(name);
    TempDir d;
    const std::string yaml = d.write("team.yaml", yaml_head);
    const std::string expect = c.make(d);
    config::Diagnostics diags;
    auto r = config::load_desired_state(yaml, &diags);
    INFO(diags.render());
    REQUIRE_FALSE(r.ok());
    const std::string text = diags.render();
    CHECK(text.find(expect) != std::string::npos);
    if (std::string(c.name).find("UTF-8") != std::string::npos)
      CHECK(has(diags, d.str("testers.csv") + ":3:4", {"invalid UTF-8"}));
    else
      CHECK(has(diags, yaml + ":3:10", {"cannot read the CSV file", d.str("testers.csv")}));
  }
  if (::geteuid() != 0) {  // root reads mode-000 files
    TempDir d;
    const std::string yaml = d.write("team.yaml", yaml_head);
    const std::string csv = d.write("testers.csv", "a,b,c@d.ef\n");
    ::chmod(csv.c_str(), 0);
    config::Diagnostics diags;
    CHECK_FALSE(config::load_desired_state(yaml, &diags).ok());
    CHECK(has(diags, yaml + ":3:10", {"cannot read the CSV file", "Permission denied"}));
  }
}

TEST_CASE("a desired state that is a FIFO, a device or oversized is refused without hanging") {
  TempDir d;
  REQUIRE(::mkfifo(d.str("fifo.yaml").c_str(), 0600) == 0);
  const std::string big =
      d.write("big.yaml", "team: acme\n#" + std::string(util::k_max_input_file_bytes, 'x'));
  struct Case {
    std::string path;
    std::string loc;
    std::string part;
  };
  const std::vector<Case> cases = {
      {d.str("fifo.yaml"), d.str("fifo.yaml"), "is a FIFO, not a regular file"},
      {"/dev/zero", "/dev/zero", "is a character device, not a regular file"},
      {big, big, "more than the limit of 16 MiB"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.path);
    config::Diagnostics diags;
    CHECK_FALSE(config::load_desired_state(c.path, &diags).ok());
    INFO(diags.render());
    CHECK(has(diags, c.loc, {c.part}));
    // validate (which tells configs from desired states) refuses it the same way.
    auto report = config::validate_paths({c.path}, config::Environment{});
    CHECK_FALSE(report.ok());
    CHECK(report.diagnostics.render().find(c.part) != std::string::npos);
  }
  // A FIFO named *.yaml in a desired-state directory is not skipped: its part would be lost.
  TempDir dir;
  dir.write("a.yaml", "team: acme\n");
  REQUIRE(::mkfifo(dir.str("b.yaml").c_str(), 0600) == 0);
  config::Diagnostics diags;
  CHECK_FALSE(config::load_desired_state(dir.path.string(), &diags).ok());
  CHECK(has(diags, dir.str("b.yaml"), {"is a FIFO"}));
}

TEST_CASE("control and escape bytes from input files are escaped in diagnostics") {
  config::Diagnostics diags;
  (void)config::parse_desired_state(
      {{"d.yaml", "team: acme\n\"\\e[31mred\\ttab\": 1\ntesters:\n  - email: \"x\\x07\"\n"}}, &diags);
  const std::string text = diags.render();
  INFO(text);
  CHECK(text.find("unknown key '\\x1b[31mred\\ttab'") != std::string::npos);
  CHECK(text.find("'x\\x07' is not an email address") != std::string::npos);
  for (const char c : text) CHECK((static_cast<unsigned char>(c) >= 0x20 || c == '\n'));
}

TEST_CASE("daemon config: overflowing numbers, files that run would refuse, what validate must catch") {
  struct Case {
    const char* name;
    std::string yaml;
    std::string loc;
    std::vector<std::string> parts;
  };
  const std::vector<Case> cases = {
      {"an interval past the maximum",
       "defaults: {interval: 999999999h}\n" + k_input_team,
       "1:22",
       {"'interval' is 999999999h, longer than the maximum of 168h", "7 days"}},
      {"a digit string that overflows 64 bits",
       k_input_team + "    interval: 999999999999999999999999999999s\n",
       "7:15",
       {"longer than the maximum of 168h"}},
      {"many groups that overflow together",
       k_input_team + "    interval: " +
           [] {
             std::string s;
             for (int i = 0; i < 3000; ++i) s += "999999h";
             return s;
           }() +
           "\n",
       "7:15",
       {"longer than the maximum"}},
      {"just over a week",
       k_input_team + "    interval: 168h1s\n",
       "7:15",
       {"longer than the maximum of 168h"}},
      {"jitter past the maximum",
       "defaults: {jitter: 200h}\n" + k_input_team,
       "1:20",
       {"longer than the maximum"}},
      {"an integer that overflows",
       "defaults: {reserve_percent: 18446744073709551616}\n" + k_input_team,
       "1:29",
       {"'reserve_percent' is out of range", "0..90"}},
      {"base_url with a path",
       k_input_team + "    base_url: https://api.example.com/v1\n",
       "7:15",
       {"base_url 'https://api.example.com/v1' has a path '/v1'", "scheme://host[:port]"}},
      {"base_url with a query",
       k_input_team + "    base_url: https://api.example.com?x=1\n",
       "7:15",
       {"has a query or fragment"}},
      {"a directory as private_key_file",
       "teams:\n  - {name: acme, issuer_id: 57246542-96fe-1a63-e053-0824d011072a, key_id: 2X9R4HXF34,\n"
       "     private_key_file: desired, desired_state: desired}\n",
       "3:24",
       {"private key file", "is a directory, not a regular file"}},
      {"a directory as token file",
       "admin: {token_file: desired}\n" + k_input_team,
       "1:21",
       {"is a directory"}},
      {"an empty token file with a public address",
       "admin: {listen: '0.0.0.0:9469', token_file: empty.token}\n" + k_input_team,
       "1:45",
       {"token file", "is empty, and the admin endpoint listens on 0.0.0.0"}},
      {"a token file of blanks with a public address",
       "admin: {listen: '[::]:9469', token_file: blank.token}\n" + k_input_team,
       "1:42",
       {"is empty"}},
  };
  for (const auto& c : cases) {
    const std::string name = c.name;
    CAPTURE(name);
    InputInstall dir;
    dir.write("empty.token", "");
    dir.write("blank.token", " \n");
    const std::string path = dir.write("ascsync.yaml", c.yaml);
    config::Diagnostics diags;
    auto r = config::load_daemon_config(path, config::Environment{}, &diags);
    INFO(diags.render());
    CHECK_FALSE(r.ok());
    CHECK(has(diags, path + ":" + c.loc, c.parts));
    // validate reports the same.
    auto report = config::validate_paths({path}, config::Environment{});
    CHECK(has(report.diagnostics, path + ":" + c.loc, c.parts));
  }
  // The limits themselves are accepted; an empty token on loopback means "no token".
  InputInstall dir;
  dir.write("empty.token", "");
  const std::string ok =
      dir.write("ascsync.yaml", "admin: {token_file: empty.token}\ndefaults: {interval: 168h}\n" +
                                    k_input_team + "    base_url: https://api.example.com/\n");
  config::Diagnostics diags;
  auto r = config::load_daemon_config(ok, config::Environment{}, &diags);
  INFO(diags.render());
  CHECK(r.ok());
}

TEST_CASE("the daemon config itself as a FIFO or a device is one clear error") {
  TempDir d;
  REQUIRE(::mkfifo(d.str("ascsync.yaml").c_str(), 0600) == 0);
  for (const std::string& path : {d.str("ascsync.yaml"), std::string("/dev/zero")}) {
    CAPTURE(path);
    config::Diagnostics diags;
    auto r = config::load_daemon_config(path, config::Environment{}, &diags);
    REQUIRE_FALSE(r.ok());
    REQUIRE(diags.items().size() == 1);
    CHECK(diags.items()[0].message == "cannot read the daemon config");
    CHECK(diags.items()[0].hint.find("not a regular file") != std::string::npos);
    auto report = config::validate_config(path, config::Environment{});
    CHECK_FALSE(report.ok());
  }
}

TEST_CASE("validate: a daemon config missing teams: is reported as one, not as a desired state") {
  InputInstall dir;
  const std::string cfg = dir.write("ascsync.yaml", "database: x.db\nadmin: {listen: '127.0.0.1:9469'}\n");
  auto report = config::validate_paths({cfg}, config::Environment{});
  const std::string text = report.diagnostics.render();
  INFO(text);
  CHECK(report.daemon_configs == 1);
  CHECK(report.desired_states == 0);
  CHECK(report.diagnostics.error_count() == 1);
  CHECK(has(report.diagnostics, cfg + ":1:1", {"no teams configured", "add a 'teams:' list"}));
  CHECK(text.find("unknown key") == std::string::npos);
  // Without paths, `validate` checks the config as a config whatever it holds.
  const std::string odd = dir.write("odd.yaml", "team: acme\n");
  auto forced = config::validate_config(odd, config::Environment{});
  CHECK(forced.daemon_configs == 1);
  CHECK(has(forced.diagnostics, odd + ":1:1", {"unknown key 'team'", "did you mean 'teams'"}));
  // A desired state is still one.
  auto desired = config::validate_paths({dir.str("desired/acme.yaml")}, config::Environment{});
  CHECK(desired.ok());
  CHECK(desired.desired_states == 1);
  CHECK(desired.teams == std::vector<std::string>{"acme"});
}

TEST_CASE("durations are overflow-safe") {
  std::string why;
  CHECK(config::parse_duration("8784h", &why) == std::chrono::hours(8784));
  CHECK_FALSE(config::parse_duration("8784h1s", &why));
  CHECK(why == "too long");
  CHECK_FALSE(config::parse_duration("99999999999999999999999999999999h", &why));
  CHECK(why == "too long");
  CHECK_FALSE(config::parse_duration("99999999999999999999999999999999h5x", &why));
  CHECK(why == "syntax");
  CHECK_FALSE(config::parse_duration("1h", &why) == std::nullopt);
  CHECK_FALSE(config::parse_duration("", &why));
  CHECK(why == "empty");
}
