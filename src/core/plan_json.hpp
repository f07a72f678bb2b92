#pragma once
// Plans as JSON, for the store (a plan is recorded before it is applied), for `--json` and for
// reading a saved plan back. from_json(to_json(p)) == p field by field.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/plan.hpp"
#include "util/result.hpp"

namespace core {

inline constexpr const char* k_plan_format_version = "1.0";

nlohmann::json change_to_json(const Change& change);
nlohmann::json plan_to_json(const Plan& plan);

// Parses what plan_to_json() wrote. Returns a client error naming the first bad field.
util::Result<Change> change_from_json(const nlohmann::json& j);
util::Result<Plan> plan_from_json(const nlohmann::json& j);

std::optional<ChangeKind> change_kind_from_string(const std::string& s);
std::optional<Action> action_from_string(const std::string& s);
std::optional<ReplaceOrder> replace_order_from_string(const std::string& s);

}  // namespace core
