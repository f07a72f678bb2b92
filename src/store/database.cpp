#include "store/database.hpp"

#include <ctime>
#include <filesystem>

#include "store/migrations.hpp"

namespace store {

namespace fs = std::filesystem;

namespace {

util::Error open_error(const std::string& path, const std::string& what) {
  return util::make_error(util::ErrorKind::internal, path + ": " + what);
}

// "20260314T091500Z": sorts by time and is safe in a file name.
std::string backup_stamp(util::TimePoint t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

std::string sql_quote(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

}  // namespace

util::Result<Database> Database::open(const std::string& path, const OpenOptions& options) {
  std::error_code ec;
  if (!options.create && path != ":memory:" && !fs::exists(path, ec))
    return open_error(path, "database does not exist; run ascsync once with a writable path to create it");
  Database db;
  db.m_path = path;
  db.m_keep_snapshot_memos = options.snapshot_memo;
  sqlite3* raw = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | (options.create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  db.m_db.reset(raw);
  if (rc != SQLITE_OK) {
    auto error = sqlite_error(raw, "opening", rc);
    error.message = path + ": " + error.message;
    return error;
  }
  sqlite3_extended_result_codes(raw, 1);
  if (auto st = db.apply_policy(options); !st) return std::move(st).error();
  if (auto st = db.migrate(options); !st) return std::move(st).error();
  return db;
}

util::Status Database::apply_policy(const OpenOptions& options) {
  sqlite3_busy_timeout(m_db.get(), static_cast<int>(options.busy_timeout.count()));
  // quick_check first: a damaged file must not be switched to WAL or migrated.
  if (options.quick_check)
    if (auto st = check(); !st) return st;
  auto mode = query_text("PRAGMA journal_mode=WAL");
  if (!mode) return std::move(mode).error();
  // An in-memory database (tests) cannot use WAL and needs none.
  if (*mode != "wal" && !(m_path == ":memory:" && *mode == "memory"))
    return open_error(m_path, "cannot switch to WAL journal mode (got \"" + *mode +
                                  "\"); put the database on a local filesystem");
  return exec("PRAGMA foreign_keys=ON; PRAGMA synchronous=FULL;");
}

util::Status Database::migrate(const OpenOptions& options) {
  const std::string dir = resolve_migrations_dir(options.migrations_dir);
  auto migrations = load_migrations(dir);
  if (!migrations) return std::move(migrations).error();
  const int newest = migrations->back().version;

  auto version_text = query_text("PRAGMA user_version");
  if (!version_text) return std::move(version_text).error();
  const int current = std::stoi(*version_text);
  m_opened_at_version = current;
  m_schema_version = current;
  if (current > newest)
    return open_error(m_path, "database schema version " + std::to_string(current) +
                                  " is newer than this ascsync knows (" + std::to_string(newest) + " in " +
                                  dir + "); upgrade ascsync or use another database");
  if (current == newest) return util::ok_status();
  // A damaged file is not migrated (nor backed up as if it were sound).
  if (!m_checked)
    if (auto st = check(); !st) return st;

  auto tables = query_text("SELECT count(*) FROM sqlite_schema");
  if (!tables) return std::move(tables).error();
  if (current == 0 && *tables != "0")
    return open_error(m_path,
                      "file holds tables but no ascsync schema version; it is not an ascsync "
                      "database, choose another path");
  if (current > 0) {
    const util::SystemClock system;
    const util::Clock& clock = options.clock != nullptr ? *options.clock : system;
    const std::string base = m_path + ".bak-v" + std::to_string(current) + "-" + backup_stamp(clock.now());
    std::string backup = base;
    std::error_code ec;
    for (int n = 2; fs::exists(backup, ec); ++n) backup = base + "-" + std::to_string(n);
    if (auto st = exec("VACUUM INTO " + sql_quote(backup)); !st) {
      auto error = std::move(st).error();
      error.message = "backing up before migration to " + backup + ": " + error.message;
      return error;
    }
    m_backup_path = backup;
  }

  for (const auto& migration : *migrations) {
    if (migration.version <= current) continue;
    auto tx = WriteTransaction::begin(*this);
    if (!tx) return std::move(tx).error();
    if (auto st = exec(migration.sql); !st) {
      auto error = std::move(st).error();
      error.message = "applying migration " + migration.name + ": " + error.message;
      return error;
    }
    if (auto st = exec("PRAGMA user_version = " + std::to_string(migration.version)); !st) return st;
    if (auto st = tx->commit(); !st) return st;
    m_schema_version = migration.version;
  }
  return util::ok_status();
}

util::Status Database::check() {
  auto check = query_text("PRAGMA quick_check");
  if (!check) return std::move(check).error();
  if (*check != "ok")
    return open_error(m_path, "PRAGMA quick_check failed: " + *check +
                                  "; restore a backup (<db>.bak-*) or move the file away so the mirror "
                                  "is rebuilt from App Store Connect");
  m_checked = true;
  return util::ok_status();
}

util::Result<Statement> Database::prepare(std::string_view sql) {
  auto it = m_statements.find(std::string(sql));
  if (it == m_statements.end()) {
    sqlite3_stmt* raw = nullptr;
    const int rc = sqlite3_prepare_v3(m_db.get(), sql.data(), static_cast<int>(sql.size()),
                                      SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
    if (rc != SQLITE_OK) {
      sqlite3_finalize(raw);
      return sqlite_error(m_db.get(), "preparing \"" + std::string(sql.substr(0, 60)) + "\"", rc);
    }
    it = m_statements.emplace(std::string(sql), StatementPtr(raw)).first;
  }
  return Statement(it->second.get());
}

util::Status Database::exec(const std::string& sql) {
  char* message = nullptr;
  const int rc = sqlite3_exec(m_db.get(), sql.c_str(), nullptr, nullptr, &message);
  sqlite3_free(message);
  if (rc != SQLITE_OK) return sqlite_error(m_db.get(), "executing \"" + sql.substr(0, 60) + "\"", rc);
  return util::ok_status();
}

util::Result<std::string> Database::query_text(std::string_view sql) {
  auto stmt = prepare(sql);
  if (!stmt) return std::move(stmt).error();
  auto row = stmt->step();
  if (!row) return std::move(row).error();
  return *row ? stmt->column_text(0) : std::string();
}

util::Result<WriteTransaction> WriteTransaction::begin(Database& db) {
  if (sqlite3_get_autocommit(db.handle()) == 0) {
    if (auto st = db.exec("SAVEPOINT ascsync_nested"); !st) return std::move(st).error();
    return WriteTransaction(db, true);
  }
  if (auto st = db.exec("BEGIN IMMEDIATE"); !st) return std::move(st).error();
  return WriteTransaction(db, false);
}

WriteTransaction::~WriteTransaction() {
  if (m_db == nullptr || sqlite3_get_autocommit(m_db->handle()) != 0) return;
  if (m_nested)
    (void)m_db->exec("ROLLBACK TO ascsync_nested; RELEASE ascsync_nested");
  else
    (void)m_db->exec("ROLLBACK");
}

util::Status WriteTransaction::commit() {
  Database* db = m_db;
  m_db = nullptr;
  if (db == nullptr)
    return util::make_error(util::ErrorKind::internal, "transaction already finished (a bug)");
  if (m_nested) return db->exec("RELEASE ascsync_nested");
  auto st = db->exec("COMMIT");
  // A failed COMMIT (e.g. SQLITE_BUSY) can leave the transaction open; never leave it dangling.
  if (!st && sqlite3_get_autocommit(db->handle()) == 0) (void)db->exec("ROLLBACK");
  return st;
}

}  // namespace store
