#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace util {

std::string to_lower(std::string_view s);
std::string trim(std::string_view s);
std::vector<std::string> split(std::string_view s, char sep);  // keeps empty fields
std::string join(const std::vector<std::string>& parts, std::string_view sep);
bool starts_with(std::string_view s, std::string_view prefix);
bool iequals(std::string_view a, std::string_view b);
// Percent-encodes for a URL query component (RFC 3986 unreserved kept as is).
std::string url_encode(std::string_view s);
std::string url_decode(std::string_view s);
// Levenshtein distance, for "did you mean" hints.
size_t edit_distance(std::string_view a, std::string_view b);

// Byte offset of the first byte that is not part of well-formed UTF-8 (RFC 3629: no overlong
// forms, no surrogates, nothing above U+10FFFF), or npos when all of s is valid.
size_t invalid_utf8_offset(std::string_view s);
inline bool is_valid_utf8(std::string_view s) {
  return invalid_utf8_offset(s) == std::string_view::npos;
}
// 1-based line and column (in characters) of byte `offset` in text: where an editor shows it.
struct TextPosition {
  int line = 1;
  int column = 1;
};
TextPosition position_of(std::string_view text, size_t offset);
// Text safe to print on a terminal: control characters (C0, DEL, C1; ESC shows as \x1b) and bytes
// of invalid UTF-8 become \xNN; tab, newline and carriage return become \t, \n and \r.
// Printable UTF-8 is kept as it is.
std::string escape_control(std::string_view s);

}  // namespace util
