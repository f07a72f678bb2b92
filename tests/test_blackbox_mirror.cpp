// `ascsync mirror` as a user runs it: the built binary against a simulator started in this
// process, with a config file and database in a private directory. Asserts the summary line,
// exit codes and what ends up in the database.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <filesystem>
#include <regex>

#include "store/mirror.hpp"
#include "support/cli_fixture.hpp"

namespace {

namespace fs = std::filesystem;
using test_support::CliFixture;
using test_support::snapshot_from_sim_state;

void seed(sim::Simulator& sim) {
  const std::string app = sim.add_app("com.example.app", "App");
  sim.add_user("zed@example.com", "Zed", "Last", {"ADMIN"});
  sim.add_user("amy@example.com", "Amy", "First", {"DEVELOPER"}, false, {app});
  const std::string g1 = sim.add_beta_group(app, "Staff", true);
  const std::string g2 = sim.add_beta_group(app, "Friends", false);
  for (int i = 0; i < 5; ++i)
    sim.add_beta_tester("t" + std::to_string(i) + "@example.com", "T", "Ester", {g2});
  sim.add_beta_tester("both@example.com", "Bo", "Th", {g1, g2});
  sim.add_certificate("IOS_DISTRIBUTION", "Dist");
}

store::Database open_db(const std::string& path, const std::string& migrations_dir = "") {
  store::OpenOptions o;
  o.migrations_dir = migrations_dir;
  auto db = store::Database::open(path, o);
  if (!db) throw std::runtime_error(db.error().describe());
  return std::move(*db);
}

core::Snapshot stored(const std::string& db_path, const std::string& team) {
  auto db = open_db(db_path);
  store::Mirror mirror(db);
  auto s = mirror.load_snapshot(team);
  REQUIRE(s.ok());
  return *s;
}

}  // namespace

TEST_CASE("ascsync mirror prints one summary line per team and stores the simulator's state") {
  CliFixture f;
  seed(f.simulator());
  f.simulator().reset_counters();

  auto r = f.ascsync({"mirror"});
  CHECK_MESSAGE(r.exit_code == 0, r.err);
  const std::regex line(
      R"(team acme: ok in \d+\.\ds — 1 apps, 2 users, 0 invitations, 2 groups, 6 testers \(7 memberships\), )"
      R"(1 certificates, 0 profiles; (\d+) requests; 0 drift events; rate budget (\d+)/3600\n)");
  std::smatch m;
  REQUIRE_MESSAGE(std::regex_match(r.out, m, line), r.out);
  // apps, users, invitations, groups, testers, certificates, profiles: one page each.
  CHECK(m[1].str() == "7");
  CHECK(std::stoi(m[2].str()) == 3600 - 7);
  CHECK(f.simulator().request_count() == 7);
  CHECK(f.simulator().write_count() == 0);
  CHECK(stored(f.db_path, "acme") == snapshot_from_sim_state(f.simulator().dump_state()));

  // Out-of-band change, second run: drift is counted in the summary.
  f.simulator().add_user("new@example.com", "New", "Comer", {"MARKETING"});
  auto again = f.ascsync({"mirror"});
  CHECK(again.exit_code == 0);
  CHECK_MESSAGE(again.out.find("3 users") != std::string::npos, again.out);
  CHECK_MESSAGE(again.out.find("; 1 drift events;") != std::string::npos, again.out);
  CHECK(stored(f.db_path, "acme") == snapshot_from_sim_state(f.simulator().dump_state()));
}

TEST_CASE("ascsync mirror exits 1 when one team fails and still mirrors the other") {
  CliFixture f;
  seed(f.simulator());
  f.add_team("beta", "BETAKEY001");
  f.simulator().revoke_api_key("BETAKEY001");

  auto r = f.ascsync({"mirror"});
  CHECK(r.exit_code == 1);
  CHECK_MESSAGE(r.out.find("team acme: ok in ") != std::string::npos, r.out);
  const auto failed = r.out.find("team beta: FAILED");
  REQUIRE_MESSAGE(failed != std::string::npos, r.out);
  const std::string beta_line = r.out.substr(failed, r.out.find('\n', failed) - failed);
  CHECK(beta_line.find("auth:") != std::string::npos);
  CHECK(beta_line.find("revoked") != std::string::npos);
  CHECK(beta_line.find("previous snapshot kept") != std::string::npos);
  CHECK(stored(f.db_path, "acme") == snapshot_from_sim_state(f.simulator().dump_state()));
  CHECK(stored(f.db_path, "beta") == core::Snapshot{});

  auto db = open_db(f.db_path);
  store::Mirror mirror(db);
  auto beta_run = mirror.last_run("beta");
  REQUIRE(beta_run.ok());
  REQUIRE(beta_run->has_value());
  CHECK((*beta_run)->outcome == "failed");
  CHECK((*beta_run)->error.find("auth:") == 0);
  auto acme_run = mirror.last_run("acme");
  REQUIRE(acme_run.ok());
  REQUIRE(acme_run->has_value());
  CHECK((*acme_run)->outcome == "ok");

  // Only the healthy team: success.
  auto only_acme = f.ascsync({"--team", "acme", "mirror"});
  CHECK(only_acme.exit_code == 0);
  CHECK(only_acme.out.find("team beta") == std::string::npos);

  // A key file others can read is refused before any request, with a chmod hint.
  REQUIRE(::chmod(f.teams[0].key_path.c_str(), 0644) == 0);
  f.simulator().reset_counters();
  auto readable = f.ascsync({"--team", "acme", "mirror"});
  CHECK(readable.exit_code == 1);
  CHECK_MESSAGE(readable.out.find("chmod 600 " + f.teams[0].key_path) != std::string::npos, readable.out);
  CHECK(f.simulator().request_count() == 0);
}

TEST_CASE("ascsync mirror migrates an older database, backing it up first, and keeps its data") {
  CliFixture f;
  seed(f.simulator());
  // A database made by a release that only knew schema version 1, holding a snapshot.
  const std::string old_migrations = f.dir + "/migrations-v1";
  fs::create_directories(old_migrations);
  fs::copy_file(fs::path(ASCSYNC_TEST_SOURCE_DIR) / "migrations" / "0001_init.sql",
                fs::path(old_migrations) / "0001_init.sql");
  const core::Snapshot before = snapshot_from_sim_state(f.simulator().dump_state());
  {
    auto v1 = open_db(f.db_path, old_migrations);
    REQUIRE(v1.schema_version() == 1);
    store::Mirror mirror(v1);
    auto run = mirror.begin_run("acme", f.simulator().now());
    REQUIRE(run.ok());
    REQUIRE(mirror.commit_snapshot("acme", *run, before, {}, f.simulator().now()).ok());
  }
  f.simulator().add_beta_tester("late@example.com", "La", "Te", {});

  auto r = f.ascsync({"mirror"});
  CHECK_MESSAGE(r.exit_code == 0, r.err);
  // The drift against the version-1 snapshot proves the old data survived the migration.
  CHECK_MESSAGE(r.out.find("7 testers") != std::string::npos, r.out);
  CHECK_MESSAGE(r.out.find("; 1 drift events;") != std::string::npos, r.out);

  std::vector<std::string> backups;
  for (const auto& e : fs::directory_iterator(f.dir))
    if (e.path().filename().string().rfind("ascsync.db.bak-v1-", 0) == 0)
      backups.push_back(e.path().string());
  REQUIRE(backups.size() == 1);
  auto backup = open_db(backups[0], old_migrations);
  CHECK(backup.opened_at_version() == 1);
  store::Mirror old_mirror(backup);
  CHECK(*old_mirror.load_snapshot("acme") == before);

  auto db = open_db(f.db_path);
  CHECK(db.opened_at_version() >= 2);
  store::Mirror mirror(db);
  CHECK(*mirror.load_snapshot("acme") == snapshot_from_sim_state(f.simulator().dump_state()));
}

TEST_CASE("ascsync mirror refuses a database newer than the binary, and changes nothing") {
  CliFixture f;
  seed(f.simulator());
  {
    auto db = open_db(f.db_path);
    REQUIRE(db.exec("PRAGMA user_version = 99").ok());
  }
  f.simulator().reset_counters();
  auto r = f.ascsync({"mirror"});
  CHECK(r.exit_code == 1);
  CHECK_MESSAGE(r.err.find("schema version 99 is newer than this ascsync knows") != std::string::npos, r.err);
  CHECK(r.err.find("upgrade ascsync") != std::string::npos);
  CHECK(r.err.find(f.db_path) != std::string::npos);
  CHECK(f.simulator().request_count() == 0);
  auto status = f.ascsync({"status"});
  CHECK(status.exit_code == 1);
  CHECK(status.err.find("newer than this ascsync") != std::string::npos);
}
