#include <chrono>
#include <cstdio>

#include "app/mirror_read_set.hpp"
#include "cli/cli.hpp"
#include "cli/commands.hpp"
#include "config/desired_state.hpp"
#include "reconcile/refresh.hpp"
#include "reconcile/session.hpp"
#include "util/clock.hpp"

namespace cli {

Runner add_mirror(CLI::App& app, GlobalOptions& global) {
  auto* sub = app.add_subcommand("mirror",
                                 "Refresh the SQLite mirror: list everything App Store Connect holds for "
                                 "each team and replace the team's "
                                 "snapshot, recording drift. Sends only reads. Exit 1 when any team failed "
                                 "(its previous snapshot is kept).");
  (void)sub;
  return [&global]() {
    setup_cli_logging(global);
    auto cfg = load_config(global);
    if (!cfg) return k_exit_error;
    auto teams = select_teams(*cfg, global);
    if (!teams) return k_exit_error;
    if (teams->empty()) {
      std::fprintf(stderr, "no enabled teams in %s\n", cfg->path.c_str());
      return k_exit_error;
    }
    auto db = open_database(*cfg);
    if (!db) return k_exit_error;
    auto clock = util::system_clock();
    int failed = 0;
    for (const auto* team : *teams) {
      const auto start = std::chrono::steady_clock::now();
      auto api = reconcile::connect(*team, cfg->defaults, clock);
      if (!api) {
        std::printf("team %s: FAILED — %s\n", team->name.c_str(), api.error().describe().c_str());
        ++failed;
        continue;
      }
      auto desired = config::load_desired_state(team->desired_state);
      if (!desired)
        std::fprintf(stderr, "team %s: desired state not loaded (%s); every kind is read if the key allows\n",
                     team->name.c_str(), desired.error().describe().c_str());
      const asc::ReadSet read = app::mirror_read_set(desired ? &*desired : nullptr);
      auto result = reconcile::refresh(team->name, **api, *db, *clock, read);
      const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      if (!result) {
        std::printf("team %s: FAILED after %.1fs — %s (previous snapshot kept)\n", team->name.c_str(), secs,
                    result.error().describe().c_str());
        ++failed;
        continue;
      }
      const auto& c = result->counts;
      std::printf(
          "team %s: ok in %.1fs — %lld apps, %lld users, %lld invitations, %lld groups, %lld testers (%lld "
          "memberships), %lld certificates, %lld profiles; %lld requests; %lld drift events",
          team->name.c_str(), secs, static_cast<long long>(c.apps), static_cast<long long>(c.users),
          static_cast<long long>(c.invitations), static_cast<long long>(c.groups),
          static_cast<long long>(c.testers), static_cast<long long>(c.memberships),
          static_cast<long long>(c.certificates), static_cast<long long>(c.profiles), result->fetch.requests,
          static_cast<long long>(result->drift_events));
      for (const auto& [kind, why] : result->not_read)
        std::printf("; not read: %s (%s)", kind.c_str(), why.c_str());
      if (result->budget.known())
        std::printf("; rate budget %d/%d", result->budget.remaining, result->budget.limit);
      std::printf("\n");
    }
    return failed ? k_exit_error : k_exit_ok;
  };
}

}  // namespace cli
