#pragma once
// Intent before side effect: the apply step records a pending entry before each write to App
// Store Connect and completes it after. Entries still pending at startup are what a crash left
// behind; the reconciler resolves them by reading back, never by blind retry.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/database.hpp"
#include "util/clock.hpp"
#include "util/result.hpp"

namespace store {

struct JournalEntry {
  int64_t id = 0;  // assigned by record_pending
  std::string team;
  std::string kind;         // "user", "invitation", "tester", "group", "membership", "certificate"
  std::string action;       // "create", "update", "delete", ...
  std::string natural_key;  // store/keys.hpp, e.g. "tester:ann@example.com"
  nlohmann::json request = nlohmann::json::object();  // what is about to be sent
  std::optional<int64_t> plan_id;                     // AuditTrail::record_plan
  std::string state = "pending";                      // "pending" | "done" | "failed" | "resolved"
  nlohmann::json result;                              // null until completed
  std::string error;
  util::TimePoint created_at;
  std::optional<util::TimePoint> completed_at;
};

class Journal {
 public:
  explicit Journal(Database& db) : m_db(&db) {}

  // Durably records `entry` (kind, action, natural_key, request, plan_id) as pending, created
  // `at`, and returns its id. Call before the side effect.
  util::Result<int64_t> record_pending(const std::string& team, const JournalEntry& entry,
                                       util::TimePoint at);

  // Completes a pending entry: outcome "done" (the write succeeded), "failed" (it did not), or
  // "resolved" (a post-crash read-back settled it). Fails when the id is unknown or not pending.
  util::Status complete(int64_t id, std::string_view outcome, const nlohmann::json& result,
                        std::string_view error, util::TimePoint at);

  // The team's pending entries, oldest first.
  util::Result<std::vector<JournalEntry>> pending(const std::string& team);
  // The team's latest entries in any state, newest first.
  util::Result<std::vector<JournalEntry>> recent(const std::string& team, int limit);

 private:
  util::Result<std::vector<JournalEntry>> query(const char* sql, const std::string& team, int limit);

  Database* m_db;
};

}  // namespace store
