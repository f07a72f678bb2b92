#pragma once
// The executor carries out a guarded plan, change by change (invariant 3: intent before side
// effect). For each change that sends requests it journals a pending entry, sends the request(s),
// updates the mirror, records managed keys, completes the journal entry and writes the audit
// trail. Creates are never retried blindly: an unclear outcome or a 409 is settled by reading
// back by natural key.
#include <cstdint>
#include <map>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "asc/api.hpp"
#include "core/model.hpp"
#include "core/plan.hpp"
#include "store/database.hpp"
#include "util/clock.hpp"

namespace reconcile {

// A create-before-destroy replace is journaled as two entries, one per half, written before each
// half's request; the entry's request (the change as JSON) names its half in this field.
// resolve_pending() reads each half back on its own.
inline constexpr const char* k_journal_half_field = "half";
inline constexpr const char* k_half_create = "create";
inline constexpr const char* k_half_delete = "delete";

struct ChangeOutcome {
  std::string key;
  std::string action;
  std::string outcome;  // "applied" | "adopted" | "blocked" | "failed" | "skipped" | "unknown"
  std::string error;    // one line when failed/skipped/unknown
};

struct ApplyReport {
  int applied = 0;  // changes whose requests succeeded
  int adopted = 0;
  int blocked = 0;
  int failed = 0;
  int skipped = 0;             // not attempted: stopped early, or depended on a failed change
  int unknown = 0;             // outcome unclear; the journal entry stays pending for the next refresh
  long long writes = 0;        // write requests that succeeded
  bool stopped_early = false;  // a retryable failure or a stop request ended the apply
  // The rate budget reached its reserve: the apply stopped cleanly before the next change (the
  // rest are skipped, nothing failed); the pause error says until when.
  std::optional<util::Error> paused_for_budget;
  std::vector<ChangeOutcome> outcomes;
  bool ok() const { return failed == 0 && unknown == 0 && skipped == 0; }
  std::string first_error() const;
};

struct ApplyContext {
  std::string team;
  asc::Api* api = nullptr;
  store::Database* db = nullptr;
  const util::Clock* clock = nullptr;
  const core::Snapshot* snapshot = nullptr;  // the refreshed snapshot the plan was made from
  std::optional<int64_t> plan_id;
  std::stop_token stop;
  // The cycle's deadline: no change starts after it (the rest are skipped, like on stop).
  std::optional<std::chrono::steady_clock::time_point> deadline;
  // Test hook for crash-point tests: after this many successful write requests the process
  // is killed (SIGKILL) before the journal entry is completed. 0 = off. Read from
  // $ASCSYNC_CRASH_AFTER_WRITES by the CLI.
  long long crash_after_writes = 0;
};

// Applies every change of a plan the guard allowed. Never throws; failures are in the report.
ApplyReport apply_plan(const core::Plan& plan, ApplyContext& ctx);

}  // namespace reconcile
