#pragma once
// The seam between the service machinery and the reconciler: the daemon runs an injected
// cycle function per team and learns the team list from an injected reload function.
// Nothing here knows how a cycle works.
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <stop_token>
#include <string>
#include <utility>
#include <vector>

#include "util/clock.hpp"
#include "util/cycle_outcome.hpp"
#include "util/result.hpp"

namespace service {

struct CertificateExpiry {
  std::string id;    // Apple's certificate resource id
  std::string type;  // Apple's CertificateType, e.g. DISTRIBUTION
  util::TimePoint expires;
};

// Certificate slots of one type (docs/certificates.md, "Slots").
struct CertificateSlots {
  std::string type;
  int used = 0;
  int limit = 0;
};

// Who holds a certificate ("owned", "adopted", "foreign") and the declared name it serves.
struct CertificateOwner {
  std::string id;
  std::string owner;
  std::string name;
  std::string type;
  util::TimePoint expires;
};

struct ProfileExpiry {
  std::string id;
  std::string name;
  std::string type;
  util::TimePoint expires;
};

struct ApiRequestCount {
  std::string route;  // a route template, never ids: "GET /v1/betaTesters"
  int status = 0;     // HTTP status, 0 when no response arrived
  long long count = 0;
};

// What one cycle reports. Optional/empty fields mean "not known this cycle": the metrics keep
// their previous values rather than dropping to zero.
struct CycleResult {
  // How the cycle ended. A cycle function reports converged (or changes), blocked, failed,
  // cancelled or paused; the daemon's words for them are util::metric_label's. `blocked` needs a
  // human, not a retry; `paused` is not a failure (requeue_after says when budget is expected
  // back); `partial` would count as failed.
  util::CycleOutcome outcome = util::CycleOutcome::failed;
  std::string summary;  // one line, e.g. "2 to add, 0 to change, 1 to destroy; applied"
  std::string error;    // one line when failed/blocked, file:line:col or Apple's detail included

  // When set, the next cycle runs this long after this one instead of the usual interval or
  // backoff (e.g. until Apple's rate-limit window frees budget).
  std::optional<std::chrono::seconds> requeue_after;

  std::map<std::string, long long> plan_changes;  // action ("create", "update", "delete") -> count
  std::map<std::string, long long> objects;       // kind ("user", "beta_tester", ...) -> count in the mirror
  std::map<std::string, long long> drift_events;  // kind -> drift events recorded this cycle
  std::vector<ApiRequestCount> api_requests;      // requests made during this cycle
  std::optional<long long> rate_limit_remaining;  // from the last X-Rate-Limit header
  std::optional<long long> rate_limit_limit;
  std::optional<long long> pending_journal_entries;
  std::optional<std::vector<CertificateExpiry>> certificates;  // all the team's certificates
  // When the desired state manages signing: slots per type, every certificate's owner, and
  // every profile's expiry (replaced as a whole each cycle).
  std::optional<std::vector<CertificateSlots>> certificate_slots;
  std::optional<std::vector<CertificateOwner>> certificate_owners;
  std::optional<std::vector<ProfileExpiry>> profiles;
  // The cycle hit its deadline (cycle_timeout) and was stopped; outcome is `failed`.
  bool deadline_exceeded = false;
  // paused: when the budget is expected back.
  std::optional<util::TimePoint> paused_until;

  bool ok() const { return util::is_success(outcome); }
};

// Runs one reconcile cycle for `team`. Must return promptly (with outcome `cancelled`) once
// `stop` is requested. Called from the team's own worker thread; never concurrently for the
// same team, concurrently for different teams.
using CycleFn = std::function<CycleResult(const std::string& team, std::stop_token stop)>;

struct TeamSchedule {
  TeamSchedule() = default;
  TeamSchedule(std::string name_, std::chrono::seconds interval_,
               std::optional<std::chrono::seconds> jitter_ = std::nullopt, std::string error_ = {})
      : name(std::move(name_)), interval(interval_), jitter(jitter_), error(std::move(error_)) {}

  std::string name;
  std::chrono::seconds interval{15 * 60};
  // Each wait is interval ± a uniform random share of up to `jitter`; nullopt = 10% of interval.
  std::optional<std::chrono::seconds> jitter;
  // What is wrong with this team's configuration (key file, desired state), one message per
  // line; empty when nothing. The team stays scheduled (its cycles fail until it is fixed, or it
  // runs on its last good desired state) and every other team runs (invariant 11).
  std::string error;
};

// Re-reads the configuration and desired state. Returns the teams to run (each with its own
// problems, TeamSchedule::error), or an error whose message carries file:line:col when the
// daemon config itself is invalid or no team can run; on error the daemon keeps its last good
// state.
using ReloadFn = std::function<util::Result<std::vector<TeamSchedule>>()>;

}  // namespace service
