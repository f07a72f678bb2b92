// asc::parse_json (the response-body parser of the read path) builds exactly what
// nlohmann::json::parse builds, and rejects exactly what it rejects; the fast path takes plain
// App Store Connect JSON and declines the rest.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "asc/json_parse.hpp"

namespace {

using nlohmann::json;

// The same value with the same JSON types (integer vs unsigned vs float), member by member.
bool same_value(const json& a, const json& b) {
  if (a.type() != b.type()) return false;
  if (a.is_object()) {
    if (a.size() != b.size()) return false;
    for (auto it = a.begin(); it != a.end(); ++it) {
      const auto other = b.find(it.key());
      if (other == b.end() || !same_value(*it, *other)) return false;
    }
    return true;
  }
  if (a.is_array()) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
      if (!same_value(a[i], b[i])) return false;
    return true;
  }
  return a == b;
}

void check_like_nlohmann(const std::string& text) {
  CAPTURE(text);
  const json want = json::parse(text, nullptr, false);
  const json got = asc::parse_json(text);
  CHECK(got.is_discarded() == want.is_discarded());
  if (!want.is_discarded()) CHECK(same_value(got, want));
}

}  // namespace

TEST_CASE("parse_json: a listing page takes the fast path and equals nlohmann's parse") {
  const std::string page = R"({
    "data": [
      {"type": "betaTesters", "id": "t1",
       "attributes": {"firstName": "Zoë", "lastName": "O\"Brien\\ \/ \b\f\n\r\t", "email": "a@b.c",
                      "inviteType": "EMAIL", "state": null, "count": 0, "neg": -12, "big": 999999999999999999},
       "relationships": {"betaGroups": {"meta": {"paging": {"total": 2, "limit": 50}},
                                        "data": [{"type": "betaGroups", "id": "g1"}, {"type": "betaGroups", "id": "g2"}]}},
       "links": {"self": "https://api.example/v1/betaTesters/t1"}},
      {"type": "betaTesters", "id": "t2", "attributes": {"firstName": "日本語 😀", "flag": true, "off": false}}
    ],
    "links": {"self": "x", "next": "y"},
    "meta": {"paging": {"total": 2, "limit": 200}}
  })";
  json fast;
  REQUIRE(asc::parse_json_fast(page, fast));
  check_like_nlohmann(page);
  CHECK(fast["data"][0]["attributes"]["count"].is_number_unsigned());
  CHECK(fast["data"][0]["attributes"]["neg"].is_number_integer());
  CHECK(fast["data"][0]["attributes"]["neg"].get<long long>() == -12);
  CHECK(fast["data"][1]["attributes"]["firstName"] == "日本語 😀");
}

TEST_CASE("parse_json: what the fast path declines still parses exactly as nlohmann does") {
  const std::vector<std::string> declined = {
      R"({"a": "\u00e9\ud83d\ude00"})",  // \u escapes, a surrogate pair
      R"({"a": 1.5, "b": 1e3, "c": -0.0, "d": 2E-2})",
      R"({"a": 12345678901234567890})",   // beyond int64: unsigned
      R"({"a": 123456789012345678901})",  // beyond uint64: float
      R"({"a": -9223372036854775808})",
      "\xEF\xBB\xBF{\"bom\": true}",
      std::string(200, '[') + std::string(200, ']'),  // deeper than the fast path goes
  };
  for (const auto& text : declined) {
    json scratch;
    CAPTURE(text);
    CHECK_FALSE(asc::parse_json_fast(text, scratch));
    check_like_nlohmann(text);
  }
}

TEST_CASE("parse_json: invalid JSON is rejected like nlohmann rejects it") {
  const std::vector<std::string> invalid = {
      "",
      "{",
      R"({"data": [)",
      R"({"a": 1,})",
      R"({"a" 1})",
      R"([1 2])",
      R"({"a": 01})",
      R"({"a": -})",
      R"({"a": tru})",
      R"({"a": truex})",
      R"({"a": nul})",
      R"({'a': 1})",
      R"({"a": "unterminated)",
      "{\"a\": \"tab\there\"}",         // a raw control character
      "{\"a\": \"\\x\"}",               // an unknown escape
      "{\"a\": \"\xC3\"}",              // a cut-off UTF-8 sequence
      "{\"a\": \"\xC0\xAF\"}",          // an overlong encoding
      "{\"a\": \"\xED\xA0\x80\"}",      // a UTF-16 surrogate encoded as UTF-8
      "{\"a\": \"\xF4\x90\x80\x80\"}",  // beyond U+10FFFF
      "{\"a\": \"\xFF\"}",
      R"({"a": 1} {"b": 2})",  // two documents
      R"({"a": 1} x)",
      std::string("{\"a\": \"nul\0here\"}", 17),
  };
  for (const auto& text : invalid) {
    CAPTURE(text);
    check_like_nlohmann(text);
    CHECK(asc::parse_json(text).is_discarded());
  }
}

TEST_CASE("parse_json: edge values agree with nlohmann") {
  for (const std::string text :
       {"0", "-0", "1", "-1", "true", "false", "null", "\"\"", "[]", "{}", " \t\r\n{ } \n",
        "[[],[{}],{\"\":[]}]",
        R"({"a": 1, "a": {"b": 2}})",  // a repeated key keeps the last value
        R"({"a": {"b": 2}, "a": 3})", R"(["\/", "\\\"", "€", "\u0041"])", "999999999999999999",
        "-999999999999999999", R"({"x":[1,-2,3],"y":{"z":null}})"})
    check_like_nlohmann(text);
}
