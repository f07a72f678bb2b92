#include "reconcile/status.hpp"

#include <algorithm>

#include "asc/client.hpp"
#include "store/conditions.hpp"
#include "store/cycle_outcomes.hpp"
#include "store/events.hpp"
#include "store/journal.hpp"
#include "store/mirror.hpp"
#include "util/time.hpp"

namespace reconcile {

namespace {

nlohmann::json run_json(const store::SyncRun& run) {
  nlohmann::json j = {{"id", run.id},
                      {"outcome", run.outcome},
                      {"started_at", util::format_rfc3339(run.started_at)},
                      {"finished_at", run.finished_at ? nlohmann::json(util::format_rfc3339(*run.finished_at))
                                                      : nlohmann::json(nullptr)},
                      {"requests", run.stats.requests_sent},
                      {"drift_events", run.events}};
  if (!run.error.empty()) j["error"] = run.error;
  // Why a failed run failed, when ascsync knows it by name.
  if (run.outcome == "failed" && run.error.find(asc::k_cycle_deadline_exceeded) != std::string::npos)
    j["reason"] = "deadline_exceeded";
  return j;
}

nlohmann::json counts_json(const store::SnapshotCounts& c) {
  return {{"apps", c.apps},
          {"users", c.users},
          {"invitations", c.invitations},
          {"groups", c.groups},
          {"testers", c.testers},
          {"memberships", c.memberships},
          {"certificates", c.certificates},
          {"profiles", c.profiles}};
}

}  // namespace

util::Result<nlohmann::json> team_status(store::Database& db, const std::string& team, util::TimePoint now) {
  store::Mirror mirror(db);
  nlohmann::json out = {{"team", team}};

  auto last = mirror.last_run(team);
  if (!last) return last.error();
  out["last_run"] = *last ? run_json(**last) : nlohmann::json(nullptr);
  auto ok_run = mirror.last_successful_run(team);
  if (!ok_run) return ok_run.error();
  out["last_success_at"] = *ok_run && (*ok_run)->finished_at
                               ? nlohmann::json(util::format_rfc3339(*(*ok_run)->finished_at))
                               : nlohmann::json(nullptr);
  const store::SyncRun* budget_run = *last ? &**last : nullptr;
  if (budget_run && budget_run->stats.rate_limit)
    out["rate_budget"] = {{"remaining", budget_run->stats.rate_remaining.value_or(-1)},
                          {"limit", *budget_run->stats.rate_limit}};
  else
    out["rate_budget"] = nullptr;

  // The last applying cycle's outcome (blocked, partial, paused, failed, converged), which the
  // refresh's outcome alone does not tell.
  auto cycle = store::last_cycle_outcome(db, team);
  if (!cycle) return cycle.error();
  if (*cycle) {
    const auto& c = **cycle;
    out["last_cycle"] = {{"outcome", c.outcome},
                         {"finished_at", util::format_rfc3339(c.finished_at)},
                         {"summary", c.summary},
                         {"error", c.error.empty() ? nlohmann::json(nullptr) : nlohmann::json(c.error)},
                         {"resume_at", c.resume_at ? nlohmann::json(util::format_rfc3339(*c.resume_at))
                                                   : nlohmann::json(nullptr)}};
  } else {
    out["last_cycle"] = nullptr;
  }

  auto snapshot = mirror.load_snapshot(team);
  if (!snapshot) return snapshot.error();
  out["counts"] = counts_json(store::count_rows(*snapshot));
  // Kinds the last refresh did not read: their counts are as last read, not "none".
  auto unread = mirror.unread(team);
  if (!unread) return unread.error();
  nlohmann::json not_read = nlohmann::json::object();
  for (const auto& u : *unread)
    not_read[u.kind] = {{"reason", u.reason}, {"since", util::format_rfc3339(u.since)}};
  out["not_read"] = not_read;

  // Drift: the total and the ten most recent events (newest last), without reading the history.
  auto total_events = store::event_count(db, team);
  if (!total_events) return total_events.error();
  auto latest = store::recent_events(db, team, 10);
  if (!latest) return latest.error();
  nlohmann::json recent = nlohmann::json::array();
  for (const auto& e : *latest)
    recent.push_back({{"id", e.id}, {"at", e.at}, {"kind", e.kind}, {"key", e.key}});
  out["drift"] = {
      {"total_events", *total_events}, {"last_run_events", *last ? (*last)->events : 0}, {"recent", recent}};

  store::Journal journal(db);
  auto pending = journal.pending(team);
  if (!pending) return pending.error();
  out["journal_pending"] = pending->size();

  store::Conditions conditions(db);
  auto conds = conditions.conditions(team);
  if (!conds) return conds.error();
  nlohmann::json by_type = nlohmann::json::object();
  for (const auto type : store::k_condition_types) by_type[std::string(store::to_string(type))] = 0;
  nlohmann::json not_ready = nlohmann::json::array();
  for (const auto& c : *conds) {
    by_type[c.type] = by_type.value(c.type, 0) + 1;
    if (c.type != store::to_string(store::ConditionType::ready))
      not_ready.push_back({{"key", c.key},
                           {"type", c.type},
                           {"reason", c.reason},
                           {"message", c.message},
                           {"since", util::format_rfc3339(c.last_transition_at)}});
  }
  out["conditions"] = {{"counts", by_type}, {"not_ready", not_ready}};

  nlohmann::json certs = nlohmann::json::array();
  auto sorted = snapshot->certificates;
  std::sort(sorted.begin(), sorted.end(),
            [](const auto& a, const auto& b) { return a.expiration_date < b.expiration_date; });
  for (const auto& c : sorted) {
    nlohmann::json j = {{"id", c.id},
                        {"name", c.name},
                        {"display_name", c.display_name},
                        {"type", c.certificate_type},
                        {"serial_number", c.serial_number},
                        {"expiration_date", c.expiration_date}};
    if (auto exp = util::parse_rfc3339(c.expiration_date))
      j["days_left"] = std::chrono::duration_cast<std::chrono::hours>(*exp - now).count() / 24;
    certs.push_back(j);
  }
  out["certificates"] = certs;
  return out;
}

}  // namespace reconcile
