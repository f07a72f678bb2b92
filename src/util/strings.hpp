#pragma once
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

}  // namespace util
