// `ascsync export`: writes the desired state that describes what App Store Connect holds for a
// team, so an admin adopting ascsync starts from the team as it is (config/export.hpp).
#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "cli/cli.hpp"
#include "cli/commands.hpp"
#include "config/export.hpp"
#include "reconcile/refresh.hpp"
#include "reconcile/session.hpp"
#include "store/mirror.hpp"
#include "util/clock.hpp"
#include "util/files.hpp"
#include "util/time.hpp"

namespace cli {

namespace fs = std::filesystem;

namespace {

bool starts_with_marker(const fs::path& file) {
  std::ifstream in(file);
  std::string first;
  std::getline(in, first);
  return first.rfind(config::k_export_marker, 0) == 0;
}

// The directory must be new, empty, or an earlier export (every YAML file in it written by
// export): other YAML files would be merged into the exported desired state when it is loaded.
// Returns the files of the earlier export to remove (its YAML and CSV files), or an error.
util::Result<std::vector<fs::path>> previous_export(const fs::path& dir) {
  std::vector<fs::path> ours;
  std::error_code ec;
  if (!fs::exists(dir, ec)) return ours;
  if (!fs::is_directory(dir, ec))
    return util::make_error(util::ErrorKind::client, dir.string() + " exists and is not a directory");
  std::vector<fs::path> csv;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const auto ext = entry.path().extension();
    if (ext == ".yaml" || ext == ".yml") {
      if (!entry.is_regular_file() || !starts_with_marker(entry.path()))
        return util::make_error(
            util::ErrorKind::client,
            entry.path().string() +
                " was not written by ascsync export; export into an empty directory (YAML files "
                "beside the export would be merged into its desired state)");
      ours.push_back(entry.path());
    } else if (ext == ".csv" && entry.path().filename().string().rfind("testers", 0) == 0) {
      csv.push_back(entry.path());
    }
  }
  if (ec)
    return util::make_error(util::ErrorKind::client, "cannot list " + dir.string() + ": " + ec.message());
  if (!ours.empty())
    ours.insert(ours.end(), csv.begin(), csv.end());
  else if (!csv.empty())
    return util::make_error(util::ErrorKind::client,
                            csv.front().string() +
                                " is in the way and was not written by ascsync export; "
                                "export into an empty directory");
  return ours;
}

}  // namespace

Runner add_export(CLI::App& app, GlobalOptions& global) {
  auto* sub = app.add_subcommand(
      "export",
      "Write the desired state of what App Store Connect holds for one team (refreshing the mirror first): "
      "team.yaml (policy with every prune switch off), users.yaml, app.<bundle id>.yaml per app with its "
      "groups, "
      "testers as fastlane pilot CSV, certificates.yaml (commented out). Plan after export reports no "
      "changes.");
  struct Options {
    std::string out;
    std::string kinds = "users,invitations,groups,testers,certificates,profiles";
    bool no_refresh = false;
  };
  auto opts = std::make_shared<Options>();
  sub->add_option("--out", opts->out,
                  "directory to write (default: ./<team>-desired); new, empty, or an earlier export");
  sub->add_option("--kinds", opts->kinds,
                  "comma-separated: users,invitations,groups,testers,certificates,profiles");
  sub->add_flag("--no-refresh", opts->no_refresh,
                "export the mirror as it is, without asking App Store Connect");
  return [&global, opts]() {
    setup_cli_logging(global);
    config::ExportKinds kinds;
    if (auto bad = config::parse_export_kinds(opts->kinds, kinds); !bad.empty()) {
      std::fprintf(stderr, "error: --kinds: %s\n", bad.c_str());
      return k_exit_usage;
    }
    auto cfg = load_config(global);
    if (!cfg) return k_exit_error;
    auto teams = select_teams(*cfg, global);
    if (!teams) return k_exit_error;
    if (teams->size() != 1) {
      std::fprintf(stderr, "error: export writes one team; %s\n",
                   teams->empty() ? "no team is enabled" : "name it with --team");
      return k_exit_error;
    }
    const auto& team = *teams->front();
    const fs::path dir = opts->out.empty() ? fs::path(team.name + "-desired") : fs::path(opts->out);
    auto replaced = previous_export(dir);
    if (!replaced) {
      std::fprintf(stderr, "error: %s\n", replaced.error().describe().c_str());
      return k_exit_error;
    }
    auto db = open_database(*cfg);
    if (!db) return k_exit_error;
    auto clock = util::system_clock();
    if (!opts->no_refresh) {
      auto api = reconcile::connect(team, cfg->defaults, clock);
      if (!api) {
        std::fprintf(stderr, "error: team %s: %s\n", team.name.c_str(), api.error().describe().c_str());
        return k_exit_error;
      }
      if (auto refreshed = reconcile::refresh(team.name, **api, *db, *clock); !refreshed) {
        std::fprintf(stderr, "error: team %s: refresh failed, nothing written: %s\n", team.name.c_str(),
                     refreshed.error().describe().c_str());
        return k_exit_error;
      }
    }
    store::Mirror mirror(*db);
    auto has = mirror.has_snapshot(team.name);
    if (!has || !*has) {
      std::fprintf(stderr, "error: team %s has no mirrored snapshot yet; run without --no-refresh\n",
                   team.name.c_str());
      return k_exit_error;
    }
    auto snapshot = mirror.load_snapshot(team.name);
    if (!snapshot) {
      std::fprintf(stderr, "error: %s\n", snapshot.error().describe().c_str());
      return k_exit_error;
    }
    const auto files =
        config::export_desired_state(*snapshot, team.name, kinds, util::format_rfc3339(clock->now()));

    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) {
      std::fprintf(stderr, "error: cannot create %s: %s\n", dir.c_str(), ec.message().c_str());
      return k_exit_error;
    }
    for (const auto& old : *replaced) fs::remove(old, ec);
    for (const auto& f : files) {
      if (auto written = util::write_file_atomic((dir / f.name).string(), f.content, 0644); !written) {
        std::fprintf(stderr, "error: %s\n", written.error().describe().c_str());
        return k_exit_error;
      }
    }
    std::printf("team %s: wrote %zu files to %s/:", team.name.c_str(), files.size(), dir.c_str());
    for (const auto& f : files) std::printf(" %s", f.name.c_str());
    std::printf(
        "\nnext: point the team's desired_state at %s, run `ascsync plan` (it should report no changes), "
        "then "
        "`ascsync apply` to adopt what is declared. Every prune switch is off.\n",
        fs::absolute(dir).c_str());
    return k_exit_ok;
  };
}

}  // namespace cli
