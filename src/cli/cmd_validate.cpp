#include <cstdio>

#include "app/validate_keys.hpp"
#include "cli/cli.hpp"
#include "cli/commands.hpp"
#include "config/validate.hpp"

namespace cli {

Runner add_validate(CLI::App& app, GlobalOptions& global) {
  auto paths = std::make_shared<std::vector<std::string>>();
  auto online = std::make_shared<bool>(false);
  auto* sub =
      app.add_subcommand("validate",
                         "Check the daemon config, every team's key file (permissions, readable, PKCS#8 EC) "
                         "and desired-state files without touching the network. Exit 0 when valid, 1 when "
                         "not.");
  sub->add_option(
      "paths", *paths,
      "daemon config or desired-state files/directories (default: the daemon config and its teams' "
      "desired state)");
  sub->add_flag(
      "--online", *online,
      "also sign in to App Store Connect with each team's key and check that its role may read every "
      "kind the desired state manages (one GET with limit=1 per kind; nothing is written)");
  return [paths, online, &global]() {
    // Without paths the daemon config is checked as one, whatever it holds (a config missing
    // `teams:` is reported as such, not read as a desired state).
    const std::string config_path = resolve_config_path(global.config_path);
    auto report = paths->empty() ? config::validate_config(config_path) : config::validate_paths(*paths);
    const auto print = [](const std::vector<std::string>& lines) {
      for (const auto& line : lines) std::printf("%s\n", line.c_str());
    };
    if (paths->empty()) {
      print(app::check_keys(config_path, *online, report));
    } else {
      for (const auto& p : *paths) print(app::check_keys(p, *online, report));
    }
    if (!report.diagnostics.empty()) std::fprintf(stderr, "%s", report.diagnostics.render().c_str());
    std::printf("%s\n", report.summary().c_str());
    return report.ok() ? k_exit_ok : k_exit_error;
  };
}

}  // namespace cli
