#pragma once
// `ascsync export`: the desired state that describes what App Store Connect holds for a team,
// written to a directory (config/export.hpp makes the files), so an admin adopting ascsync starts
// from the team as it is.
#include <filesystem>
#include <string>
#include <vector>

#include "config/daemon_config.hpp"
#include "config/export.hpp"
#include "util/result.hpp"

namespace app {

struct ExportRequest {
  std::filesystem::path dir;  // new, empty, or an earlier export (its files are replaced)
  config::ExportKinds kinds;
  bool refresh = true;  // false: export the mirror as it is, without asking App Store Connect
};

// Checks the directory (before anything else), refreshes the team's mirror unless told not to,
// and writes the files. Returns the names of the files written. An error's message is the whole
// line to show after "error: " (team, step and cause); nothing is written when the directory is
// in the way, the refresh fails or the team has no mirrored snapshot.
util::Result<std::vector<std::string>> export_team(const config::DaemonConfig& config,
                                                   const config::TeamConfig& team,
                                                   const ExportRequest& request);

}  // namespace app
