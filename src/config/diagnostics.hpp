#pragma once
// Configuration problems as values: every one carries where it is (file:line:col), what is
// wrong and what to do about it. Loaders collect all of them instead of stopping at the first.
#include <string>
#include <vector>

#include "core/desired.hpp"
#include "util/result.hpp"

namespace config {

enum class Severity { error, warning };

struct Diagnostic {
  Severity severity = Severity::error;
  core::SourceLoc loc;
  std::string message;      // what is wrong
  std::string hint;         // what to do; may be empty
  core::SourceLoc related;  // the other place, for duplicates; file empty when none

  // "file:line:col: error: message (hint: ...)" plus " (first declared at file:line:col)"
  // when a related place is known. Control characters and invalid UTF-8 are escaped (\x1b).
  std::string render() const;
};

class Diagnostics {
 public:
  void error(core::SourceLoc loc, std::string message, std::string hint = {});
  void warning(core::SourceLoc loc, std::string message, std::string hint = {});
  // An error about something declared twice: loc is the second place, first the first.
  void duplicate(core::SourceLoc loc, core::SourceLoc first, std::string message, std::string hint = {});
  void add(Diagnostic d) { m_items.push_back(std::move(d)); }
  void append(const Diagnostics& other);

  bool has_errors() const;
  size_t error_count() const;
  size_t warning_count() const;
  bool empty() const { return m_items.empty(); }
  const std::vector<Diagnostic>& items() const { return m_items; }

  // Stable order for output: by file, line, column (insertion order among equals).
  void sort();
  // One rendered diagnostic per line.
  std::string render() const;
  // A client error whose message lists every diagnostic, for Result-returning loaders.
  util::Error to_error(const std::string& what) const;

 private:
  std::vector<Diagnostic> m_items;
};

}  // namespace config
