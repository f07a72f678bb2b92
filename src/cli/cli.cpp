#include "cli/cli.hpp"

#include <cstdio>
#include <map>
#include <string>

#include "cli/commands.hpp"

namespace cli {

int run(int argc, char** argv) {
  CLI::App app{
      "ascsync keeps an App Store Connect team in the state declared in YAML: it mirrors users, invitations,\n"
      "TestFlight groups and testers and certificates into SQLite, plans the difference and applies it safely."};
  app.set_version_flag("--version", std::string("ascsync ") + ASCSYNC_VERSION);
  app.require_subcommand(1);
  app.fallthrough();

  GlobalOptions global;
  app.add_option("-c,--config", global.config_path,
                 "daemon config file (default: $ASCSYNC_CONFIG, /etc/ascsync/ascsync.yaml, ./ascsync.yaml)");
  app.add_option("--team", global.teams, "act on this team only (repeatable; default: every enabled team)");
  app.add_option("--log-level", global.log_level, "trace, debug, info, warn, error, off")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}));
  app.add_option("--log-format", global.log_format, "text, json or journal")
      ->check(CLI::IsMember({"text", "json", "journal"}));

  std::map<std::string, Runner> runners;
  runners["validate"] = add_validate(app, global);
  runners["mirror"] = add_mirror(app, global);
  runners["status"] = add_status(app, global);
  runners["show"] = add_show(app, global);
  runners["plan"] = add_plan(app, global);
  runners["apply"] = add_apply(app, global);
  runners["run"] = add_run(app, global);
  runners["trigger"] = add_trigger(app, global);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? k_exit_ok : k_exit_usage;
  }
  for (auto* sub : app.get_subcommands()) {
    auto it = runners.find(sub->get_name());
    if (it != runners.end()) return it->second();
  }
  std::fprintf(stderr, "%s", app.help().c_str());
  return k_exit_usage;
}

}  // namespace cli
