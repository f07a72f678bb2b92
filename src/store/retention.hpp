#pragma once
// Retention (issue 14): old sync runs, drift events, plans, audit records and finished journal
// entries are deleted by age and by count, a bounded batch per call, in one transaction.
// Never deleted: a pending journal entry or the plan it belongs to, the latest sync run and the
// latest successful sync run of a team (status and the refresh budget estimate read them), the
// latest plan of a team, and any row a kept row refers to (events of a kept run, audit and
// journal rows of a kept plan).
#include <cstdint>
#include <string>

#include "store/database.hpp"
#include "util/clock.hpp"
#include "util/result.hpp"

namespace store {

struct RetentionPolicy {
  int days = 90;                      // rows older than this go; 0 = no age limit
  int64_t max_runs_per_team = 10000;  // newest sync runs kept per team; 0 = no count limit
  int64_t max_plans_per_team = 1000;  // newest plans kept per team; 0 = no count limit
  int64_t batch = 5000;               // at most this many rows per table per call (backlog: later calls)
};

struct PruneStats {
  int64_t sync_runs = 0;
  int64_t events = 0;
  int64_t plans = 0;
  int64_t audit = 0;
  int64_t journal = 0;
  int64_t total() const { return sync_runs + events + plans + audit + journal; }
};

// Prunes one team's rows older than `now - days` or beyond the count limits.
util::Result<PruneStats> prune(Database& db, const std::string& team, const RetentionPolicy& policy,
                               util::TimePoint now);

}  // namespace store
