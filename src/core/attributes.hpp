#pragma once
// A change's before/after: the attributes a plan shows, by the names Apple gives them. Values are
// the few shapes a plan needs (null, a boolean, an integer, a string, a list of strings), so core
// needs no JSON library; the JSON renderer writes them as JSON values. Names are kept sorted, the
// order in which the text and JSON plans list them.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace core {

using AttrValue = std::variant<std::monostate, bool, int64_t, std::string, std::vector<std::string>>;

class Attributes {
 public:
  using Map = std::map<std::string, AttrValue, std::less<>>;

  Attributes() = default;
  Attributes(std::initializer_list<Map::value_type> values) : m_values(values) {}

  void set(std::string name, AttrValue value) {
    m_values.insert_or_assign(std::move(name), std::move(value));
  }
  // Nullptr when the attribute is not there.
  const AttrValue* find(std::string_view name) const {
    const auto it = m_values.find(name);
    return it == m_values.end() ? nullptr : &it->second;
  }
  void erase(std::string_view name) {
    if (const auto it = m_values.find(name); it != m_values.end()) m_values.erase(it);
  }
  bool empty() const { return m_values.empty(); }
  size_t size() const { return m_values.size(); }
  Map::const_iterator begin() const { return m_values.begin(); }
  Map::const_iterator end() const { return m_values.end(); }
  bool operator==(const Attributes&) const = default;

 private:
  Map m_values;
};

// The value as plans print it: JSON syntax (strings quoted and escaped, lists as ["a", "b"]).
std::string attr_text(const AttrValue& value);
bool is_null(const AttrValue& value);

}  // namespace core
