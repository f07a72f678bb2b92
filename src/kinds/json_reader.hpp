#pragma once
// Strict reading of a change's JSON payload, shared by the kinds' from_json(): a member the
// action needs that is missing or of the wrong type is an error naming the change, the member
// and what was found, never a default. Optional members say so by the call used.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/plan.hpp"
#include "util/result.hpp"

namespace kinds {

// Reads members of one JSON object; the first problem is kept and reported by status().
class PayloadReader {
 public:
  PayloadReader(const core::Change& c, const nlohmann::json& j);

  std::string str(const char* f);
  // Absent or null: nullopt.
  std::optional<std::string> str_or_null(const char* f);
  // Absent: an empty string (a member only people read, e.g. a bundle id shown in the plan).
  std::string str_if_present(const char* f);
  bool boolean(const char* f);
  std::optional<bool> opt_bool(const char* f);
  std::optional<int> opt_int(const char* f);
  std::vector<std::string> strings(const char* f);
  std::optional<std::vector<std::string>> opt_strings(const char* f);
  // A required array; each element is read by `each(PayloadReader&)`.
  template <class F>
  void each(const char* f, F&& each) {
    const nlohmann::json* v = member(f);
    if (!v) return;
    if (!v->is_array()) return fail(f, "an array", v);
    for (size_t i = 0; i < v->size(); ++i) {
      PayloadReader r(m_change, (*v)[i], m_path + f + "[" + std::to_string(i) + "].", false);
      each(r);
      absorb(r);
    }
  }
  PayloadReader object(const char* f);
  void absorb(const PayloadReader& r);

  util::Status status() const;
  template <class T>
  util::Result<T> finish(T value) const {
    if (auto s = status(); !s) return s.error();
    return value;
  }

 private:
  PayloadReader(const core::Change& c, const nlohmann::json& j, std::string path, bool missing);
  bool has(const char* f) const;
  const nlohmann::json* member(const char* f);
  void fail(const std::string& f, const char* expected, const nlohmann::json* found = nullptr);

  const core::Change& m_change;
  const nlohmann::json& m_j;
  std::string m_path;
  std::string m_error;
};

// The error for an action a kind has no rule for.
util::Error no_rule(const core::Change& c);

}  // namespace kinds
