#pragma once
// One reconcile cycle for one team: refresh → resolve pending journal entries → plan → guard →
// apply → record. `ascsync plan`, `ascsync apply` and the daemon all run this.
#include <chrono>
#include <optional>
#include <stop_token>
#include <string>

#include "asc/api.hpp"
#include "core/desired.hpp"
#include "core/guard.hpp"
#include "core/plan.hpp"
#include "reconcile/executor.hpp"
#include "reconcile/recover.hpp"
#include "reconcile/refresh.hpp"
#include "reconcile/signing_phase.hpp"
#include "store/database.hpp"
#include "store/retention.hpp"
#include "store/snapshot_fingerprint.hpp"
#include "util/clock.hpp"
#include "util/cycle_outcome.hpp"

namespace reconcile {

enum class CycleMode {
  plan_only,  // refresh (unless no_refresh) and plan; no writes to App Store Connect
  apply,      // the whole cycle
};

struct CycleOptions {
  CycleMode mode = CycleMode::apply;
  // Plan from the stored snapshot without any request (plan_only only).
  bool no_refresh = false;
  // How long to wait for another applier's lock (apply only).
  std::chrono::milliseconds lock_wait{0};
  long long crash_after_writes = 0;  // see ApplyContext
  // Overall deadline of the cycle (the daemon config's cycle_timeout); none when unset. Past
  // it no request is sent (a read in flight is abandoned), nothing is planned from a refresh
  // that did not finish, and an apply skips its remaining changes.
  std::optional<std::chrono::milliseconds> timeout;
  // Retention (the daemon config's `retention:`): when set, an applying cycle ends by pruning
  // the team's old runs, events, plans, audit and journal rows (store::prune, one bounded
  // transaction). `ascsync apply` leaves it unset.
  std::optional<store::RetentionPolicy> retention;
  // plan_only: also fingerprint the snapshot and managed set the plan is made from
  // (CycleReport::fingerprint), for a saved plan (`ascsync plan --out`).
  bool fingerprint = false;
  // apply: apply this saved plan instead of making one (`ascsync apply FILE`). After the refresh
  // and the read-back of pending journal entries, the fingerprint of the fresh snapshot and managed
  // set must equal `saved_fingerprint`; when it does not, the cycle stops with a client error
  // (k_saved_plan_stale) naming the collections that moved, and applies nothing. The guard still
  // runs on the saved plan.
  const core::Plan* saved_plan = nullptr;
  const store::SnapshotFingerprint* saved_fingerprint = nullptr;
  // Certificates and profiles (when the desired state manages signing): custody directory,
  // credentials, crash points.
  SigningOptions signing;
};

// The start of the error a stale saved plan stops the cycle with.
inline constexpr const char* k_saved_plan_stale = "the saved plan is stale";

// When a budget pause error (asc::is_budget_pause) expects budget back, seen at `now`.
std::optional<util::TimePoint> budget_resume_at(const util::Error& pause, util::TimePoint now);
// "paused for budget until ~HH:MM UTC".
std::string budget_pause_summary(std::optional<util::TimePoint> until);

// True for the error of a cycle that ran out of time (CycleOptions::timeout).
bool is_deadline_exceeded(const util::Error& error);

struct CycleReport {
  // converged, changes (plan_only), blocked or partial; a cycle that could not plan is an Error,
  // and one paused for budget during the apply is partial (paused_for_budget says so).
  util::CycleOutcome outcome = util::CycleOutcome::converged;
  std::optional<RefreshResult> refresh;
  RecoveryReport recovery;
  core::Plan plan;
  core::GuardResult guard;
  std::optional<ApplyReport> apply;
  std::optional<int64_t> plan_id;
  // CycleOptions::fingerprint: what the plan was made from.
  std::optional<store::SnapshotFingerprint> fingerprint;
  // The cycle's deadline passed during the apply: the changes not yet started were skipped.
  bool deadline_exceeded = false;
  // The rate budget reached its reserve during the apply (outcome partial): the rest waits for
  // the next cycle. Not a failure. The error's retry_after_seconds says when budget returns.
  std::optional<util::Error> paused_for_budget;
  std::optional<util::TimePoint> resume_at;
  // Certificates and profiles, when the desired state manages signing (docs/certificates.md).
  std::optional<SigningReport> signing;
  // One line for logs, STATUS= and `ascsync apply`.
  std::string summary() const;
};

// Requests a refresh is expected to cost: the last successful refresh's count, or a guess.
// run_cycle starts a refresh only with that much above the budget's reserve, so a refresh is not
// cut half-way (its requests would be wasted).
int expected_refresh_requests(store::Database& db, const std::string& team);

// Runs one cycle. An Error means the cycle could not get as far as a plan (refresh failed, lock
// busy, database error, or the rate budget's reserve reached: asc::is_budget_pause); everything
// after that is in the report. An applying cycle records its outcome for `ascsync status`
// (store/cycle_outcomes.hpp).
util::Result<CycleReport> run_cycle(const std::string& team, const core::DesiredState& desired, asc::Api* api,
                                    store::Database& db, const util::Clock& clock,
                                    const CycleOptions& options, std::stop_token stop = {});

}  // namespace reconcile
