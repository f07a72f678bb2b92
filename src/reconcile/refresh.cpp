#include "reconcile/refresh.hpp"

#include <spdlog/spdlog.h>

namespace reconcile {

namespace {
store::RunStats run_stats(const asc::FetchStats& fetch, const asc::BudgetSnapshot& budget) {
  store::RunStats stats;
  stats.requests_sent = fetch.requests;
  if (budget.known()) {
    stats.rate_remaining = budget.remaining;
    stats.rate_limit = budget.limit;
  }
  return stats;
}
}  // namespace

asc::ReadSet read_set_for(const core::DesiredState& desired) {
  using asc::ReadNeed;
  asc::ReadSet r;
  r.apps = ReadNeed::required;
  r.users = r.invitations = desired.manage_users ? ReadNeed::required : ReadNeed::skip;
  r.groups = r.testers = desired.manage_testflight ? ReadNeed::required : ReadNeed::skip;
  // Managed signing needs them (never plan renewals from a view without certificates); otherwise
  // they are read for the expiry watch when the key may.
  r.certificates = r.profiles = desired.manage_signing ? ReadNeed::required : ReadNeed::if_allowed;
  return r;
}

util::Result<RefreshResult> refresh(const std::string& team, asc::Api& api, store::Database& db,
                                    const util::Clock& clock) {
  return refresh(team, api, db, clock, asc::ReadSet::all());
}

util::Result<RefreshResult> refresh(const std::string& team, asc::Api& api, store::Database& db,
                                    const util::Clock& clock, const asc::ReadSet& read) {
  store::Mirror mirror(db);
  auto run_id = mirror.begin_run(team, clock.now());
  if (!run_id) return run_id.error();

  RefreshResult result;
  result.run_id = *run_id;
  auto snapshot = api.fetch_snapshot(read, &result.fetch);
  result.budget = api.client().budget();
  const store::RunStats stats = run_stats(result.fetch, result.budget);
  if (!snapshot) {
    spdlog::warn("team {}: refresh failed, mirror left as it was: {}", team, snapshot.error().describe());
    auto failed = mirror.fail_run(team, *run_id, snapshot.error(), stats, clock.now());
    if (!failed)
      spdlog::error("team {}: could not record the failed run: {}", team, failed.error().describe());
    return snapshot.error();
  }
  result.not_read = result.fetch.not_read;
  auto committed = mirror.commit_snapshot(team, *run_id, *snapshot, result.not_read, stats, clock.now());
  if (!committed) return committed.error();
  for (const auto& [kind, why] : result.not_read) spdlog::debug("team {}: {} not read: {}", team, kind, why);
  auto run = mirror.last_run(team);
  if (run && *run) result.drift_events = (*run)->events;
  result.counts = store::count_rows(*snapshot);
  result.snapshot = std::move(*snapshot);
  spdlog::info(
      "team {}: mirrored {} users, {} invitations, {} groups, {} testers, {} certificates in {} requests",
      team, result.counts.users, result.counts.invitations, result.counts.groups, result.counts.testers,
      result.counts.certificates, result.fetch.requests);
  return result;
}

}  // namespace reconcile
