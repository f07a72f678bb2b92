#pragma once
// What every command needs: the daemon config, the selected teams and the database.
#include <optional>
#include <string>
#include <vector>

#include "config/daemon_config.hpp"
#include "store/database.hpp"

namespace cli {

struct GlobalOptions {
  std::string config_path;  // --config; empty = default search
  std::string log_level = "warn";
  std::string log_format;          // empty = text on a TTY, journal under systemd
  std::vector<std::string> teams;  // --team, repeatable; empty = all enabled teams
};

// --config, else $ASCSYNC_CONFIG, else /etc/ascsync/ascsync.yaml when it exists, else ./ascsync.yaml.
std::string resolve_config_path(const std::string& flag);

// Loads the daemon config; prints every diagnostic to stderr on failure.
std::optional<config::DaemonConfig> load_config(const GlobalOptions& options);

// The teams the command acts on: --team names (each must exist), else every enabled team.
// Prints an error naming the known teams and returns std::nullopt on an unknown name.
std::optional<std::vector<const config::TeamConfig*>> select_teams(const config::DaemonConfig& config,
                                                                   const GlobalOptions& options);

// The one team a single-team command works on (`what` names the command's work in the error:
// "export writes one team"); nullptr after printing why there is none or more than one.
const config::TeamConfig* select_one_team(const config::DaemonConfig& config, const GlobalOptions& options,
                                          const char* what);

// Opens (creating and migrating) the config's database; prints the error on failure.
std::optional<store::Database> open_database(const config::DaemonConfig& config, bool create = true);

// Sets up logging for a one-shot command.
void setup_cli_logging(const GlobalOptions& options);

}  // namespace cli
