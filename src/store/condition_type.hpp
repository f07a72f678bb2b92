#pragma once
// The types a condition (store/conditions.hpp) can have, as one enum: whether an object ascsync
// looks after is as declared, changed outside ascsync, held back, or failed to apply.
#include <optional>
#include <string_view>

namespace store {

enum class ConditionType {
  ready,    // matches the desired state
  drifted,  // App Store Connect shows a change ascsync did not make
  blocked,  // the plan or the guard holds its change back
  failed,   // its change failed
};

inline constexpr ConditionType k_condition_types[] = {ConditionType::ready, ConditionType::drifted,
                                                      ConditionType::blocked, ConditionType::failed};

// "ready", "drifted", "blocked", "failed": the stored and displayed spelling.
std::string_view to_string(ConditionType type);
std::optional<ConditionType> condition_type_from_string(std::string_view text);

}  // namespace store
