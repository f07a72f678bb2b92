#pragma once
// Schema migrations: plain SQL files "NNNN_name.sql" in a directory, applied in order through
// PRAGMA user_version (the file number is the version it brings the schema to).
#include <string>
#include <vector>

#include "util/result.hpp"

namespace store {

struct Migration {
  int version = 0;   // from the NNNN prefix
  std::string name;  // file name, e.g. "0002_apply_journal.sql"
  std::string sql;   // the file's content; must not BEGIN/COMMIT itself
};

// The migrations directory to use: `explicit_dir` when not empty, else the source tree's
// migrations/ when it exists (development builds), else the installed share/ascsync/migrations.
std::string resolve_migrations_dir(const std::string& explicit_dir);

// Reads every NNNN_*.sql file of `dir`, sorted by version. Fails when the directory is missing
// or empty, or when versions are not exactly 1..N (a gap or a duplicate).
util::Result<std::vector<Migration>> load_migrations(const std::string& dir);

}  // namespace store
