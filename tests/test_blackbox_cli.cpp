// The read-only commands of the built `ascsync` binary: status, show, validate, team selection,
// --help and a missing config. status and show read the mirror only: the simulator must see no
// request while they run.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <regex>

#include "store/database.hpp"
#include "support/cli_fixture.hpp"

namespace {

using nlohmann::json;
using test_support::CliFixture;
using test_support::CommandResult;

// The lines of `text`.
std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    const size_t end = text.find('\n', start);
    out.push_back(text.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

// The first whitespace-separated word of each line after the header (a table's first column),
// stopping at the "(N kind in team X)" footer.
std::vector<std::string> first_column(const std::string& table) {
  std::vector<std::string> out;
  const auto ls = lines(table);
  for (size_t i = 1; i < ls.size(); ++i) {
    if (ls[i].empty() || ls[i][0] == '(') break;
    out.push_back(ls[i].substr(0, ls[i].find(' ')));
  }
  return out;
}

json parse(const CommandResult& r) {
  json j = json::parse(r.out, nullptr, false);
  REQUIRE_MESSAGE(!j.is_discarded(), r.out);
  return j;
}

// A mirrored world with names inserted out of order and mixed case.
struct Mirrored {
  CliFixture f;
  std::string cert_soon;
  std::string cert_late;
  Mirrored() {
    auto& sim = f.simulator();
    const std::string one = sim.add_app("com.example.one", "One");
    const std::string two = sim.add_app("com.example.two", "Two");
    sim.add_user("Zoe@Example.com", "Zoe", "Zed", {"ADMIN"});
    sim.add_user("bob@example.com", "Bob", "Bee", {"DEVELOPER", "APP_MANAGER"}, false, {two, one});
    sim.add_user("Carl@example.com", "Carl", "Sea", {"MARKETING"});
    const std::string staff = sim.add_beta_group(two, "Staff", true);
    const std::string friends = sim.add_beta_group(one, "Friends", false);
    const std::string beta = sim.add_beta_group(one, "Beta", false);
    sim.add_beta_tester("yan@example.com", "Yan", "Y", {friends});
    sim.add_beta_tester("Abe@example.com", "Abe", "A", {friends, beta});
    sim.add_beta_tester("mia@example.com", "Mia", "M", {staff});
    sim.add_beta_tester("dan@example.com", "Dan", "D", {beta});
    cert_late = sim.add_certificate("IOS_DISTRIBUTION", "Late", std::chrono::hours(24 * 300));
    cert_soon = sim.add_certificate("IOS_DISTRIBUTION", "Soon", std::chrono::hours(24 * 10));
    auto r = f.ascsync({"mirror"});
    REQUIRE_MESSAGE(r.exit_code == 0, (r.out + r.err));
    f.simulator().reset_counters();
  }
};

}  // namespace

TEST_CASE("show lists each kind sorted by natural key, as a table and as JSON, without API calls") {
  Mirrored m;
  auto& sim = m.f.simulator();

  auto users = m.f.ascsync({"show", "users"});
  CHECK(users.exit_code == 0);
  CHECK(lines(users.out)[0].rfind("EMAIL", 0) == 0);
  CHECK(first_column(users.out) ==
        std::vector<std::string>{"bob@example.com", "Carl@example.com", "Zoe@Example.com"});
  CHECK(users.out.find("(3 users in team acme)") != std::string::npos);
  // Visible apps by bundle id, sorted.
  CHECK(users.out.find("com.example.one,com.example.two") != std::string::npos);

  auto testers = m.f.ascsync({"show", "testers"});
  CHECK(testers.exit_code == 0);
  CHECK(first_column(testers.out) ==
        std::vector<std::string>{"Abe@example.com", "dan@example.com", "mia@example.com", "yan@example.com"});
  CHECK(testers.out.find("com.example.one/Beta,com.example.one/Friends") != std::string::npos);

  auto groups = m.f.ascsync({"show", "groups", "--json"});
  CHECK(groups.exit_code == 0);
  const json g = parse(groups);
  CHECK(g["team"] == "acme");
  REQUIRE(g["groups"].size() == 3);
  CHECK(g["groups"][0]["name"] == "Beta");
  CHECK(g["groups"][0]["testers"] == 2);
  CHECK(g["groups"][1]["name"] == "Friends");
  CHECK(g["groups"][1]["testers"] == 2);
  CHECK(g["groups"][2]["bundle_id"] == "com.example.two");
  CHECK(g["groups"][2]["is_internal"] == true);

  auto testers_json = m.f.ascsync({"show", "testers", "--json"});
  const json t = parse(testers_json);
  REQUIRE(t["testers"].size() == 4);
  CHECK(t["testers"][0]["email"] == "Abe@example.com");
  CHECK(t["testers"][0]["groups"] == json::array({"com.example.one/Beta", "com.example.one/Friends"}));
  CHECK(t["testers"][3]["email"] == "yan@example.com");

  auto certs = m.f.ascsync({"show", "certificates", "--json"});
  const json c = parse(certs);
  REQUIRE(c["certificates"].size() == 2);
  CHECK(c["certificates"][0]["id"] == m.cert_soon);  // same type: sooner expiry first
  CHECK(c["certificates"][1]["id"] == m.cert_late);

  auto invitations = m.f.ascsync({"show", "invitations"});
  CHECK(invitations.exit_code == 0);
  CHECK(invitations.out.find("(0 invitations in team acme)") != std::string::npos);

  // Stable: the same command twice prints the same bytes.
  CHECK(m.f.ascsync({"show", "testers"}).out == testers.out);

  auto bad = m.f.ascsync({"show", "apps"});
  CHECK(bad.exit_code == 64);

  CHECK(sim.request_count() == 0);
}

TEST_CASE(
    "status reports the last run, counts, budget and certificates, as text and JSON, without API calls") {
  Mirrored m;
  auto& sim = m.f.simulator();

  auto text = m.f.ascsync({"status"});
  CHECK(text.exit_code == 0);
  CHECK(text.out.rfind("team acme\n", 0) == 0);
  CHECK(std::regex_search(text.out, std::regex(R"(last run +#1 ok, started .*, 7 requests)")));
  CHECK(text.out.find("2 apps, 3 users, 0 invitations, 3 groups, 4 testers (5 memberships), 2 certificates, "
                      "0 profiles") != std::string::npos);
  CHECK(text.out.find("3593 of 3600 requests left this hour") != std::string::npos);
  CHECK(text.out.find("journal       0 pending") != std::string::npos);

  auto js = m.f.ascsync({"status", "--json"});
  CHECK(js.exit_code == 0);
  const json j = parse(js);
  REQUIRE(j["teams"].size() == 1);
  const json& s = j["teams"][0];
  for (const char* field : {"team", "last_run", "last_success_at", "counts", "drift", "rate_budget",
                            "journal_pending", "conditions", "certificates"})
    CHECK_MESSAGE(s.contains(field), field);
  CHECK(s["team"] == "acme");
  CHECK(s["last_run"]["outcome"] == "ok");
  CHECK(s["last_run"]["requests"] == 7);
  CHECK(s["last_success_at"].is_string());
  CHECK(s["counts"]["apps"] == 2);
  CHECK(s["counts"]["users"] == 3);
  CHECK(s["counts"]["groups"] == 3);
  CHECK(s["counts"]["testers"] == 4);
  CHECK(s["counts"]["memberships"] == 5);
  CHECK(s["counts"]["certificates"] == 2);
  CHECK(s["rate_budget"]["limit"] == 3600);
  CHECK(s["rate_budget"]["remaining"] == 3593);
  CHECK(s["journal_pending"] == 0);
  CHECK(s["drift"]["last_run_events"] == 0);
  REQUIRE(s["certificates"].size() == 2);
  std::vector<long long> days;
  for (const auto& c : s["certificates"]) days.push_back(c.value("days_left", -1LL));
  std::sort(days.begin(), days.end());
  CHECK((days[0] == 9 || days[0] == 10));
  CHECK((days[1] == 299 || days[1] == 300));

  CHECK(sim.request_count() == 0);
}

TEST_CASE("status of a team that never mirrored, and of a failed run") {
  CliFixture f;
  f.add_team("beta", "BETAKEY002");
  auto never = f.ascsync({"--team", "beta", "status"});
  CHECK(never.exit_code == 0);
  CHECK(never.out.find("never — run `ascsync mirror`") != std::string::npos);
  auto never_json = parse(f.ascsync({"--team", "beta", "status", "--json"}));
  CHECK(never_json["teams"][0]["last_run"].is_null());

  f.simulator().revoke_api_key("BETAKEY002");
  CHECK(f.ascsync({"--team", "beta", "mirror"}).exit_code == 1);
  auto failed = parse(f.ascsync({"--team", "beta", "status", "--json"}));
  const json& run = failed["teams"][0]["last_run"];
  CHECK(run["outcome"] == "failed");
  CHECK(run["error"].get<std::string>().rfind("auth:", 0) == 0);
  CHECK(failed["teams"][0]["last_success_at"].is_null());
  auto failed_text = f.ascsync({"--team", "beta", "status"});
  CHECK(failed_text.out.find("  error         auth:") != std::string::npos);

  // show on a team never mirrored says what to do.
  auto show = f.ascsync({"--team", "beta", "show", "users"});
  CHECK(show.err.find("run `ascsync mirror --team beta`") != std::string::npos);
}

TEST_CASE("validate points at file:line:col of a broken YAML and exits 1") {
  CliFixture f;
  auto good = f.ascsync({"validate"});
  CHECK_MESSAGE(good.exit_code == 0, (good.out + good.err));

  const std::string broken = f.dir + "/broken.yaml";
  test_support::write_text(broken, "team: acme\nusers:\n  - email: sam@example.com\n    roles: [ADMIN\n");
  auto r = f.ascsync_raw({"validate", broken});
  CHECK(r.exit_code == 1);
  CHECK_MESSAGE(
      std::regex_search(r.err, std::regex(std::regex_replace(broken, std::regex(R"([.])"), R"(\.)") +
                                          R"(:\d+:\d+: error: )")),
      r.err);

  // An unknown key in the daemon config: named with its position.
  test_support::write_text(f.config_path, test_support::read_text(f.config_path) + "colour: blue\n");
  auto cfg = f.ascsync({"validate"});
  CHECK(cfg.exit_code == 1);
  CHECK_MESSAGE(std::regex_search(cfg.err, std::regex(R"(ascsync\.yaml:\d+:1: error: .*colour)")), cfg.err);
  CHECK(f.simulator().request_count() == 0);
}

TEST_CASE("an unknown --team lists the known teams") {
  CliFixture f;
  f.add_team("beta", "BETAKEY003");
  for (const char* command : {"mirror", "status", "show"}) {
    CAPTURE(command);
    std::vector<std::string> args{"--team", "nope", command};
    if (std::string(command) == "show") args.push_back("users");
    auto r = f.ascsync(args);
    CHECK(r.exit_code == 1);
    CHECK_MESSAGE(r.err.find("no team named 'nope'") != std::string::npos, r.err);
    CHECK(r.err.find("known teams: acme, beta") != std::string::npos);
  }
  CHECK(f.simulator().request_count() == 0);
}

TEST_CASE("--help works for every command") {
  CliFixture f;
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{{"--help"},
                                                                                    {"mirror", "--help"},
                                                                                    {"status", "--help"},
                                                                                    {"show", "--help"},
                                                                                    {"validate", "--help"},
                                                                                    {"plan", "--help"},
                                                                                    {"apply", "--help"},
                                                                                    {"run", "--help"}}) {
    const std::string shown = args.front() + " " + args.back();
    CAPTURE(shown);
    auto r = f.ascsync_raw(args);
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("Usage") != std::string::npos);
  }
  auto none = f.ascsync_raw({});
  CHECK(none.exit_code == 64);
}

TEST_CASE("a missing config file says what to do") {
  CliFixture f;
  const std::string missing = f.dir + "/nowhere/ascsync.yaml";
  for (const char* command : {"mirror", "status"}) {
    CAPTURE(command);
    auto flag = f.ascsync_raw({"--config", missing, command});
    CHECK(flag.exit_code == 1);
    CHECK_MESSAGE(flag.err.find(missing) != std::string::npos, flag.err);
    CHECK(flag.err.find("hint: pass --config FILE or set ASCSYNC_CONFIG") != std::string::npos);
    auto env = f.ascsync_raw({command}, {{"ASCSYNC_CONFIG", missing}});
    CHECK(env.exit_code == 1);
    CHECK(env.err.find(missing) != std::string::npos);
  }
}

// Issue 8: malformed input that `validate` must refuse, and `plan`/`apply` must refuse the same
// way — exit 1, a clear error with its place, no crash, no request to Apple, nothing written.
TEST_CASE("malformed desired state: validate, plan and apply all refuse it and change nothing") {
  struct Case {
    const char* name;
    std::string yaml;                             // acme.yaml
    std::function<void(const CliFixture&)> more;  // extra files
    std::string expect;                           // in stderr, after the file name
  };
  const std::string head =
      "team: acme\npolicy: {prune: {testers: true, group_memberships: true}}\n"
      "apps:\n  - bundle_id: com.example.one\n    groups: [{name: Friends}]\n";
  const std::vector<Case> cases = {
      {"a second YAML document", head + "---\ntesters: [{email: yan@example.com}]\n", nullptr,
       "acme.yaml:6:1: error: a second YAML document starts here"},
      {"a CSV path that is a directory",
       head + "tester_imports:\n  - {csv: testers.csv, app: com.example.one, groups: [Friends]}\n",
       [](const CliFixture& f) { std::filesystem::create_directories(f.dir + "/testers.csv"); },
       "acme.yaml:7:11: error: cannot read the CSV file: cannot read "},
      {"invalid UTF-8 in a name", head + "testers: [{email: yan@example.com, first_name: \"Y\xe9n\"}]\n",
       nullptr, "acme.yaml:6:50: error: invalid UTF-8 (byte \\xe9)"},
      {"an escaped lone surrogate in a name",
       head + "testers: [{email: yan@example.com, first_name: \"Y\\udc00\"}]\n", nullptr,
       "acme.yaml:6:56: error: YAML syntax: invalid unicode"},
  };
  for (const auto& c : cases) {
    const std::string name = c.name;
    CAPTURE(name);
    CliFixture f;
    auto& sim = f.simulator();
    const std::string one = sim.add_app("com.example.one", "One");
    const std::string friends = sim.add_beta_group(one, "Friends", false);
    sim.add_beta_tester("yan@example.com", "Yan", "Y", {friends});
    test_support::write_text(f.teams[0].desired_path, c.yaml);
    if (c.more) c.more(f);
    const std::string before = sim.dump_state().dump();
    for (const char* command : {"validate", "plan", "apply"}) {
      CAPTURE(command);
      auto r = f.ascsync({command});
      CHECK(r.exit_code == 1);
      CHECK_MESSAGE(r.err.find(c.expect) != std::string::npos, r.err);
      CHECK(r.err.find("internal error") == std::string::npos);
      CHECK(r.err.find("threw") == std::string::npos);
    }
    CHECK(f.simulator().request_count() == 0);
    CHECK(sim.dump_state().dump() == before);
    CHECK_FALSE(std::filesystem::exists(f.db_path));  // nothing written, not even a database
  }
}

TEST_CASE("validate refuses a FIFO without hanging, and escapes control bytes from files") {
  CliFixture f;
  const std::string fifo = f.dir + "/fifo.yaml";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  auto r = f.ascsync_raw({"validate", fifo});
  CHECK(r.exit_code == 1);
  CHECK_MESSAGE(r.err.find("is a FIFO, not a regular file") != std::string::npos, r.err);

  test_support::write_text(f.teams[0].desired_path, "team: acme\n\"\\e]0;pwned\\a\": 1\n");
  auto esc = f.ascsync({"validate"});
  CHECK(esc.exit_code == 1);
  CHECK_MESSAGE(esc.err.find("unknown key '\\x1b]0;pwned\\x07'") != std::string::npos, esc.err);
  CHECK(esc.err.find('\x1b') == std::string::npos);
  CHECK(esc.err.find('\x07') == std::string::npos);
}

TEST_CASE("validate catches what run and mirror would refuse") {
  CliFixture f;
  const std::string config = test_support::read_text(f.config_path);
  struct Case {
    const char* name;
    std::string config;
    std::string expect;
  };
  const std::vector<Case> cases = {
      {"base_url with a path", std::regex_replace(config, std::regex("base_url: (\\S+)"), "base_url: $1/v1"),
       "has a path '/v1'"},
      {"a directory as private_key_file",
       std::regex_replace(config, std::regex("private_key_file: \\S+"), "private_key_file: " + f.dir),
       "is a directory, not a regular file"},
      {"an interval that would overflow the scheduler", config + "defaults: {interval: 999999999h}\n",
       "longer than the maximum of 168h"},
      {"an empty admin token with a public address",
       config + "admin: {listen: '0.0.0.0:0', token_file: empty.token}\n",
       "is empty, and the admin endpoint"},
      {"a config without teams", "database: " + f.db_path + "\nlog: {level: warn}\n", "no teams configured"},
  };
  test_support::write_text(f.dir + "/empty.token", "");
  for (const auto& c : cases) {
    const std::string name = c.name;
    CAPTURE(name);
    test_support::write_text(f.config_path, c.config);
    auto r = f.ascsync({"validate"});
    CHECK(r.exit_code == 1);
    CHECK_MESSAGE(r.err.find(c.expect) != std::string::npos, r.err);
    CHECK(r.err.find("unknown key") == std::string::npos);
    auto explicit_path = f.ascsync_raw({"validate", f.config_path});
    CHECK(explicit_path.exit_code == 1);
    CHECK_MESSAGE(explicit_path.err.find(c.expect) != std::string::npos, explicit_path.err);
  }
  CHECK(f.simulator().request_count() == 0);
  CHECK_FALSE(std::filesystem::exists(f.db_path));
}

TEST_CASE("a command that throws reports an internal error and exits 1 instead of aborting") {
  // Invalid UTF-8 that reached the mirror (written here behind ascsync's back) makes the JSON
  // encoder throw; the command must end with a report, not std::terminate.
  CliFixture f;
  f.simulator().add_user("ren@example.com", "Ren", "R", {"ADMIN"});
  auto mirror = f.ascsync({"mirror"});
  REQUIRE_MESSAGE(mirror.exit_code == 0, mirror.err);
  {
    auto db = store::Database::open(f.db_path);
    REQUIRE(db.ok());
    REQUIRE(db->exec("UPDATE users SET first_name = CAST(X'52656EE9' AS TEXT)").ok());
  }
  auto r = f.ascsync({"show", "users", "--json"});
  CHECK(r.exit_code == 1);
  CHECK_MESSAGE(r.err.find("internal error: show: ") != std::string::npos, r.err);
  CHECK(r.err.find("please report this as a bug") != std::string::npos);
}

TEST_CASE("the daemon refuses malformed input at start-up with its place, instead of failing every cycle") {
  CliFixture f;
  const std::string config = test_support::read_text(f.config_path);
  struct Case {
    const char* name;
    std::string config;
    std::string desired;
    std::string expect;
  };
  const std::vector<Case> cases = {
      {"invalid UTF-8 in a name", config, "team: acme\ntesters: [{email: a@b.co, first_name: \"\xff\"}]\n",
       "acme.yaml:2:40: error: invalid UTF-8 (byte \\xff)"},
      {"a second document", config, "team: acme\n---\ntesters: []\n",
       "acme.yaml:2:1: error: a second YAML document"},
      {"an interval the scheduler cannot add", config + "defaults: {interval: 999999999h}\n", "team: acme\n",
       "longer than the maximum of 168h"},
  };
  for (const auto& c : cases) {
    const std::string name = c.name;
    CAPTURE(name);
    test_support::write_text(f.config_path, c.config + "admin: {listen: '127.0.0.1:0'}\n");
    test_support::write_text(f.teams[0].desired_path, c.desired);
    auto r = f.ascsync({"run"});
    CHECK(r.exit_code == 78);
    CHECK_MESSAGE(r.err.find(c.expect) != std::string::npos, r.err);
    CHECK(r.err.find("threw") == std::string::npos);
  }
  CHECK(f.simulator().request_count() == 0);
}
