#include "store/sqlite.hpp"

namespace store {

namespace {

// What an operator can do about each family of SQLite failures.
const char* hint_for(int rc) {
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return "another process held the database for longer than the busy timeout; check for a stuck "
             "ascsync or sqlite3 session and retry";
    case SQLITE_FULL:
      return "the disk is full; free space and retry";
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return "the file is damaged or not an ascsync database; restore a backup (<db>.bak-*) or move it "
             "away so the mirror is rebuilt from App Store Connect";
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_AUTH:
      return "check that the directory exists and is writable by the ascsync user";
    case SQLITE_IOERR:
      return "the filesystem reported an I/O error; check the disk and kernel log";
    case SQLITE_CONSTRAINT:
      return "the data broke a schema constraint; this is a bug, please report it with the message";
    default:
      return "this is a bug or a local I/O failure; please report it with the message";
  }
}

}  // namespace

util::Error sqlite_error(sqlite3* db, std::string_view context, int rc) {
  std::string where = "sqlite";
  if (db != nullptr) {
    const char* file = sqlite3_db_filename(db, "main");
    if (file != nullptr && *file != '\0') where = file;
  }
  std::string message = where + ": " + std::string(context) + ": ";
  message += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  message += " (";
  message += sqlite3_errstr(rc);
  message += "); ";
  message += hint_for(rc);
  return util::make_error(util::ErrorKind::internal, std::move(message));
}

Statement::~Statement() {
  if (m_stmt != nullptr) reset();
}

Statement& Statement::bind_text(int index, std::string_view text) {
  sqlite3_bind_text64(m_stmt, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  return *this;
}

Statement& Statement::bind_int(int index, int64_t value) {
  sqlite3_bind_int64(m_stmt, index, value);
  return *this;
}

Statement& Statement::bind_null(int index) {
  sqlite3_bind_null(m_stmt, index);
  return *this;
}

Statement& Statement::bind_opt_int(int index, std::optional<int64_t> value) {
  return value ? bind_int(index, *value) : bind_null(index);
}

util::Result<bool> Statement::step() {
  const int rc = sqlite3_step(m_stmt);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  const char* sql = sqlite3_sql(m_stmt);
  std::string context = "executing \"";
  context += std::string_view(sql != nullptr ? sql : "?").substr(0, 60);
  context += "\"";
  return sqlite_error(sqlite3_db_handle(m_stmt), context, rc);
}

util::Status Statement::run() {
  while (true) {
    auto more = step();
    if (!more) return std::move(more).error();
    if (!*more) return util::ok_status();
  }
}

void Statement::reset() {
  sqlite3_reset(m_stmt);
  sqlite3_clear_bindings(m_stmt);
}

std::string Statement::column_text(int index) const {
  const auto* text = sqlite3_column_text(m_stmt, index);
  if (text == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(text),
                     static_cast<size_t>(sqlite3_column_bytes(m_stmt, index)));
}

int64_t Statement::column_int(int index) const {
  return sqlite3_column_int64(m_stmt, index);
}

bool Statement::column_is_null(int index) const {
  return sqlite3_column_type(m_stmt, index) == SQLITE_NULL;
}

std::optional<int64_t> Statement::column_opt_int(int index) const {
  if (column_is_null(index)) return std::nullopt;
  return column_int(index);
}

util::TimePoint column_time(const std::string& text) {
  return util::parse_rfc3339(text).value_or(util::TimePoint{});
}

}  // namespace store
