#pragma once
// Refresh: list everything App Store Connect holds for a team and atomically replace the
// mirror's snapshot. Invariant 1: a listing that failed on any page leaves the previous
// snapshot untouched and records the run as failed — no plan is ever made from a partial view.
#include <cstdint>
#include <map>
#include <string>

#include "asc/api.hpp"
#include "core/desired.hpp"
#include "core/model.hpp"
#include "store/mirror.hpp"
#include "util/clock.hpp"

namespace reconcile {

struct RefreshResult {
  int64_t run_id = 0;
  core::Snapshot snapshot;  // what was committed
  store::SnapshotCounts counts;
  asc::FetchStats fetch;
  int64_t drift_events = 0;  // events this run recorded
  asc::BudgetSnapshot budget;
  // Kinds this refresh left out -> why (see asc::ReadSet); the mirror keeps their last rows.
  std::map<std::string, std::string> not_read;
};

// What a refresh must read for `desired` (DESIGN.md "Keys and privileges"): apps always (any
// role may); users and invitations when it manages users (Admin); groups and testers when it
// manages TestFlight (App Manager or Admin); certificates and profiles when the key's role allows
// (the expiry watch; a 403 leaves them out instead of failing the team).
asc::ReadSet read_set_for(const core::DesiredState& desired);

// One refresh of `team`. On failure the error describes the first failed listing; the run row
// says "failed" and the previous snapshot stays.
util::Result<RefreshResult> refresh(const std::string& team, asc::Api& api, store::Database& db,
                                    const util::Clock& clock);
// The same, reading only the kinds `read` asks for.
util::Result<RefreshResult> refresh(const std::string& team, asc::Api& api, store::Database& db,
                                    const util::Clock& clock, const asc::ReadSet& read);

}  // namespace reconcile
