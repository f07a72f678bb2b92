// `ascsync plan` and `ascsync apply`.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "app/plan_apply.hpp"
#include "app/saved_plan.hpp"
#include "cli/cli.hpp"
#include "cli/commands.hpp"
#include "kinds/render.hpp"
#include "reconcile/cycle.hpp"
#include "util/cycle_outcome.hpp"

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

// One team's text plan (and what its apply came to), or why it has none, as soon as it ended.
void print_team(const app::TeamRun& run, const reconcile::CycleReport* report, const PlanFlags& flags,
                bool several, bool color) {
  if (run.failure) {
    const auto& f = *run.failure;
    if (f.stage == app::FailedStage::desired_state)
      std::fprintf(stderr, "team %s: desired state is invalid, nothing planned:\n%s\n", run.team.c_str(),
                   f.message.c_str());
    else
      std::fprintf(stderr, "team %s: %s\n", run.team.c_str(), f.message.c_str());
    if (f.lock_busy)
      std::fprintf(
          stderr,
          "hint: another `ascsync apply` or the daemon is applying; retry later or pass --lock-wait\n");
    return;
  }
  if (flags.json || !report) return;
  if (several) std::printf("== team %s ==\n", run.team.c_str());
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

// 0 nothing to do / converged, 2 changes (plan only), 1 any failed, blocked or partly applied
// team. A plan with a blocked change exits 1 too: the desired state cannot be reached, whatever
// else the plan does.
int exit_code_of(const app::PlanApplyResult& result) {
  int exit_code = k_exit_ok;
  for (const auto& t : result.teams) {
    if (t.failure || t.has_blocked) return k_exit_error;
    switch (t.outcome) {
      case util::CycleOutcome::converged:
        break;
      case util::CycleOutcome::changes:
        exit_code = k_exit_changes;
        break;
      case util::CycleOutcome::blocked:
      case util::CycleOutcome::partial:
      case util::CycleOutcome::failed:
      case util::CycleOutcome::cancelled:
      case util::CycleOutcome::paused:
        return k_exit_error;
    }
  }
  return exit_code;
}

// Runs plan or apply over the selected teams (app::run_plan_apply) and prints each team as it
// ends. --json always prints {"teams": [...]}.
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
  std::optional<std::vector<const config::TeamConfig*>> teams;
  if (saved) {
    auto chosen = app::saved_plan_teams(*cfg, global.teams, *saved);
    if (!chosen) {
      std::fprintf(stderr, "error: %s\n", chosen.error().message.c_str());
      return k_exit_error;
    }
    teams = std::move(*chosen);
  } else {
    teams = select_teams(*cfg, global);
  }
  if (!teams) return k_exit_error;
  if (teams->empty()) {
    std::fprintf(stderr, "no enabled teams in %s\n", cfg->path.c_str());
    return k_exit_error;
  }
  app::PlanApplyOptions options;
  options.apply = apply;
  options.no_refresh = flags.no_refresh;
  options.lock_wait = std::chrono::milliseconds(static_cast<long long>(flags.lock_wait_seconds * 1000));
  options.save = !flags.out_file.empty();
  options.saved = saved ? &*saved : nullptr;
  options.json = flags.json;
  options.crash_after_writes = crash_after_writes_from_env();
  if (const char* at = std::getenv("ASCSYNC_CRASH_AT"); at && *at) options.crash_at_step = at;
  const bool color = !flags.json && ::isatty(STDOUT_FILENO);
  const bool several = teams->size() > 1;

  const auto result = app::run_plan_apply(*cfg, *teams, options,
                                          [&](const app::TeamRun& run, const reconcile::CycleReport* report) {
                                            print_team(run, report, flags, several, color);
                                          });
  if (result.database_error) {
    std::fprintf(stderr, "error: %s\n", result.database_error->message.c_str());
    return k_exit_error;
  }
  if (flags.json) std::printf("%s\n", result.to_json().dump(2).c_str());
  if (result.nothing_to_run) return k_exit_error;
  const int exit_code = exit_code_of(result);
  if (!flags.out_file.empty()) {
    if (!result.to_save) {
      std::fprintf(stderr, "error: plan not saved to %s: not every team could be planned (see above)\n",
                   flags.out_file.c_str());
      return k_exit_error;
    }
    if (auto written = app::write_saved_plan(flags.out_file, *result.to_save); !written) {
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
