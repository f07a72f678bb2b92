#include "app/plan_apply.hpp"

#include <map>
#include <memory>

#include "app/database.hpp"
#include "config/desired_state.hpp"
#include "kinds/render.hpp"
#include "reconcile/session.hpp"
#include "util/clock.hpp"

namespace app {

const char* to_string(FailedStage stage) {
  switch (stage) {
    case FailedStage::desired_state:
      return "desired_state";
    case FailedStage::saved_plan:
      return "saved_plan";
    case FailedStage::connect:
      return "connect";
    case FailedStage::cycle:
      return "cycle";
  }
  return "cycle";
}

bool PlanApplyResult::any_failed() const {
  for (const auto& t : teams)
    if (t.failure) return true;
  return false;
}

nlohmann::json PlanApplyResult::to_json() const {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& t : teams) out.push_back(t.json);
  return {{"teams", out}};
}

util::Result<std::vector<const config::TeamConfig*>> saved_plan_teams(const config::DaemonConfig& config,
                                                                      const std::vector<std::string>& names,
                                                                      const SavedPlan& saved) {
  std::vector<std::string> wanted = names;
  if (wanted.empty())
    for (const auto& t : saved.teams) wanted.push_back(t.team);
  std::vector<const config::TeamConfig*> out;
  for (const auto& name : wanted) {
    if (!saved.find_team(name))
      return util::make_error(util::ErrorKind::client, "the saved plan has no plan for team '" + name + "'");
    const auto* team = config.find_team(name);
    if (!team)
      return util::make_error(util::ErrorKind::client,
                              "the saved plan is for team '" + name + "', which is not in " + config.path);
    out.push_back(team);
  }
  return out;
}

namespace {

// A team that produced no plan, in the --json output: it appears with its error instead of
// vanishing, so CI reading {"teams": [...]} sees every team it asked for.
void mark_failed(TeamRun& run, FailedStage stage, std::string message, bool lock_busy, bool json) {
  if (json)
    run.json = {{"team", run.team}, {"outcome", "error"}, {"stage", to_string(stage)}, {"error", message}};
  run.failure = TeamFailure{stage, std::move(message), lock_busy};
}

nlohmann::json report_json(const reconcile::CycleReport& report, util::CycleOutcome outcome) {
  nlohmann::json j = kinds::render_json(report.plan, report.guard);
  j["outcome"] = util::to_string(outcome);
  if (report.signing) j["signing"] = report.signing->to_json();
  if (report.apply) {
    j["apply"] = {{"applied", report.apply->applied}, {"adopted", report.apply->adopted},
                  {"failed", report.apply->failed},   {"skipped", report.apply->skipped},
                  {"unknown", report.apply->unknown}, {"writes", report.apply->writes}};
    nlohmann::json outcomes = nlohmann::json::array();
    for (const auto& o : report.apply->outcomes)
      outcomes.push_back({{"key", o.key}, {"action", o.action}, {"outcome", o.outcome}, {"error", o.error}});
    j["apply"]["outcomes"] = outcomes;
  }
  return j;
}

}  // namespace

PlanApplyResult run_plan_apply(const config::DaemonConfig& config,
                               const std::vector<const config::TeamConfig*>& teams,
                               const PlanApplyOptions& options, const TeamObserver& observer) {
  PlanApplyResult result;
  result.teams.resize(teams.size());
  for (size_t i = 0; i < teams.size(); ++i) result.teams[i].team = teams[i]->name;
  const auto team_failed = [&](size_t i, FailedStage stage, std::string message, bool lock_busy = false) {
    mark_failed(result.teams[i], stage, std::move(message), lock_busy, options.json);
    if (observer) observer(result.teams[i], nullptr);
  };

  // Every desired state is read before the database is opened: a team whose files are invalid
  // is reported and skipped, and when no team is valid nothing is created or written at all.
  std::map<std::string, core::DesiredState> loaded;
  std::map<std::string, DesiredDigest> digests;  // save: what each plan is made from
  for (size_t i = 0; i < teams.size(); ++i) {
    const auto* team = teams[i];
    auto desired = config::load_desired_state(team->desired_state);
    if (!desired) {
      team_failed(i, FailedStage::desired_state, desired.error().message);
      continue;
    }
    // A saved plan applies only to the desired state it was made from, file for file.
    util::Status same = util::ok_status();
    if (options.saved)
      same = check_desired_unchanged(*options.saved->find_team(team->name), desired->source_files);
    if (options.save) {
      if (auto digest = desired_digest(desired->source_files))
        digests[team->name] = std::move(*digest);
      else
        same = digest.error();
    }
    if (!same) {
      team_failed(i, FailedStage::saved_plan, same.error().message);
      continue;
    }
    loaded.emplace(team->name, std::move(*desired));
  }
  if (loaded.empty()) {
    result.nothing_to_run = true;
    return result;
  }
  auto db = open_command_database(config);
  if (!db) {
    result.database_error = db.error();
    return result;
  }
  auto clock = util::system_clock();
  SavedPlan to_save;
  to_save.created_at = clock->now();
  to_save.config_path = config.path;

  for (size_t i = 0; i < teams.size(); ++i) {
    const auto* team = teams[i];
    auto found = loaded.find(team->name);
    if (found == loaded.end()) continue;
    const core::DesiredState* desired = &found->second;
    std::unique_ptr<asc::Api> api;
    if (!(options.no_refresh && !options.apply)) {
      auto connected = reconcile::connect(*team, config.defaults, clock);
      if (!connected) {
        team_failed(i, FailedStage::connect, connected.error().describe());
        continue;
      }
      api = std::move(*connected);
    }
    reconcile::CycleOptions cycle;
    cycle.mode = options.apply ? reconcile::CycleMode::apply : reconcile::CycleMode::plan_only;
    cycle.no_refresh = options.no_refresh;
    cycle.lock_wait = options.lock_wait;
    cycle.crash_after_writes = options.crash_after_writes;
    if (!options.crash_at_step.empty()) cycle.signing.crash_at_step = options.crash_at_step;
    cycle.signing.custody_passphrase_file = team->custody_passphrase_file;
    cycle.timeout = config.defaults.cycle_timeout;
    cycle.fingerprint = options.save;
    if (options.saved) {
      const auto* entry = options.saved->find_team(team->name);
      cycle.saved_plan = &entry->plan;
      cycle.saved_fingerprint = &entry->mirror;
    }
    auto report = reconcile::run_cycle(team->name, *desired, api.get(), *db, *clock, cycle);
    if (!report) {
      team_failed(i, FailedStage::cycle, report.error().describe(),
                  report.error().kind == util::ErrorKind::conflict);
      continue;
    }
    if (options.save && report->fingerprint)
      to_save.teams.push_back(
          {team->name, team->desired_state, *report->fingerprint, digests[team->name], report->plan});
    TeamRun& run = result.teams[i];
    run.outcome = report->outcome;
    run.has_blocked = report->plan.summary().blocked > 0;
    if (run.has_blocked &&
        (run.outcome == util::CycleOutcome::converged || run.outcome == util::CycleOutcome::changes))
      run.outcome = util::CycleOutcome::blocked;
    if (options.json) run.json = report_json(*report, run.outcome);
    if (observer) observer(run, &*report);
  }
  if (options.save && to_save.teams.size() == teams.size()) result.to_save = std::move(to_save);
  return result;
}

}  // namespace app
