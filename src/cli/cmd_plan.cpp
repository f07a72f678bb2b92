// `ascsync plan` and `ascsync apply`.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <map>

#include "app/saved_plan.hpp"
#include "cli/cli.hpp"
#include "cli/commands.hpp"
#include "config/desired_state.hpp"
#include "kinds/render.hpp"
#include "reconcile/cycle.hpp"
#include "reconcile/session.hpp"
#include "util/clock.hpp"

namespace cli {

namespace {

struct PlanFlags {
  bool json = false;
  bool no_refresh = false;
  bool show_notes = false;
  double lock_wait_seconds = 0;
  std::string out_file;   // plan --out: save the plan for `ascsync apply FILE`
  std::string plan_file;  // apply FILE: apply exactly this saved plan
};

long long crash_after_writes_from_env() {
  const char* v = std::getenv("ASCSYNC_CRASH_AFTER_WRITES");
  return v && *v ? std::atoll(v) : 0;
}

// A team that produced no plan, in the --json output: it appears with its error instead of
// vanishing, so CI reading {"teams": [...]} sees every team it asked for.
nlohmann::json team_error_json(const std::string& team, const std::string& stage,
                               const std::string& message) {
  return {{"team", team}, {"outcome", "error"}, {"stage", stage}, {"error", message}};
}

// The teams a saved plan is applied to: --team names (each must be in the file), else every team
// in the file. Each must be in the daemon config. Prints the error and returns nullopt otherwise.
std::optional<std::vector<const config::TeamConfig*>> saved_plan_teams(const config::DaemonConfig& config,
                                                                       const GlobalOptions& global,
                                                                       const app::SavedPlan& saved) {
  std::vector<std::string> names = global.teams;
  if (names.empty())
    for (const auto& t : saved.teams) names.push_back(t.team);
  std::vector<const config::TeamConfig*> out;
  for (const auto& name : names) {
    if (!saved.find_team(name)) {
      std::fprintf(stderr, "error: the saved plan has no plan for team '%s'\n", name.c_str());
      return std::nullopt;
    }
    const auto* team = config.find_team(name);
    if (!team) {
      std::fprintf(stderr, "error: the saved plan is for team '%s', which is not in %s\n", name.c_str(),
                   config.path.c_str());
      return std::nullopt;
    }
    out.push_back(team);
  }
  return out;
}

// Runs plan or apply over the selected teams. Exit: 0 nothing to do / converged, 2 plan has
// changes (plan only), 1 any error or a blocked / partly applied team. A plan with a blocked
// change exits 1 too: the desired state cannot be reached, whatever else the plan does.
// --json always prints {"teams": [...]}.
int plan_or_apply(const GlobalOptions& global, const PlanFlags& flags, bool apply) {
  setup_cli_logging(global);
  auto cfg = load_config(global);
  if (!cfg) return k_exit_error;
  if (!flags.out_file.empty() && flags.no_refresh) {
    // The apply that checks a saved plan refreshes; a plan from an older mirror would be refused.
    std::fprintf(stderr, "error: --out needs a fresh refresh; drop --no-refresh to save a plan\n");
    return k_exit_usage;
  }
  std::optional<app::SavedPlan> saved;
  if (apply && !flags.plan_file.empty()) {
    auto read = app::read_saved_plan(flags.plan_file);
    if (!read) {
      std::fprintf(stderr, "error: %s\n", read.error().message.c_str());
      return k_exit_error;
    }
    saved = std::move(*read);
  }
  auto teams = saved ? saved_plan_teams(*cfg, global, *saved) : select_teams(*cfg, global);
  if (!teams) return k_exit_error;
  if (teams->empty()) {
    std::fprintf(stderr, "no enabled teams in %s\n", cfg->path.c_str());
    return k_exit_error;
  }
  int exit_code = k_exit_ok;
  nlohmann::json all = nlohmann::json::array();
  std::map<std::string, nlohmann::json> failed;  // team -> error entry, in team order at the end
  const auto print_json = [&] {
    if (!flags.json) return;
    nlohmann::json teams_json = nlohmann::json::array();
    size_t next = 0;
    for (const auto* team : *teams) {
      if (auto f = failed.find(team->name); f != failed.end()) {
        teams_json.push_back(f->second);
      } else if (next < all.size()) {
        teams_json.push_back(std::move(all[next++]));
      }
    }
    std::printf("%s\n", nlohmann::json{{"teams", teams_json}}.dump(2).c_str());
  };
  // Every desired state is read before the database is opened: a team whose files are invalid
  // is reported and skipped, and when no team is valid nothing is created or written at all.
  std::map<std::string, core::DesiredState> loaded;
  std::map<std::string, app::DesiredDigest> digests;  // plan --out: what each plan is made from
  for (const auto* team : *teams) {
    auto desired = config::load_desired_state(team->desired_state);
    if (!desired) {
      std::fprintf(stderr, "team %s: desired state is invalid, nothing planned:\n%s\n", team->name.c_str(),
                   desired.error().message.c_str());
      failed.emplace(team->name, team_error_json(team->name, "desired_state", desired.error().message));
      exit_code = k_exit_error;
      continue;
    }
    // A saved plan applies only to the desired state it was made from, file for file.
    util::Status same = util::ok_status();
    if (saved) same = app::check_desired_unchanged(*saved->find_team(team->name), desired->source_files);
    if (!flags.out_file.empty()) {
      if (auto digest = app::desired_digest(desired->source_files))
        digests[team->name] = std::move(*digest);
      else
        same = digest.error();
    }
    if (!same) {
      std::fprintf(stderr, "team %s: %s\n", team->name.c_str(), same.error().message.c_str());
      failed.emplace(team->name, team_error_json(team->name, "saved_plan", same.error().message));
      exit_code = k_exit_error;
      continue;
    }
    loaded.emplace(team->name, std::move(*desired));
  }
  if (loaded.empty()) {
    print_json();
    return k_exit_error;
  }
  auto db = open_database(*cfg);
  if (!db) return k_exit_error;
  auto clock = util::system_clock();
  app::SavedPlan to_save;
  to_save.created_at = clock->now();
  to_save.config_path = cfg->path;
  const bool color = !flags.json && ::isatty(STDOUT_FILENO);

  for (const auto* team : *teams) {
    auto found = loaded.find(team->name);
    if (found == loaded.end()) continue;
    const core::DesiredState* desired = &found->second;
    std::unique_ptr<asc::Api> api;
    if (!(flags.no_refresh && !apply)) {
      auto connected = reconcile::connect(*team, cfg->defaults, clock);
      if (!connected) {
        std::fprintf(stderr, "team %s: %s\n", team->name.c_str(), connected.error().describe().c_str());
        failed.emplace(team->name, team_error_json(team->name, "connect", connected.error().describe()));
        exit_code = k_exit_error;
        continue;
      }
      api = std::move(*connected);
    }
    reconcile::CycleOptions options;
    options.mode = apply ? reconcile::CycleMode::apply : reconcile::CycleMode::plan_only;
    options.no_refresh = flags.no_refresh;
    options.lock_wait = std::chrono::milliseconds(static_cast<long long>(flags.lock_wait_seconds * 1000));
    options.crash_after_writes = crash_after_writes_from_env();
    if (const char* at = std::getenv("ASCSYNC_CRASH_AT"); at && *at) options.signing.crash_at_step = at;
    options.signing.custody_passphrase_file = team->custody_passphrase_file;
    options.timeout = cfg->defaults.cycle_timeout;
    options.fingerprint = !flags.out_file.empty();
    if (saved) {
      const auto* entry = saved->find_team(team->name);
      options.saved_plan = &entry->plan;
      options.saved_fingerprint = &entry->mirror;
    }
    auto report = reconcile::run_cycle(team->name, *desired, api.get(), *db, *clock, options);
    if (!report) {
      std::fprintf(stderr, "team %s: %s\n", team->name.c_str(), report.error().describe().c_str());
      // Stage "cycle": the refresh, the apply lock or the database failed; the error says which.
      failed.emplace(team->name, team_error_json(team->name, "cycle", report.error().describe()));
      if (report.error().kind == util::ErrorKind::conflict)
        std::fprintf(
            stderr,
            "hint: another `ascsync apply` or the daemon is applying; retry later or pass --lock-wait\n");
      exit_code = k_exit_error;
      continue;
    }
    if (!flags.out_file.empty() && report->fingerprint)
      to_save.teams.push_back(
          {team->name, team->desired_state, *report->fingerprint, digests[team->name], report->plan});
    // Blocked changes (ACCOUNT_HOLDER, protected emails, fixed attributes) mean the desired state
    // cannot be reached: never report such a team as converged or merely changing.
    auto outcome = report->outcome;
    const bool has_blocked = report->plan.summary().blocked > 0;
    if (has_blocked &&
        (outcome == reconcile::CycleOutcome::converged || outcome == reconcile::CycleOutcome::changes))
      outcome = reconcile::CycleOutcome::blocked;
    if (flags.json) {
      nlohmann::json j = kinds::render_json(report->plan, report->guard);
      j["outcome"] = reconcile::to_string(outcome);
      if (report->signing) j["signing"] = report->signing->to_json();
      if (report->apply) {
        j["apply"] = {{"applied", report->apply->applied}, {"adopted", report->apply->adopted},
                      {"failed", report->apply->failed},   {"skipped", report->apply->skipped},
                      {"unknown", report->apply->unknown}, {"writes", report->apply->writes}};
        nlohmann::json outcomes = nlohmann::json::array();
        for (const auto& o : report->apply->outcomes)
          outcomes.push_back(
              {{"key", o.key}, {"action", o.action}, {"outcome", o.outcome}, {"error", o.error}});
        j["apply"]["outcomes"] = outcomes;
      }
      all.push_back(std::move(j));
    } else {
      if (teams->size() > 1) std::printf("== team %s ==\n", team->name.c_str());
      kinds::TextOptions text;
      text.color = color;
      text.show_notes = flags.show_notes;
      std::printf("%s", kinds::render_text(report->plan, &report->guard, text).c_str());
      if (report->signing && (!report->signing->changes.empty() || report->signing->applied))
        std::printf("\nCertificates and profiles:\n%s", report->signing->text().c_str());
      if (report->apply) {
        const auto& a = *report->apply;
        for (const auto& o : a.outcomes)
          if (o.outcome == "failed" || o.outcome == "unknown" || o.outcome == "skipped")
            std::printf("  %s %s: %s%s%s\n", o.outcome.c_str(), o.key.c_str(), o.action.c_str(),
                        o.error.empty() ? "" : " — ", o.error.c_str());
        const auto s = report->plan.summary();
        if (a.ok())
          std::printf("\nApply complete! %d added, %d changed, %d destroyed (%lld write requests).\n", s.add,
                      s.change, s.destroy, a.writes);
        else
          std::printf(
              "\nApply incomplete: %d changes applied, %d failed, %d skipped, %d unknown. The next run "
              "retries "
              "from a fresh refresh.\n",
              a.applied, a.failed, a.skipped, a.unknown);
      }
    }
    if (has_blocked) exit_code = k_exit_error;
    switch (outcome) {
      case reconcile::CycleOutcome::converged:
        break;
      case reconcile::CycleOutcome::changes:
        if (exit_code == k_exit_ok) exit_code = k_exit_changes;
        break;
      case reconcile::CycleOutcome::blocked:
      case reconcile::CycleOutcome::partial:
        exit_code = k_exit_error;
        break;
    }
  }
  print_json();
  if (!flags.out_file.empty()) {
    if (to_save.teams.size() != teams->size()) {
      std::fprintf(stderr, "error: plan not saved to %s: not every team could be planned (see above)\n",
                   flags.out_file.c_str());
      return k_exit_error;
    }
    if (auto written = app::write_saved_plan(flags.out_file, to_save); !written) {
      std::fprintf(stderr, "error: could not save the plan: %s\n", written.error().describe().c_str());
      return k_exit_error;
    }
    std::fprintf(flags.json ? stderr : stdout,
                 "\nSaved the plan to %s. To apply exactly this plan: ascsync apply %s\n",
                 flags.out_file.c_str(), flags.out_file.c_str());
  }
  return exit_code;
}

void add_plan_flags(CLI::App* sub, PlanFlags& flags) {
  sub->add_flag("--json", flags.json, "machine-readable plan");
  sub->add_flag("--notes", flags.show_notes,
                "list what was deliberately left alone (unmanaged objects, prune off)");
}

}  // namespace

Runner add_plan(CLI::App& app, GlobalOptions& global) {
  auto flags = std::make_shared<PlanFlags>();
  auto* sub = app.add_subcommand(
      "plan",
      "Refresh the mirror and show what apply would change, Terraform style. Sends no writes.\n"
      "Exit codes: 0 no changes, 2 changes, 1 error (invalid desired state, invalid or refused plan,\n"
      "a blocked change, API failure). --json prints {\"teams\": [...]}; a failed team is listed.");
  add_plan_flags(sub, *flags);
  sub->add_flag("--no-refresh", flags->no_refresh, "plan from the mirror as it is, without any API request");
  sub->add_option("--out", flags->out_file,
                  "also save the plan, with a fingerprint of the mirror and a digest of the desired state it "
                  "was made from, for `ascsync apply FILE` (written only when every team was planned)");
  return [flags, &global]() { return plan_or_apply(global, *flags, false); };
}

Runner add_apply(CLI::App& app, GlobalOptions& global) {
  auto flags = std::make_shared<PlanFlags>();
  auto* sub = app.add_subcommand(
      "apply",
      "Refresh, plan, guard and apply: make App Store Connect match the desired state. Every write is "
      "journaled "
      "before it is sent. A plan the guard refuses (prune rules, deletion cap) applies nothing.\n"
      "Exit codes: 0 converged, 1 error, blocked (the plan or any change) or partly applied.");
  add_plan_flags(sub, *flags);
  sub->add_option("--lock-wait", flags->lock_wait_seconds, "seconds to wait for another applier (default 0)");
  sub->add_option("plan_file", flags->plan_file,
                  "a plan saved by `ascsync plan --out FILE`: refresh, then apply exactly that plan; refused "
                  "(exit 1, nothing applied) when App Store Connect or the desired state changed since");
  return [flags, &global]() { return plan_or_apply(global, *flags, true); };
}

}  // namespace cli
