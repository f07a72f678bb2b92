#pragma once
// Plans as JSON, for the store (a plan is recorded before it is applied), for `--json` and for
// reading a saved plan back. from_json(to_json(p)) == p field by field.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/plan.hpp"
#include "util/result.hpp"

namespace kinds {

inline constexpr const char* k_plan_format_version = "1.0";

nlohmann::json change_to_json(const core::Change& change);
nlohmann::json plan_to_json(const core::Plan& plan);
// A change's before/after: an object, or null when there is none.
nlohmann::json attributes_to_json(const std::optional<core::Attributes>& attributes);

// Parses what plan_to_json() wrote. Returns a client error naming the first bad field; the
// payload is read strictly by its kind's handler.
util::Result<core::Change> change_from_json(const nlohmann::json& j);
util::Result<core::Plan> plan_from_json(const nlohmann::json& j);

std::optional<core::ChangeKind> change_kind_from_string(const std::string& s);
std::optional<core::Action> action_from_string(const std::string& s);
std::optional<core::ReplaceOrder> replace_order_from_string(const std::string& s);

}  // namespace kinds
