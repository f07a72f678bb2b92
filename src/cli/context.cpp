#include "cli/context.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "app/database.hpp"
#include "util/log.hpp"

namespace cli {

std::string resolve_config_path(const std::string& flag) {
  if (!flag.empty()) return flag;
  if (const char* env = std::getenv("ASCSYNC_CONFIG"); env && *env) return env;
  if (std::filesystem::exists("/etc/ascsync/ascsync.yaml")) return "/etc/ascsync/ascsync.yaml";
  return "ascsync.yaml";
}

std::optional<config::DaemonConfig> load_config(const GlobalOptions& options) {
  const std::string path = resolve_config_path(options.config_path);
  auto cfg = config::load_daemon_config(path);
  if (!cfg) {
    std::fprintf(stderr, "%s\n", cfg.error().message.c_str());
    if (!std::filesystem::exists(path))
      std::fprintf(stderr,
                   "hint: pass --config FILE or set ASCSYNC_CONFIG (see config/ascsync.example.yaml)\n");
    return std::nullopt;
  }
  return std::move(*cfg);
}

const config::TeamConfig* select_one_team(const config::DaemonConfig& config, const GlobalOptions& options,
                                          const char* what) {
  auto teams = select_teams(config, options);
  if (!teams) return nullptr;
  if (teams->size() != 1) {
    std::fprintf(stderr, "error: %s; %s\n", what,
                 teams->empty() ? "no team is enabled" : "name it with --team");
    return nullptr;
  }
  return teams->front();
}

std::optional<std::vector<const config::TeamConfig*>> select_teams(const config::DaemonConfig& config,
                                                                   const GlobalOptions& options) {
  std::vector<const config::TeamConfig*> out;
  if (options.teams.empty()) {
    for (const auto& t : config.teams)
      if (t.enabled) out.push_back(&t);
    return out;
  }
  for (const auto& name : options.teams) {
    const auto* team = config.find_team(name);
    if (!team) {
      std::string known;
      for (const auto& t : config.teams) known += (known.empty() ? "" : ", ") + t.name;
      std::fprintf(stderr, "error: no team named '%s' in %s (known teams: %s)\n", name.c_str(),
                   config.path.c_str(), known.empty() ? "none" : known.c_str());
      return std::nullopt;
    }
    out.push_back(team);
  }
  return out;
}

std::optional<store::Database> open_database(const config::DaemonConfig& config, bool create) {
  auto db = app::open_command_database(config, create);
  if (!db) {
    std::fprintf(stderr, "error: %s\n", db.error().message.c_str());
    return std::nullopt;
  }
  return std::move(*db);
}

void setup_cli_logging(const GlobalOptions& options) {
  util::LogFormat format = util::LogFormat::text;
  // journal: asked for, or unasked when stderr is systemd's journal stream (not a terminal).
  const bool under_journald =
      options.log_format.empty() && std::getenv("JOURNAL_STREAM") && !::isatty(STDERR_FILENO);
  if (options.log_format == "json")
    format = util::LogFormat::json;
  else if (options.log_format == "journal" || under_journald)
    format = util::LogFormat::journal;
  util::setup_logging(options.log_level, format);
}

}  // namespace cli
