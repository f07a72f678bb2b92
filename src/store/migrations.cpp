#include "store/migrations.hpp"

#include <algorithm>
#include <filesystem>

#include "util/files.hpp"

namespace store {

namespace fs = std::filesystem;

std::string resolve_migrations_dir(const std::string& explicit_dir) {
  if (!explicit_dir.empty()) return explicit_dir;
  std::error_code ec;
  if (fs::is_directory(ASCSYNC_SOURCE_MIGRATIONS_DIR, ec)) return ASCSYNC_SOURCE_MIGRATIONS_DIR;
  return ASCSYNC_INSTALLED_MIGRATIONS_DIR;
}

namespace {

// "0002_apply_journal.sql" -> 2; 0 when the name does not have the NNNN_ prefix and .sql suffix.
int version_of(const std::string& name) {
  if (name.size() < 9 || name.compare(name.size() - 4, 4, ".sql") != 0 || name[4] != '_') return 0;
  int v = 0;
  for (size_t i = 0; i < 4; ++i) {
    if (name[i] < '0' || name[i] > '9') return 0;
    v = v * 10 + (name[i] - '0');
  }
  return v;
}

util::Error migration_error(const std::string& dir, const std::string& what) {
  return util::make_error(util::ErrorKind::internal,
                          "migrations directory " + dir + ": " + what +
                              "; reinstall ascsync or pass the right directory (store.migrations_dir)");
}

}  // namespace

util::Result<std::vector<Migration>> load_migrations(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return migration_error(dir, "does not exist");
  std::vector<Migration> out;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    const int version = version_of(name);
    if (version == 0 || !entry.is_regular_file()) continue;
    auto sql = util::read_file(entry.path().string());
    if (!sql) return migration_error(dir, sql.error().message);
    out.push_back(Migration{version, name, std::move(*sql)});
  }
  if (ec) return migration_error(dir, "cannot list: " + ec.message());
  if (out.empty()) return migration_error(dir, "holds no NNNN_name.sql files");
  std::sort(out.begin(), out.end(),
            [](const Migration& a, const Migration& b) { return a.version < b.version; });
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i].version != static_cast<int>(i + 1))
      return migration_error(dir, "expected version " + std::to_string(i + 1) + " but found " + out[i].name +
                                      " (versions must run 1..N without gaps or duplicates)");
  }
  return out;
}

}  // namespace store
