#pragma once
// fastlane pilot's tester CSV (`fastlane pilot import`/`export`): First,Last,Email[,Groups,...].
// RFC 4180 quoting (fields in double quotes may hold commas, quotes written "" and newlines),
// CRLF or LF, an optional UTF-8 BOM, blank lines skipped, an optional header row (recognised by
// "email" in the third column), groups separated by ';', further columns (Devices, Installed
// Version, ... from `pilot export`) ignored.
#include <string>
#include <vector>

#include "config/diagnostics.hpp"
#include "core/desired.hpp"

namespace config {

struct CsvTester {
  std::string first_name;
  std::string last_name;
  std::string email;                // as written, trimmed
  std::vector<std::string> groups;  // trimmed, empty names dropped, in file order
  core::SourceLoc loc;              // the row's first character
  core::SourceLoc email_loc;
  core::SourceLoc groups_loc;  // line 0 when there is no Groups column
};

// Parses CSV text; `file` names it in diagnostics. Rows with too few columns or a bad email are
// reported (file:line:col) and left out. Text that is not UTF-8 is reported at the first bad
// byte and yields no rows.
std::vector<CsvTester> parse_tester_csv(const std::string& text, const std::string& file, Diagnostics& diags);

}  // namespace config
