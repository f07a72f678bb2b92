// `ascsync export`: writes the desired state that describes what App Store Connect holds for a
// team, so an admin adopting ascsync starts from the team as it is (app/export_team.hpp).
#include <cstdio>
#include <filesystem>

#include "app/export_team.hpp"
#include "cli/cli.hpp"
#include "cli/commands.hpp"
#include "config/export.hpp"

namespace cli {

namespace fs = std::filesystem;

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
    const auto* selected = select_one_team(*cfg, global, "export writes one team");
    if (!selected) return k_exit_error;
    const auto& team = *selected;
    app::ExportRequest request;
    request.dir = opts->out.empty() ? fs::path(team.name + "-desired") : fs::path(opts->out);
    request.kinds = kinds;
    request.refresh = !opts->no_refresh;
    const fs::path& dir = request.dir;
    auto files = app::export_team(*cfg, team, request);
    if (!files) {
      std::fprintf(stderr, "error: %s\n", files.error().message.c_str());
      return k_exit_error;
    }
    std::printf("team %s: wrote %zu files to %s/:", team.name.c_str(), files->size(), dir.c_str());
    for (const auto& f : *files) std::printf(" %s", f.c_str());
    std::printf(
        "\nnext: point the team's desired_state at %s, run `ascsync plan` (it should report no changes), "
        "then "
        "`ascsync apply` to adopt what is declared. Every prune switch is off.\n",
        fs::absolute(dir).c_str());
    return k_exit_ok;
  };
}

}  // namespace cli
