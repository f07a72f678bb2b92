#pragma once
// `ascsync plan` and `ascsync apply` over the selected teams: every desired state is read (and
// checked against a saved plan) before the database is opened, then one cycle runs per team.
// The result says how each team ended, in the `--json` form too; the command prints it.
#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "app/saved_plan.hpp"
#include "config/daemon_config.hpp"
#include "reconcile/cycle.hpp"
#include "util/cycle_outcome.hpp"
#include "util/result.hpp"

namespace app {

struct PlanApplyOptions {
  bool apply = false;                      // false: plan only, nothing is written to App Store Connect
  bool no_refresh = false;                 // plan only: from the mirror as it is, without any request
  std::chrono::milliseconds lock_wait{0};  // apply: how long to wait for another applier
  // plan --out: fingerprint each team's plan and collect them (PlanApplyResult::to_save).
  bool save = false;
  // apply FILE: apply exactly these plans (each team must be in it: saved_plan_teams).
  const SavedPlan* saved = nullptr;
  // Keep each team's `--json` entry (TeamRun::json).
  bool json = false;
  // Test hooks of the crash-point tests ($ASCSYNC_CRASH_AFTER_WRITES, $ASCSYNC_CRASH_AT).
  long long crash_after_writes = 0;
  std::string crash_at_step;
};

// Where a team stopped without a plan.
enum class FailedStage {
  desired_state,  // its desired state is invalid
  saved_plan,     // its desired-state files differ from the saved plan's (or could not be hashed)
  connect,        // its key could not be used
  cycle,          // the refresh, the apply lock or the database failed (the message says which)
};
// "desired_state", "saved_plan", "connect", "cycle": the `stage` of a failed team in --json.
const char* to_string(FailedStage stage);

struct TeamFailure {
  FailedStage stage = FailedStage::cycle;
  std::string message;
  bool lock_busy = false;  // cycle: another `ascsync apply` or the daemon holds the team's lock
};

// How one team ended.
struct TeamRun {
  std::string team;
  std::optional<TeamFailure> failure;  // set: the team produced no plan
  // The cycle's outcome (converged, changes, blocked, partial), except that a plan with a blocked
  // change (ACCOUNT_HOLDER, protected e-mails, fixed attributes) is blocked: the desired state
  // cannot be reached, so the team is never reported as converged or merely changing.
  util::CycleOutcome outcome = util::CycleOutcome::converged;
  bool has_blocked = false;  // the plan has a blocked change
  // PlanApplyOptions::json: the team's entry of {"teams": [...]} — the plan (kinds::render_json),
  // "outcome", "signing" and "apply"; for a failure {"team", "outcome": "error", "stage", "error"}.
  nlohmann::json json;
};

// Called once per team as soon as it has ended, with the cycle's report when there is one
// (nullptr for a failure); the report is not kept afterwards.
using TeamObserver = std::function<void(const TeamRun& run, const reconcile::CycleReport* report)>;

struct PlanApplyResult {
  std::vector<TeamRun> teams;  // one per selected team, in the selection's order
  // Every team failed before its cycle: the database was not opened, nothing was created.
  bool nothing_to_run = false;
  // The database could not be opened (no cycle ran; `teams` holds only the earlier failures).
  std::optional<util::Error> database_error;
  // PlanApplyOptions::save, when every team was planned: the saved plan to write.
  std::optional<SavedPlan> to_save;

  bool any_failed() const;
  // {"teams": [...]}: every selected team, a failed one with its error.
  nlohmann::json to_json() const;
};

// The teams a saved plan is applied to: the named ones (each must be in the file), else every
// team in the file; each must be in the daemon config. The error (client) names the team.
util::Result<std::vector<const config::TeamConfig*>> saved_plan_teams(const config::DaemonConfig& config,
                                                                      const std::vector<std::string>& names,
                                                                      const SavedPlan& saved);

// Runs plan (or apply) for `teams`, calling `observer` as each team ends.
PlanApplyResult run_plan_apply(const config::DaemonConfig& config,
                               const std::vector<const config::TeamConfig*>& teams,
                               const PlanApplyOptions& options, const TeamObserver& observer);

}  // namespace app
