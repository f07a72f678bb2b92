#pragma once
// What `ascsync status` and the daemon's /status show for a team, read from the store only
// (no API calls): last run, outcome, counts, drift, rate budget, pending journal entries,
// objects that have not converged, and certificate expiry.
#include <nlohmann/json.hpp>
#include <string>

#include "store/database.hpp"
#include "util/clock.hpp"

namespace reconcile {

// {team, last_run{...}|null, last_success_at|null, counts{...}, drift{last_run_events, recent[]},
//  rate_budget{remaining, limit}|null, journal_pending, conditions{counts, not_ready[]},
//  certificates[{id, name, type, expiration_date, days_left}]}.
util::Result<nlohmann::json> team_status(store::Database& db, const std::string& team, util::TimePoint now);

}  // namespace reconcile
