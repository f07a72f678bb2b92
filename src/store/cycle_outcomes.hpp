#pragma once
// What each team's last applying cycle came to (schema v3, table cycle_outcomes): converged,
// blocked, partial, paused (stopped before the rate budget's reserve; not a failure) or failed.
// `ascsync status` shows it beside the last refresh.
#include <optional>
#include <string>

#include "store/database.hpp"
#include "util/clock.hpp"
#include "util/result.hpp"

namespace store {

struct CycleOutcomeRow {
  std::string team;
  util::TimePoint finished_at;
  std::string outcome;  // converged | blocked | partial | paused | failed
  std::string summary;
  std::string error;
  std::optional<util::TimePoint> resume_at;  // paused: when the budget is expected back
};

// Replaces the team's row.
util::Status record_cycle_outcome(Database& db, const CycleOutcomeRow& row);
util::Result<std::optional<CycleOutcomeRow>> last_cycle_outcome(Database& db, const std::string& team);

}  // namespace store
