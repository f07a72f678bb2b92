#pragma once
// The latest status of each object ascsync looks after, Kubernetes-style: one condition per
// key whose type says whether the object is as declared.
#include <string>
#include <string_view>
#include <vector>

#include "store/condition_type.hpp"
#include "store/database.hpp"
#include "util/clock.hpp"
#include "util/result.hpp"

namespace store {

struct Condition {
  std::string key;     // store/keys.hpp
  std::string type;    // to_string(ConditionType): "ready" | "drifted" | "blocked" | "failed"
  std::string reason;  // CamelCase machine word, e.g. "DeletionCapExceeded"
  std::string message;
  util::TimePoint last_transition_at;  // when type last changed
  util::TimePoint updated_at;          // when last set
};

class Conditions {
 public:
  explicit Conditions(Database& db) : m_db(&db) {}

  // Upserts the key's condition. last_transition_at moves to `at` only when type changes.
  util::Status set_condition(const std::string& team, const std::string& key, std::string_view type,
                             std::string_view reason, std::string_view message, util::TimePoint at);
  util::Status set_condition(const std::string& team, const std::string& key, ConditionType type,
                             std::string_view reason, std::string_view message, util::TimePoint at) {
    return set_condition(team, key, to_string(type), reason, message, at);
  }
  // Drops the key's condition (the object is no longer declared). Unknown keys are fine.
  util::Status clear_condition(const std::string& team, const std::string& key);
  // Sorted by key.
  util::Result<std::vector<Condition>> conditions(const std::string& team);

 private:
  Database* m_db;
};

}  // namespace store
