#pragma once
// How one team's cycle ended: one type for the reconciler (`ascsync plan`/`apply`), the daemon's
// scheduler, metrics and status, and the alert rules. Each layer spells it out in its own words
// through the functions below; the strings are external interfaces and stay as they are.

namespace util {

enum class CycleOutcome {
  // Nothing to do, or every change applied (the daemon's "success").
  converged,
  // A plan-only cycle found changes (`ascsync plan`); never the result of an applying cycle. Also
  // a "success" to the daemon.
  changes,
  // The refresh worked but the plan is invalid or the guard refused it (or a certificate renewal
  // is blocked): nothing was applied. Needs a human, not a retry.
  blocked,
  // Some changes failed or were skipped (the next cycle retries). The daemon reports it as
  // `failed`, or `cancelled` when it was stopping (app::TeamRuntime::cycle).
  partial,
  // The cycle could not get as far as a plan (refresh, lock, database, key, desired state), or a
  // partial apply in the daemon. The scheduler backs off.
  failed,
  // The cycle's stop token fired (shutdown, team removed).
  cancelled,
  // The rate budget reached its reserve and the cycle stopped cleanly before it: not a failure;
  // the daemon comes back when budget is expected back.
  paused,
};

// The reconciler's word: "converged", "changes", "blocked", "partial", "failed", "cancelled",
// "paused". The `outcome` of `ascsync plan/apply --json` (converged, changes, blocked, partial)
// and of the recorded last cycle (`ascsync status`).
const char* to_string(CycleOutcome outcome);

// The daemon's word: "success" (converged, changes), "blocked", "failed" (failed, partial),
// "cancelled", "paused". The `outcome` label of ascsync_cycles_total, `/status`'s last_outcome
// and the scheduler's log lines.
const char* metric_label(CycleOutcome outcome);

// converged or changes: the cycle did what it was asked (the daemon's last_success).
bool is_success(CycleOutcome outcome);

// failed or partial: the scheduler backs off and the team counts as failing.
bool is_failure(CycleOutcome outcome);

}  // namespace util
