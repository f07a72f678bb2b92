#include "store/condition_type.hpp"

namespace store {

std::string_view to_string(ConditionType type) {
  switch (type) {
    case ConditionType::ready:
      return "ready";
    case ConditionType::drifted:
      return "drifted";
    case ConditionType::blocked:
      return "blocked";
    case ConditionType::failed:
      return "failed";
  }
  return "failed";
}

std::optional<ConditionType> condition_type_from_string(std::string_view text) {
  for (const auto type : k_condition_types)
    if (to_string(type) == text) return type;
  return std::nullopt;
}

}  // namespace store
