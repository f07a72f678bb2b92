#pragma once
// The audit trail of the apply step: each plan that was acted on, and one record per change
// attempted under it with before/after and the outcome.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "store/database.hpp"
#include "util/clock.hpp"
#include "util/result.hpp"

namespace store {

struct AuditRecord {
  int64_t id = 0;  // assigned by record_audit
  std::optional<int64_t> plan_id;
  util::TimePoint at;
  std::string change_kind;  // "tester", "group", ...
  std::string change_key;   // store/keys.hpp
  std::string action;       // "create", "update", "delete", ...
  nlohmann::json before;    // null when the object did not exist
  nlohmann::json after;     // null when it no longer exists
  std::string outcome;      // "applied" | "failed" | "skipped" | ...
  std::string error;
};

struct StoredPlan {
  int64_t id = 0;
  std::string team;
  util::TimePoint created_at;
  nlohmann::json plan;
};

class AuditTrail {
 public:
  explicit AuditTrail(Database& db) : m_db(&db) {}

  // Stores a rendered plan and returns its id, for journal entries and audit records.
  util::Result<int64_t> record_plan(const std::string& team, const nlohmann::json& plan, util::TimePoint at);
  util::Result<std::optional<StoredPlan>> plan(int64_t plan_id);
  util::Result<std::optional<StoredPlan>> latest_plan(const std::string& team);

  util::Result<int64_t> record_audit(const std::string& team, const AuditRecord& record);
  // Newest first.
  util::Result<std::vector<AuditRecord>> audit(const std::string& team, int limit);

 private:
  util::Result<std::optional<StoredPlan>> one_plan(Statement& stmt);

  Database* m_db;
};

}  // namespace store
