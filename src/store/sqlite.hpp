#pragma once
// Thin RAII over the SQLite C API: cached prepared statements and write transactions.
// Every failure becomes a util::Error of kind internal whose message names the database file
// and says what to do about it.
#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "util/result.hpp"
#include "util/time.hpp"

namespace store {

// Builds "<db path>: <context>: <sqlite message> (<code name>); <what to do>" for a failed call.
util::Error sqlite_error(sqlite3* db, std::string_view context, int rc);

struct StatementFinalizer {
  void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
};
using StatementPtr = std::unique_ptr<sqlite3_stmt, StatementFinalizer>;

// A borrowed, cached prepared statement. Binding indexes are 1-based, column indexes 0-based.
// On destruction it is reset and its bindings cleared, so the cache can hand it out again; a
// given SQL text must therefore not be in use twice at the same time.
class Statement {
 public:
  explicit Statement(sqlite3_stmt* stmt) : m_stmt(stmt) {}
  Statement(Statement&& other) noexcept : m_stmt(other.m_stmt) { other.m_stmt = nullptr; }
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  Statement& bind_text(int index, std::string_view text);
  Statement& bind_int(int index, int64_t value);
  Statement& bind_bool(int index, bool value) { return bind_int(index, value ? 1 : 0); }
  Statement& bind_null(int index);
  // Binds NULL when the value is absent.
  Statement& bind_opt_int(int index, std::optional<int64_t> value);

  // Advances one row: true when a row is ready to read, false when the statement is done.
  util::Result<bool> step();
  // Steps until done, for statements that return no rows.
  util::Status run();
  // Rewinds the statement and clears its bindings, to execute it again in a loop.
  void reset();

  std::string column_text(int index) const;
  int64_t column_int(int index) const;
  bool column_bool(int index) const { return column_int(index) != 0; }
  bool column_is_null(int index) const;
  std::optional<int64_t> column_opt_int(int index) const;

 private:
  sqlite3_stmt* m_stmt;
};

// A time stored as RFC 3339 text by this store; text that does not parse reads as the epoch.
util::TimePoint column_time(const std::string& text);

}  // namespace store
