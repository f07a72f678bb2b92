#include <cstdio>

#include "cli/cli.hpp"
#include "cli/commands.hpp"
#include "cli/table.hpp"
#include "config/desired_state.hpp"
#include "reconcile/signing_phase.hpp"
#include "reconcile/status.hpp"
#include "store/mirror.hpp"
#include "util/clock.hpp"
#include "util/cycle_outcome.hpp"
#include "util/time.hpp"

namespace cli {

namespace {

long long seconds_until(const std::string& rfc3339, util::TimePoint now) {
  auto t = util::parse_rfc3339(rfc3339);
  if (!t) return 0;
  return std::chrono::duration_cast<std::chrono::seconds>(*t - now).count();
}

void print_team(const nlohmann::json& s, util::TimePoint now) {
  std::printf("team %s\n", s["team"].get<std::string>().c_str());
  if (const auto& cycle = s["last_cycle"]; !cycle.is_null()) {
    // The cycle's outcome, not only the refresh's: blocked, partial, paused or failed.
    std::printf("  last cycle    %s, %s (%s): %s\n", cycle["outcome"].get<std::string>().c_str(),
                cycle["finished_at"].get<std::string>().c_str(),
                relative_time(seconds_until(cycle["finished_at"].get<std::string>(), now)).c_str(),
                cycle["summary"].get<std::string>().c_str());
    if (cycle["outcome"] != util::to_string(util::CycleOutcome::converged) &&
        cycle["outcome"] != util::to_string(util::CycleOutcome::paused) && !cycle["error"].is_null())
      std::printf("  cycle error   %s\n", cycle["error"].get<std::string>().c_str());
  }
  const auto& run = s["last_run"];
  if (run.is_null()) {
    std::printf("  last run      never — run `ascsync mirror` or start the daemon\n");
    return;
  }
  const std::string outcome = run["outcome"].get<std::string>() +
                              (run.value("reason", "") == "deadline_exceeded" ? " (deadline exceeded)" : "");
  std::printf("  last run      #%lld %s, started %s (%s), %lld requests\n", run["id"].get<long long>(),
              outcome.c_str(), run["started_at"].get<std::string>().c_str(),
              relative_time(seconds_until(run["started_at"].get<std::string>(), now)).c_str(),
              run["requests"].get<long long>());
  if (run.contains("error")) std::printf("  error         %s\n", run["error"].get<std::string>().c_str());
  if (!s["last_success_at"].is_null())
    std::printf("  last success  %s (%s)\n", s["last_success_at"].get<std::string>().c_str(),
                relative_time(seconds_until(s["last_success_at"].get<std::string>(), now)).c_str());
  const auto& c = s["counts"];
  std::printf(
      "  objects       %lld apps, %lld users, %lld invitations, %lld groups, %lld testers (%lld "
      "memberships), "
      "%lld certificates, %lld profiles\n",
      c["apps"].get<long long>(), c["users"].get<long long>(), c["invitations"].get<long long>(),
      c["groups"].get<long long>(), c["testers"].get<long long>(), c["memberships"].get<long long>(),
      c["certificates"].get<long long>(), c["profiles"].get<long long>());
  for (const auto& [kind, why] : s["not_read"].items())
    std::printf("  not read      %s: %s (since %s; counts are as last read)\n", kind.c_str(),
                why["reason"].get<std::string>().c_str(), why["since"].get<std::string>().c_str());
  if (!s["rate_budget"].is_null())
    std::printf("  rate budget   %lld of %lld requests left this hour\n",
                s["rate_budget"]["remaining"].get<long long>(), s["rate_budget"]["limit"].get<long long>());
  std::printf("  drift         %lld events in the last run, %lld in all\n",
              s["drift"]["last_run_events"].get<long long>(), s["drift"]["total_events"].get<long long>());
  for (const auto& e : s["drift"]["recent"])
    std::printf("                  %s %s %s\n", e["at"].get<std::string>().c_str(),
                e["kind"].get<std::string>().c_str(), e["key"].get<std::string>().c_str());
  std::printf("  journal       %lld pending\n", s["journal_pending"].get<long long>());
  const auto& nr = s["conditions"]["not_ready"];
  std::printf("  converged     %lld ready, %zu not ready\n",
              s["conditions"]["counts"]["ready"].get<long long>(), nr.size());
  for (const auto& c2 : nr)
    std::printf("                  %s %s: %s — %s\n", c2["type"].get<std::string>().c_str(),
                c2["key"].get<std::string>().c_str(), c2["reason"].get<std::string>().c_str(),
                c2["message"].get<std::string>().c_str());
  if (s.contains("signing"))
    for (const auto& slot : s["signing"]["slots"]) {
      std::printf("  slots         %s %lld of %lld used%s:", slot["type"].get<std::string>().c_str(),
                  slot["used"].get<long long>(), slot["limit"].get<long long>(),
                  slot["learned"].get<bool>() ? " (limit learned from Apple)" : "");
      for (const auto& h : slot["holders"]) {
        std::string who = h["owner"].get<std::string>();
        if (!h["name"].get<std::string>().empty()) who += " \"" + h["name"].get<std::string>() + "\"";
        if (h["replaced"].get<bool>()) who += " replaced";
        std::printf(" %s (%s, expires %s);", h["id"].get<std::string>().c_str(), who.c_str(),
                    h["expires"].get<std::string>().substr(0, 10).c_str());
      }
      std::printf("\n");
    }
  for (const auto& cert : s["certificates"]) {
    std::printf("  certificate   %s %s (%s) expires %s", cert["type"].get<std::string>().c_str(),
                cert["name"].get<std::string>().c_str(), cert["id"].get<std::string>().c_str(),
                cert["expiration_date"].get<std::string>().c_str());
    if (cert.contains("days_left")) std::printf(" (%lld days)", cert["days_left"].get<long long>());
    std::printf("\n");
  }
}

}  // namespace

Runner add_status(CLI::App& app, GlobalOptions& global) {
  auto json = std::make_shared<bool>(false);
  auto* sub =
      app.add_subcommand("status",
                         "Show each team's last run, outcome, object counts, drift, rate budget, pending "
                         "journal entries, objects that have not converged and certificate expiry. Reads "
                         "the mirror only.");
  sub->add_flag("--json", *json, "machine-readable output");
  auto check = std::make_shared<bool>(false);
  sub->add_flag("--check", *check,
                "also run SQLite's PRAGMA quick_check on the database (exit 1 when it is damaged)");
  return [json, check, &global]() {
    setup_cli_logging(global);
    auto cfg = load_config(global);
    if (!cfg) return k_exit_error;
    auto teams = select_teams(*cfg, global);
    if (!teams) return k_exit_error;
    auto db = open_database(*cfg);
    if (!db) return k_exit_error;
    if (*check) {
      if (auto checked = db->check(); !checked) {
        std::fprintf(stderr, "error: %s\n", checked.error().describe().c_str());
        return k_exit_error;
      }
    }
    const auto now = util::system_clock()->now();
    nlohmann::json all = nlohmann::json::array();
    for (const auto* team : *teams) {
      auto s = reconcile::team_status(*db, team->name, now);
      if (!s) {
        std::fprintf(stderr, "error: team %s: %s\n", team->name.c_str(), s.error().describe().c_str());
        return k_exit_error;
      }
      // Slots and owners need the declared limits and adoptions; a broken desired state still
      // shows them with the defaults.
      core::DesiredState desired;
      if (auto d = config::load_desired_state(team->desired_state)) desired = std::move(*d);
      if (auto sig = reconcile::signing_status(*db, team->name, desired, now))
        (*s)["signing"] = std::move(*sig);
      all.push_back(std::move(*s));
    }
    if (*json) {
      std::printf("%s\n", nlohmann::json{{"teams", all}}.dump(2).c_str());
    } else {
      for (size_t i = 0; i < all.size(); ++i) {
        if (i) std::printf("\n");
        print_team(all[i], now);
      }
    }
    return k_exit_ok;
  };
}

}  // namespace cli
