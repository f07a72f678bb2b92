#include "kinds/json_reader.hpp"

namespace kinds {

using nlohmann::json;

PayloadReader::PayloadReader(const core::Change& c, const json& j) : PayloadReader(c, j, "", false) {}

PayloadReader::PayloadReader(const core::Change& c, const json& j, std::string path, bool missing)
    : m_change(c), m_j(j), m_path(std::move(path)) {
  if (missing)
    m_error = "payload member \"" + m_path.substr(0, m_path.size() - 1) + "\" is missing";
  else if (!m_j.is_object())
    fail("", "an object");
}

std::string PayloadReader::str(const char* f) {
  const json* v = member(f);
  if (!v) return {};
  if (!v->is_string()) return fail(f, "a string", v), std::string();
  return v->get<std::string>();
}

std::optional<std::string> PayloadReader::str_or_null(const char* f) {
  const json* v = member(f);
  if (!v || v->is_null()) return std::nullopt;
  if (!v->is_string()) return fail(f, "a string or null", v), std::nullopt;
  return v->get<std::string>();
}

std::string PayloadReader::str_if_present(const char* f) {
  if (!has(f)) return {};
  return str(f);
}

bool PayloadReader::boolean(const char* f) {
  const json* v = member(f);
  if (!v) return false;
  if (!v->is_boolean()) return fail(f, "true or false", v), false;
  return v->get<bool>();
}

std::optional<bool> PayloadReader::opt_bool(const char* f) {
  if (!has(f)) return std::nullopt;
  return boolean(f);
}

std::optional<int> PayloadReader::opt_int(const char* f) {
  if (!has(f) || m_j.at(f).is_null()) return std::nullopt;
  const json& v = m_j.at(f);
  if (!v.is_number_integer()) return fail(f, "an integer", &v), std::nullopt;
  return v.get<int>();
}

std::vector<std::string> PayloadReader::strings(const char* f) {
  std::vector<std::string> out;
  const json* v = member(f);
  if (!v) return out;
  if (!v->is_array()) return fail(f, "an array of strings", v), out;
  for (const auto& e : *v) {
    if (!e.is_string()) return fail(f, "an array of strings", &e), out;
    out.push_back(e.get<std::string>());
  }
  return out;
}

std::optional<std::vector<std::string>> PayloadReader::opt_strings(const char* f) {
  if (!has(f)) return std::nullopt;
  return strings(f);
}

PayloadReader PayloadReader::object(const char* f) {
  const json* v = member(f);
  static const json k_empty = json::object();
  return PayloadReader(m_change, v ? *v : k_empty, m_path + f + ".", v == nullptr);
}

void PayloadReader::absorb(const PayloadReader& r) {
  if (!r.m_error.empty() && m_error.empty()) m_error = r.m_error;
}

util::Status PayloadReader::status() const {
  if (m_error.empty()) return util::ok_status();
  return util::make_error(util::ErrorKind::client, "change " + m_change.key + " (" +
                                                       core::to_string(m_change.action) + " " +
                                                       core::to_string(m_change.kind()) + "): " + m_error);
}

bool PayloadReader::has(const char* f) const {
  return m_j.is_object() && m_j.contains(f);
}

const json* PayloadReader::member(const char* f) {
  if (!m_j.is_object()) return nullptr;
  const auto it = m_j.find(f);
  if (it == m_j.end()) {
    if (m_error.empty()) m_error = "payload member \"" + m_path + f + "\" is missing";
    return nullptr;
  }
  return &*it;
}

void PayloadReader::fail(const std::string& f, const char* expected, const json* found) {
  if (!m_error.empty()) return;
  const std::string name =
      f.empty() ? (m_path.empty() ? "payload" : m_path.substr(0, m_path.size() - 1)) : m_path + f;
  m_error = "payload member \"" + name + "\" must be " + expected +
            (found ? std::string(", found ") + found->type_name() : std::string());
}

util::Error no_rule(const core::Change& c) {
  return util::make_error(util::ErrorKind::internal, std::string("no rule for ") + core::to_string(c.action) +
                                                         " " + core::to_string(c.kind()) + " (change " +
                                                         c.key + ")");
}

}  // namespace kinds
