#include "cli/cli.hpp"

#include <cstdio>
#include <exception>
#include <map>
#include <string>

#include "cli/commands.hpp"
#include "util/log.hpp"
#include "util/strings.hpp"

namespace cli {

int run(int argc, char** argv) {
  CLI::App app{
      "ascsync keeps an App Store Connect team in the state declared in YAML: it mirrors users, "
      "invitations,\n"
      "TestFlight groups and testers and certificates into SQLite, plans the difference and applies it "
      "safely."};
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
  runners["export"] = add_export(app, global);
  runners["export-identity"] = add_export_identity(app, global);
  runners["alerts"] = add_alerts(app, global);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? k_exit_ok : k_exit_usage;
  }
  for (auto* sub : app.get_subcommands()) {
    auto it = runners.find(sub->get_name());
    if (it == runners.end()) continue;
    // Why: no command ends on an uncaught exception (an abort, a core dump, no message). Expected
    // failures are Results; anything thrown is a bug, reported as one.
    try {
      return it->second();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "internal error: %s: %s (please report this as a bug)\n", sub->get_name().c_str(),
                   util::escape_control(util::redact(e.what())).c_str());
      return k_exit_error;
    } catch (...) {
      std::fprintf(stderr, "internal error: %s: unknown exception (please report this as a bug)\n",
                   sub->get_name().c_str());
      return k_exit_error;
    }
  }
  std::fprintf(stderr, "%s", app.help().c_str());
  return k_exit_usage;
}

}  // namespace cli
