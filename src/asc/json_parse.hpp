#pragma once
// Parses a response body into a JSON value, the same value nlohmann::json::parse would build,
// at a fraction of its cost. A listing page is up to ~270 KB; nlohmann's lexer keeps a copy of
// every token and counts every character for its error messages, which made parsing the larger
// part of an idle refresh's CPU.
//
// The fast path reads the plain JSON App Store Connect sends: objects, arrays, strings (UTF-8
// checked as strictly as nlohmann checks it; the short escapes \" \\ \/ \b \f \n \r \t),
// integers of up to 18 digits, true/false/null. Anything else — \u escapes, fractions and
// exponents, longer integers, a byte-order mark, very deep nesting, or any syntax error — hands
// the whole text to nlohmann::json::parse, so the result (or the rejection) is always exactly
// nlohmann's.
#include <nlohmann/json.hpp>
#include <string_view>

namespace asc {

// The parsed value, or a discarded value (is_discarded()) when `text` is not valid JSON, like
// nlohmann::json::parse(text, nullptr, false).
nlohmann::json parse_json(std::string_view text);

// The fast path alone: false when it declined (the value is then unspecified). For tests.
bool parse_json_fast(std::string_view text, nlohmann::json& out);

}  // namespace asc
