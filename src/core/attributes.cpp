#include "core/attributes.hpp"

#include <cstdio>

#include "util/strings.hpp"

namespace core {
namespace {

// JSON string syntax, as nlohmann's dump() writes it (UTF-8 kept, control characters escaped).
std::string quoted(const std::string& s) {
  std::string out = "\"";
  out.reserve(s.size() + 2);
  for (const char ch : s) {
    switch (ch) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(ch) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(ch));
          out += buf;
        } else {
          out += ch;
        }
    }
  }
  out += '"';
  return out;
}

struct TextOf {
  std::string operator()(std::monostate) const { return "null"; }
  std::string operator()(bool b) const { return b ? "true" : "false"; }
  std::string operator()(int64_t n) const { return std::to_string(n); }
  std::string operator()(const std::string& s) const { return quoted(s); }
  std::string operator()(const std::vector<std::string>& list) const {
    std::vector<std::string> parts;
    parts.reserve(list.size());
    for (const auto& e : list) parts.push_back(quoted(e));
    std::string out = "[";
    out += util::join(parts, ", ");
    out += ']';
    return out;
  }
};

}  // namespace

std::string attr_text(const AttrValue& value) {
  return std::visit(TextOf{}, value);
}

bool is_null(const AttrValue& value) {
  return std::holds_alternative<std::monostate>(value);
}

}  // namespace core
