// `ascsync run` (the daemon) and `ascsync trigger`.
#include <spdlog/spdlog.h>

#include <cstdio>

#include "app/daemon.hpp"
#include "app/trigger.hpp"
#include "asc/credentials.hpp"
#include "cli/cli.hpp"
#include "cli/commands.hpp"
#include "service/service.hpp"
#include "store/database.hpp"
#include "util/files.hpp"
#include "util/log.hpp"
#include "util/strings.hpp"

namespace cli {

namespace {

util::LogFormat log_format(const GlobalOptions& global, const config::DaemonConfig& cfg) {
  if (global.log_format == "json") return util::LogFormat::json;
  if (global.log_format == "journal") return util::LogFormat::journal;
  if (global.log_format == "text") return util::LogFormat::text;
  return cfg.log.format;
}

std::optional<std::string> read_token(const std::string& path) {
  if (path.empty()) return std::string();
  auto token = util::read_secret_file(path);
  if (!token) {
    std::fprintf(stderr, "error: admin token: %s\n", token.error().message.c_str());
    return std::nullopt;
  }
  return util::trim(*token);
}

int run_daemon(const GlobalOptions& global, bool log_level_given) {
  const std::string path = resolve_config_path(global.config_path);
  auto cfg = config::load_daemon_config(path);
  if (!cfg) {
    std::fprintf(stderr, "%s\n", cfg.error().message.c_str());
    return service::k_exit_config;
  }
  util::setup_logging(log_level_given ? global.log_level : cfg->log.level, log_format(global, *cfg));
  spdlog::info("ascsync {} starting with {} ({} teams)", ASCSYNC_VERSION, cfg->path, cfg->teams.size());

  // Start-up checks: the database opens, migrates and passes quick_check; every key is readable.
  {
    store::OpenOptions options;
    options.quick_check = true;  // once per start, not per open (docs/operations.md)
    auto db = store::Database::open(cfg->database, options);
    if (!db) {
      spdlog::critical("database: {}", db.error().describe());
      return service::k_exit_failure;
    }
  }
  // Keys and desired states are checked per team by the first reload (TeamRuntime::reload): a
  // team with a broken one is marked failed and the others run; 78 only when no team can run.
  auto token = read_token(cfg->admin.token_file);
  if (!token) return service::k_exit_config;

  return app::run_daemon(*cfg, *token, util::system_clock());
}

int trigger(const GlobalOptions& global) {
  auto cfg = load_config(global);
  if (!cfg) return k_exit_error;
  auto token = read_token(cfg->admin.token_file);
  if (!token) return k_exit_error;
  std::optional<std::string> team;
  if (global.teams.size() == 1) team = global.teams[0];
  auto answer = app::trigger_daemon(*cfg, *token, team);
  if (!answer) {
    std::fprintf(stderr, "error: %s\n", answer.error().message.c_str());
    return k_exit_error;
  }
  std::printf("%s\n", answer->c_str());
  return k_exit_ok;
}

}  // namespace

Runner add_run(CLI::App& app, GlobalOptions& global) {
  auto* sub =
      app.add_subcommand("run",
                         "Run the daemon: one cycle per team at start, then every interval (with jitter; "
                         "sooner after a failure). "
                         "SIGHUP reloads config and desired state (an invalid one keeps the last good "
                         "state); SIGTERM stops cleanly. "
                         "Serves /healthz, /readyz, /metrics, /status and POST /trigger on the admin "
                         "address. Exit 0 after a clean stop, "
                         "78 for an invalid configuration at start-up, 1 for other start-up failures.");
  (void)sub;
  return [&global, &app]() {
    const bool level_given = app.get_option("--log-level")->count() > 0;
    return run_daemon(global, level_given);
  };
}

Runner add_trigger(CLI::App& app, GlobalOptions& global) {
  auto* sub = app.add_subcommand(
      "trigger", "Ask a running daemon for an immediate cycle of every team, or of --team T.");
  (void)sub;
  return [&global]() { return trigger(global); };
}

}  // namespace cli
