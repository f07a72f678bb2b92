#include <doctest/doctest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>

#include "store/database.hpp"
#include "store/migrations.hpp"
#include "store/mirror.hpp"
#include "test_store_support.hpp"

using store_test::at;
using store_test::source_migrations;
using store_test::StoreDir;
namespace fs = std::filesystem;

namespace {

store::OpenOptions options_for(const std::string& migrations_dir) {
  store::OpenOptions options;
  options.migrations_dir = migrations_dir;
  return options;
}

// A migrations directory holding only the first `n` shipped migrations: "an older ascsync".
std::string older_migrations(const StoreDir& dir, int n) {
  const std::string out = dir.file("migrations-v" + std::to_string(n));
  fs::create_directories(out);
  auto all = store::load_migrations(source_migrations());
  REQUIRE(all.ok());
  for (int i = 0; i < n; ++i) {
    const auto& name = (*all)[static_cast<size_t>(i)].name;
    fs::copy_file(source_migrations() + "/" + name, out + "/" + name, fs::copy_options::overwrite_existing);
  }
  return out;
}

// Runs a statement on a raw connection, outside the store's policy.
void raw_exec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  CHECK(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(db);
}

int raw_user_version(const std::string& path) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &stmt, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(stmt) == SQLITE_ROW);
  const int v = sqlite3_column_int(stmt, 0);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return v;
}

}  // namespace

// The newest shipped schema version (each feature may add a migration).
static int latest_version() {
  return store::load_migrations(source_migrations())->back().version;
}

TEST_CASE("shipped migrations run 1..N and the newest is at least 2") {
  auto migrations = store::load_migrations(source_migrations());
  REQUIRE(migrations.ok());
  REQUIRE(migrations->size() >= 2);
  CHECK((*migrations)[0].name == "0001_init.sql");
  CHECK(migrations->back().version == static_cast<int>(migrations->size()));
}

TEST_CASE("the migrations directory: explicit, else the source tree") {
  CHECK(store::resolve_migrations_dir("/somewhere/else") == "/somewhere/else");
  CHECK(store::resolve_migrations_dir("") == ASCSYNC_SOURCE_MIGRATIONS_DIR);
  StoreDir dir;
  auto db = store::Database::open(dir.file("a.db"));  // no explicit directory
  REQUIRE(db.ok());
  CHECK(db->schema_version() == store::load_migrations(source_migrations())->back().version);
}

TEST_CASE("a new database gets the whole schema and the connection policy") {
  StoreDir dir;
  auto db = store::Database::open(dir.file("ascsync.db"), options_for(source_migrations()));
  REQUIRE(db.ok());
  CHECK(db->opened_at_version() == 0);
  CHECK(db->schema_version() == latest_version());
  CHECK(db->backup_path().empty());
  CHECK(*db->query_text("PRAGMA journal_mode") == "wal");
  CHECK(*db->query_text("PRAGMA foreign_keys") == "1");
  CHECK(*db->query_text("PRAGMA synchronous") == "2");  // FULL
  CHECK(*db->query_text("PRAGMA busy_timeout") == "5000");
  CHECK(*db->query_text("PRAGMA user_version") == std::to_string(latest_version()));
  for (const char* table : {"apps",
                            "users",
                            "user_visible_apps",
                            "user_invitations",
                            "invitation_visible_apps",
                            "beta_groups",
                            "beta_testers",
                            "group_memberships",
                            "certificates",
                            "profiles",
                            "profile_certificates",
                            "sync_runs",
                            "events",
                            "managed_objects",
                            "conditions",
                            "journal",
                            "plans",
                            "audit",
                            "cycle_outcomes",
                            "mirror_unread"}) {
    CAPTURE(table);
    CHECK(
        *db->query_text(std::string("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = '") +
                        table + "'") == "1");
  }
  // No certificate content or private material columns, ever.
  CHECK(*db->query_text("SELECT count(*) FROM pragma_table_info('certificates') WHERE name LIKE '%content%' "
                        "OR name LIKE '%key%'") == "0");
}

TEST_CASE("reopening a current database neither migrates nor backs up") {
  StoreDir dir;
  const auto path = dir.file("ascsync.db");
  REQUIRE(store::Database::open(path, options_for(source_migrations())).ok());
  auto again = store::Database::open(path, options_for(source_migrations()));
  REQUIRE(again.ok());
  CHECK(again->opened_at_version() == latest_version());
  CHECK(again->backup_path().empty());
}

TEST_CASE("an older database is backed up and migrated, keeping its data") {
  StoreDir dir;
  const auto path = dir.file("ascsync.db");
  const core::Snapshot snapshot = store_test::sample_snapshot();
  {
    auto v1 = store::Database::open(path, options_for(older_migrations(dir, 1)));
    REQUIRE(v1.ok());
    REQUIRE(v1->schema_version() == 1);
    CHECK(*v1->query_text("SELECT count(*) FROM sqlite_schema WHERE name = 'journal'") == "0");
    store::Mirror mirror(*v1);
    auto run = mirror.begin_run("acme", at("2026-03-14T09:00:00Z"));
    REQUIRE(run.ok());
    REQUIRE(mirror.commit_snapshot("acme", *run, snapshot, {}, at("2026-03-14T09:01:00Z")).ok());
  }
  util::ManualClock clock(at("2026-03-14T09:15:00Z"));
  auto options = options_for(source_migrations());
  options.clock = &clock;
  auto db = store::Database::open(path, options);
  REQUIRE(db.ok());
  CHECK(db->opened_at_version() == 1);
  CHECK(db->schema_version() == latest_version());
  CHECK(db->backup_path() == path + ".bak-v1-20260314T091500Z");
  REQUIRE(fs::exists(db->backup_path()));
  CHECK(raw_user_version(db->backup_path()) == 1);

  store::Mirror mirror(*db);
  auto loaded = mirror.load_snapshot("acme");
  REQUIRE(loaded.ok());
  CHECK(*loaded == snapshot);
  CHECK(*db->query_text("SELECT count(*) FROM sqlite_schema WHERE name = 'journal'") == "1");

  // The backup is a working v1 database holding the same data.
  auto backup = store::Database::open(db->backup_path(), options_for(older_migrations(dir, 1)));
  REQUIRE(backup.ok());
  CHECK(backup->opened_at_version() == 1);
  store::Mirror old_mirror(*backup);
  CHECK(*old_mirror.load_snapshot("acme") == snapshot);
}

TEST_CASE("a second migration in the same second does not overwrite the first backup") {
  StoreDir dir;
  const auto path = dir.file("ascsync.db");
  util::ManualClock clock(at("2026-03-14T09:15:00Z"));
  auto options = options_for(source_migrations());
  options.clock = &clock;
  const auto v1 = dir.file("v1.db");
  REQUIRE(store::Database::open(v1, options_for(older_migrations(dir, 1))).ok());
  for (int i = 0; i < 2; ++i) {
    // Back to what version 1 looked like (a copy, so every later migration's tables are gone).
    fs::copy_file(v1, path, fs::copy_options::overwrite_existing);
    for (const char* suffix : {"-wal", "-shm"}) fs::remove(path + suffix);
    auto db = store::Database::open(path, options);
    REQUIRE(db.ok());
    CHECK(db->backup_path() == path + ".bak-v1-20260314T091500Z" + (i == 0 ? "" : "-2"));
  }
}

TEST_CASE("a database newer than this binary is refused") {
  StoreDir dir;
  const auto path = dir.file("ascsync.db");
  REQUIRE(store::Database::open(path, options_for(source_migrations())).ok());
  raw_exec(path, "PRAGMA user_version = 99");
  auto db = store::Database::open(path, options_for(source_migrations()));
  REQUIRE_FALSE(db.ok());
  CHECK(db.error().kind == util::ErrorKind::internal);
  CHECK(db.error().message.find(path) != std::string::npos);
  CHECK(db.error().message.find("schema version 99 is newer") != std::string::npos);
  CHECK(db.error().message.find("upgrade ascsync") != std::string::npos);
  CHECK(raw_user_version(path) == 99);
}

TEST_CASE("a file that is not an ascsync database is refused") {
  StoreDir dir;
  SUBCASE("foreign tables") {
    const auto path = dir.file("foreign.db");
    raw_exec(path, "CREATE TABLE t (x)");
    auto db = store::Database::open(path, options_for(source_migrations()));
    REQUIRE_FALSE(db.ok());
    CHECK(db.error().message.find("not an ascsync database") != std::string::npos);
  }
  SUBCASE("not SQLite at all") {
    const auto path = dir.file("text.db");
    std::ofstream(path) << std::string(8192, 'x');
    auto db = store::Database::open(path, options_for(source_migrations()));
    REQUIRE_FALSE(db.ok());
    CHECK(db.error().message.find(path) != std::string::npos);
    CHECK(db.error().message.find("not an ascsync database") != std::string::npos);
  }
  SUBCASE("missing and create=false") {
    auto options = options_for(source_migrations());
    options.create = false;
    auto db = store::Database::open(dir.file("missing.db"), options);
    REQUIRE_FALSE(db.ok());
    CHECK(db.error().message.find("does not exist") != std::string::npos);
    CHECK_FALSE(fs::exists(dir.file("missing.db")));
  }
}

TEST_CASE("quick_check on demand catches a damaged file") {
  StoreDir dir;
  const auto path = dir.file("ascsync.db");
  {
    auto db = store::Database::open(path, options_for(source_migrations()));
    REQUIRE(db.ok());
    store::Mirror mirror(*db);
    auto run = mirror.begin_run("acme", at("2026-03-14T09:00:00Z"));
    REQUIRE(run.ok());
    REQUIRE(
        mirror.commit_snapshot("acme", *run, store_test::sample_snapshot(), {}, at("2026-03-14T09:01:00Z"))
            .ok());
    REQUIRE(db->exec("PRAGMA wal_checkpoint(TRUNCATE)").ok());
  }
  const auto size = fs::file_size(path);
  REQUIRE(size > 8 * 4096);
  {
    // Scribble over the b-tree pages after the schema page, leaving the header intact.
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(4096 * 3);
    const std::string junk(4096 * 4, '\x5a');
    f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
  }
  SUBCASE("an open that asks for the check refuses the file") {
    auto options = options_for(source_migrations());
    options.quick_check = true;
    auto db = store::Database::open(path, options);
    REQUIRE_FALSE(db.ok());
    CAPTURE(db.error().message);
    CHECK(db.error().message.find(path) != std::string::npos);
    CHECK(db.error().message.find("quick_check failed") != std::string::npos);
    CHECK(db.error().message.find("restore a backup") != std::string::npos);
  }
  SUBCASE("a plain open does not read every page; check() on demand finds the damage") {
    auto db = store::Database::open(path, options_for(source_migrations()));
    REQUIRE(db.ok());
    auto checked = db->check();
    REQUIRE_FALSE(checked.ok());
    CAPTURE(checked.error().message);
    CHECK(checked.error().message.find(path) != std::string::npos);
    CHECK(checked.error().message.find("quick_check failed") != std::string::npos);
    CHECK(checked.error().message.find("restore a backup") != std::string::npos);
  }
}

TEST_CASE("check() passes on a sound database") {
  StoreDir dir;
  auto db = store::Database::open(dir.file("ascsync.db"), options_for(source_migrations()));
  REQUIRE(db.ok());
  CHECK(db->check().ok());
}

TEST_CASE("a broken migration rolls back and names its file") {
  StoreDir dir;
  const std::string migrations = older_migrations(dir, 1);
  std::ofstream(migrations + "/0002_broken.sql")
      << "CREATE TABLE ok_table (x INTEGER);\nCREATE TABLE oops (;\n";
  const auto path = dir.file("ascsync.db");
  auto db = store::Database::open(path, options_for(migrations));
  REQUIRE_FALSE(db.ok());
  CHECK(db.error().message.find("0002_broken.sql") != std::string::npos);
  CHECK(raw_user_version(path) == 1);
  fs::remove(migrations + "/0002_broken.sql");
  auto reopened = store::Database::open(path, options_for(migrations));
  REQUIRE(reopened.ok());
  CHECK(*reopened->query_text("SELECT count(*) FROM sqlite_schema WHERE name = 'ok_table'") == "0");
}

TEST_CASE("migration directories with gaps, duplicates or nothing are refused") {
  StoreDir dir;
  const std::string migrations = dir.file("m");
  fs::create_directories(migrations);
  auto empty = store::load_migrations(migrations);
  REQUIRE_FALSE(empty.ok());
  CHECK(empty.error().message.find("holds no") != std::string::npos);
  std::ofstream(migrations + "/0001_a.sql") << "CREATE TABLE a (x);";
  std::ofstream(migrations + "/0003_c.sql") << "CREATE TABLE c (x);";
  std::ofstream(migrations + "/README.md") << "not a migration";
  auto gap = store::load_migrations(migrations);
  REQUIRE_FALSE(gap.ok());
  CHECK(gap.error().message.find("0003_c.sql") != std::string::npos);
  std::ofstream(migrations + "/0002_b.sql") << "CREATE TABLE b (x);";
  REQUIRE(store::load_migrations(migrations).ok());
  std::ofstream(migrations + "/0002_again.sql") << "CREATE TABLE b2 (x);";
  CHECK_FALSE(store::load_migrations(migrations).ok());
  CHECK_FALSE(store::load_migrations(dir.file("nope")).ok());
}

TEST_CASE("an in-memory database gets the schema too") {
  auto db = store::Database::open(":memory:", options_for(source_migrations()));
  REQUIRE(db.ok());
  CHECK(db->schema_version() == latest_version());
  CHECK(*db->query_text("PRAGMA foreign_keys") == "1");
  store::Mirror mirror(*db);
  auto run = mirror.begin_run("acme", at("2026-03-14T09:00:00Z"));
  REQUIRE(run.ok());
  REQUIRE(mirror.commit_snapshot("acme", *run, store_test::sample_snapshot(), {}, at("2026-03-14T09:00:01Z"))
              .ok());
  CHECK(*mirror.load_snapshot("acme") == store_test::sample_snapshot());
}
