#include "asc/json_parse.hpp"

#include <cstdint>
#include <string>

namespace asc {

namespace {

using JsonDom = nlohmann::json;

constexpr int k_max_depth = 128;  // deeper documents go to nlohmann (which has no such limit)
constexpr int k_max_digits = 18;  // fits int64 and uint64 without overflow checks

// A recursive-descent reader over [p, end). Every function returns false to decline: the caller
// then parses the whole text with nlohmann, which decides whether it is valid and what it holds.
class FastParser {
 public:
  FastParser(const char* begin, const char* end) : m_p(begin), m_end(end) {}

  bool document(JsonDom& out) {
    skip_space();
    if (!value(out, 0)) return false;
    skip_space();
    return m_p == m_end;
  }

 private:
  void skip_space() {
    while (m_p != m_end && (*m_p == ' ' || *m_p == '\n' || *m_p == '\r' || *m_p == '\t')) ++m_p;
  }

  bool literal(std::string_view word) {
    if (static_cast<size_t>(m_end - m_p) < word.size() || std::string_view(m_p, word.size()) != word)
      return false;
    m_p += word.size();
    return true;
  }

  bool value(JsonDom& out, int depth) {
    if (m_p == m_end) return false;
    switch (*m_p) {
      case '{':
        return object(out, depth + 1);
      case '[':
        return array(out, depth + 1);
      case '"': {
        out = JsonDom::value_t::string;
        return string(*out.get_ptr<std::string*>());
      }
      case 't':
        out = true;
        return literal("true");
      case 'f':
        out = false;
        return literal("false");
      case 'n':
        out = nullptr;
        return literal("null");
      default:
        return number(out);
    }
  }

  bool object(JsonDom& out, int depth) {
    if (depth > k_max_depth) return false;
    ++m_p;  // '{'
    out = JsonDom::value_t::object;
    auto& members = *out.get_ptr<JsonDom::object_t*>();
    skip_space();
    if (m_p != m_end && *m_p == '}') {
      ++m_p;
      return true;
    }
    std::string key;
    for (;;) {
      if (m_p == m_end || *m_p != '"') return false;
      key.clear();
      if (!string(key)) return false;
      skip_space();
      if (m_p == m_end || *m_p != ':') return false;
      ++m_p;
      skip_space();
      // A repeated key keeps the last value, as nlohmann's own parser does.
      JsonDom& slot = members[key];
      if (!value(slot, depth)) return false;
      skip_space();
      if (m_p == m_end) return false;
      if (*m_p == ',') {
        ++m_p;
        skip_space();
        continue;
      }
      if (*m_p != '}') return false;
      ++m_p;
      return true;
    }
  }

  bool array(JsonDom& out, int depth) {
    if (depth > k_max_depth) return false;
    ++m_p;  // '['
    out = JsonDom::value_t::array;
    auto& items = *out.get_ptr<JsonDom::array_t*>();
    skip_space();
    if (m_p != m_end && *m_p == ']') {
      ++m_p;
      return true;
    }
    for (;;) {
      items.emplace_back();
      if (!value(items.back(), depth)) return false;
      skip_space();
      if (m_p == m_end) return false;
      if (*m_p == ',') {
        ++m_p;
        skip_space();
        continue;
      }
      if (*m_p != ']') return false;
      ++m_p;
      return true;
    }
  }

  static bool in(unsigned char c, unsigned char lo, unsigned char hi) { return c >= lo && c <= hi; }

  // One UTF-8 sequence starting at m_p (a byte >= 0x80), checked against RFC 3629's table (the
  // ranges nlohmann's lexer accepts); appended to `out`.
  bool utf8(std::string& out) {
    const auto* s = reinterpret_cast<const unsigned char*>(m_p);
    const auto left = m_end - m_p;
    const unsigned char c = s[0];
    int n = 0;
    if (in(c, 0xC2, 0xDF)) {
      n = 2;
      if (left < 2 || !in(s[1], 0x80, 0xBF)) return false;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 3;
      if (left < 3) return false;
      const unsigned char lo = c == 0xE0 ? 0xA0 : 0x80;
      const unsigned char hi = c == 0xED ? 0x9F : 0xBF;
      if (!in(s[1], lo, hi) || !in(s[2], 0x80, 0xBF)) return false;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 4;
      if (left < 4) return false;
      const unsigned char lo = c == 0xF0 ? 0x90 : 0x80;
      const unsigned char hi = c == 0xF4 ? 0x8F : 0xBF;
      if (!in(s[1], lo, hi) || !in(s[2], 0x80, 0xBF) || !in(s[3], 0x80, 0xBF)) return false;
    } else {
      return false;
    }
    out.append(m_p, static_cast<size_t>(n));
    m_p += n;
    return true;
  }

  // A string at m_p (the opening quote) into `out`.
  bool string(std::string& out) {
    ++m_p;  // '"'
    for (;;) {
      // The plain run up to the next quote, backslash, control or non-ASCII byte.
      const char* run = m_p;
      while (m_p != m_end) {
        const auto c = static_cast<unsigned char>(*m_p);
        if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) break;
        ++m_p;
      }
      out.append(run, static_cast<size_t>(m_p - run));
      if (m_p == m_end) return false;
      const auto c = static_cast<unsigned char>(*m_p);
      if (c == '"') {
        ++m_p;
        return true;
      }
      if (c < 0x20) return false;  // a raw control character: invalid JSON
      if (c >= 0x80) {
        if (!utf8(out)) return false;
        continue;
      }
      // A backslash.
      if (m_end - m_p < 2) return false;
      char decoded = 0;
      switch (m_p[1]) {
        case '"':
          decoded = '"';
          break;
        case '\\':
          decoded = '\\';
          break;
        case '/':
          decoded = '/';
          break;
        case 'b':
          decoded = '\b';
          break;
        case 'f':
          decoded = '\f';
          break;
        case 'n':
          decoded = '\n';
          break;
        case 'r':
          decoded = '\r';
          break;
        case 't':
          decoded = '\t';
          break;
        default:
          return false;  // \u (and anything invalid) goes to nlohmann
      }
      out.push_back(decoded);
      m_p += 2;
    }
  }

  // An integer: -?(0|[1-9][0-9]*) of at most k_max_digits digits, not followed by a fraction or
  // an exponent. nlohmann stores a negative one as number_integer and any other as
  // number_unsigned ("-0" is integer 0).
  bool number(JsonDom& out) {
    bool negative = false;
    if (*m_p == '-') {
      negative = true;
      ++m_p;
    }
    const char* digits = m_p;
    if (m_p == m_end || *m_p < '0' || *m_p > '9') return false;
    if (*m_p == '0') {
      ++m_p;
    } else {
      while (m_p != m_end && *m_p >= '0' && *m_p <= '9') ++m_p;
    }
    if (m_p - digits > k_max_digits) return false;
    if (m_p != m_end && (*m_p == '.' || *m_p == 'e' || *m_p == 'E' || (*m_p >= '0' && *m_p <= '9')))
      return false;  // a fraction, an exponent, or a leading zero (invalid): nlohmann decides
    std::uint64_t v = 0;
    for (const char* d = digits; d != m_p; ++d) v = v * 10 + static_cast<std::uint64_t>(*d - '0');
    if (negative)
      out = -static_cast<JsonDom::number_integer_t>(v);
    else
      out = static_cast<JsonDom::number_unsigned_t>(v);
    return true;
  }

  const char* m_p;
  const char* m_end;
};

}  // namespace

bool parse_json_fast(std::string_view text, nlohmann::json& out) {
  FastParser parser(text.data(), text.data() + text.size());
  return parser.document(out);
}

nlohmann::json parse_json(std::string_view text) {
  nlohmann::json out;
  if (parse_json_fast(text, out)) return out;
  return nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
}

}  // namespace asc
