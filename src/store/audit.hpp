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
  nlohmann::json plan;     // null when only the summary was kept (`full` false)
  nlohmann::json summary;  // counts per action and the outcome (record_plan, finish_plan)
  bool full = true;
};

class AuditTrail {
 public:
  explicit AuditTrail(Database& db) : m_db(&db) {}

  // Stores a rendered plan and returns its id, for journal entries and audit records.
  util::Result<int64_t> record_plan(const std::string& team, const nlohmann::json& plan, util::TimePoint at,
                                    const nlohmann::json& summary = nlohmann::json::object());
  // Records what applying the plan came to. Unless `keep_full` (the plan wrote something), the
  // full plan JSON is dropped and only the summary stays (issue 14: plans were a third of the DB).
  util::Status finish_plan(int64_t plan_id, const nlohmann::json& summary, bool keep_full);
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
