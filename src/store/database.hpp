#pragma once
// One SQLite database file holding the mirror and apply state of any number of teams.
// Connection policy: WAL, busy_timeout, foreign_keys=ON, synchronous=FULL, BEGIN IMMEDIATE for
// writes, schema migrated on open (backing the file up first). PRAGMA quick_check reads the whole
// file, so it runs when asked (OpenOptions::quick_check, Database::check(): daemon start-up and
// `ascsync status --check`) and before a migration, not on every open.
// A Database is used by one thread at a time; open one per thread that needs it.
#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "store/sqlite.hpp"
#include "util/clock.hpp"
#include "util/result.hpp"

namespace core {
struct Snapshot;
}

namespace store {

struct OpenOptions {
  // Where the NNNN_name.sql files are; empty = resolve_migrations_dir("").
  std::string migrations_dir;
  // False: a missing database file is an error instead of being created.
  bool create = true;
  std::chrono::milliseconds busy_timeout{5000};
  // Names pre-migration backups; nullptr = the system clock.
  const util::Clock* clock = nullptr;
  // Run PRAGMA quick_check (see Database::check) before anything else touches the file. Off by
  // default: it reads every page. An open that migrates checks the file first regardless.
  bool quick_check = false;
  // Keep each team's last committed snapshot in memory so the next commit_snapshot on this
  // connection diffs against it instead of re-reading the rows (see SnapshotMemo). Costs one copy
  // of the snapshot for the connection's lifetime: worth it for the daemon's long-lived
  // connections, not for a one-shot command.
  bool snapshot_memo = true;
};

class Database {
 public:
  // Opens (or creates) the database at `path`, applies the connection policy and migrates it to
  // the newest schema found in the migrations directory (running PRAGMA quick_check first when
  // options.quick_check is set or a migration is due).
  // ":memory:" opens a private in-memory database (no WAL), for tests.
  // A database that already holds data is first copied with VACUUM INTO
  // "<path>.bak-v<old>-<UTC timestamp>". Refuses a database whose schema is newer than the
  // migrations known here, and a non-empty file that was never an ascsync database.
  static util::Result<Database> open(const std::string& path, const OpenOptions& options = {});

  Database(Database&&) noexcept = default;
  Database& operator=(Database&&) noexcept = default;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database() = default;

  const std::string& path() const { return m_path; }
  // The schema version (PRAGMA user_version) after migration.
  int schema_version() const { return m_schema_version; }
  // The schema version found at open, before migrating (0 for a new database).
  int opened_at_version() const { return m_opened_at_version; }
  // The backup this open made before migrating; empty when none was needed.
  const std::string& backup_path() const { return m_backup_path; }

  // PRAGMA quick_check over the whole file: ok, or an error naming the file, what SQLite found
  // and what to do. Reads every page (about 1 s per GB); for start-up and on-demand checks.
  util::Status check();

  // A cached prepared statement for `sql` (prepared on first use).
  util::Result<Statement> prepare(std::string_view sql);
  // Runs one or more statements that return no rows.
  util::Status exec(const std::string& sql);
  // The first column of the first row of `sql` as text, "" when no row. For pragmas and checks.
  util::Result<std::string> query_text(std::string_view sql);
  sqlite3* handle() { return m_db.get(); }

  // store::Mirror's per-connection copy of each team's last committed snapshot, with the team's
  // mirror generation (migration 0006) right after that commit. Only Mirror reads or writes it.
  struct SnapshotMemo {
    int64_t generation = 0;
    std::shared_ptr<const core::Snapshot> snapshot;
  };
  std::unordered_map<std::string, SnapshotMemo>& snapshot_memos() { return m_snapshot_memos; }
  bool keeps_snapshot_memos() const { return m_keep_snapshot_memos; }

 private:
  struct Closer {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
  };
  Database() = default;
  util::Status apply_policy(const OpenOptions& options);
  util::Status migrate(const OpenOptions& options);

  std::string m_path;
  int m_schema_version = 0;
  int m_opened_at_version = 0;
  std::string m_backup_path;
  bool m_checked = false;  // check() passed on this connection
  bool m_keep_snapshot_memos = true;
  // Declared before the cache so statements are finalized before the connection closes.
  std::unique_ptr<sqlite3, Closer> m_db;
  std::unordered_map<std::string, StatementPtr> m_statements;
  std::unordered_map<std::string, SnapshotMemo> m_snapshot_memos;
};

// A BEGIN IMMEDIATE transaction: the write lock is taken up front, so concurrent writers wait
// (busy_timeout) at the start instead of failing half-way. Rolls back unless committed.
// Inside a transaction already open on the connection (the executor groups a change's
// bookkeeping with the next journal intent), it is a SAVEPOINT instead: commit() releases it
// into the outer transaction and a rollback undoes only its own writes.
class WriteTransaction {
 public:
  static util::Result<WriteTransaction> begin(Database& db);
  WriteTransaction(WriteTransaction&& other) noexcept : m_db(other.m_db), m_nested(other.m_nested) {
    other.m_db = nullptr;
  }
  WriteTransaction& operator=(WriteTransaction&&) = delete;
  WriteTransaction(const WriteTransaction&) = delete;
  WriteTransaction& operator=(const WriteTransaction&) = delete;
  ~WriteTransaction();

  util::Status commit();

 private:
  WriteTransaction(Database& db, bool nested) : m_db(&db), m_nested(nested) {}
  Database* m_db;
  bool m_nested = false;
};

}  // namespace store
