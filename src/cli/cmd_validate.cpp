#include <cstdio>

#include "cli/cli.hpp"
#include "cli/commands.hpp"
#include "config/validate.hpp"

namespace cli {

Runner add_validate(CLI::App& app, GlobalOptions& global) {
  auto paths = std::make_shared<std::vector<std::string>>();
  auto* sub = app.add_subcommand("validate",
                                 "Check the daemon config and desired-state files without touching the "
                                 "network. Exit 0 when valid, 1 when not.");
  sub->add_option(
      "paths", *paths,
      "daemon config or desired-state files/directories (default: the daemon config and its teams' "
      "desired state)");
  return [paths, &global]() {
    // Without paths the daemon config is checked as one, whatever it holds (a config missing
    // `teams:` is reported as such, not read as a desired state).
    const auto report = paths->empty() ? config::validate_config(resolve_config_path(global.config_path))
                                       : config::validate_paths(*paths);
    if (!report.diagnostics.empty()) std::fprintf(stderr, "%s", report.diagnostics.render().c_str());
    std::printf("%s\n", report.summary().c_str());
    return report.ok() ? k_exit_ok : k_exit_error;
  };
}

}  // namespace cli
