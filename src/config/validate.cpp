#include "config/validate.hpp"

#include <filesystem>
#include <system_error>

#include "config/daemon_config.hpp"
#include "config/desired_state.hpp"
#include "config/yaml_reader.hpp"
#include "util/files.hpp"

namespace config {

namespace {

namespace fs = std::filesystem;

// True when the file looks like a daemon config: a mapping with a top-level `teams` key.
bool is_daemon_config(const std::string& path) {
  auto text = util::read_file(path);
  if (!text) return false;
  Diagnostics ignored;
  auto root = yaml::parse_text(*text, path, ignored);
  return root && root->IsMap() && root->operator[]("teams").IsDefined();
}

void validate_desired(const std::string& path, const std::string& expected_team,
                      const core::SourceLoc& named_at, ValidationReport& report) {
  ++report.desired_states;
  auto state = load_desired_state(path, &report.diagnostics);
  if (!state) return;
  if (!expected_team.empty() && state->team != expected_team) {
    report.diagnostics.duplicate(state->team_loc, named_at,
                                 "desired state names team '" + state->team +
                                     "' but the daemon config uses it for '" + expected_team + "'",
                                 "make team: match the daemon config's team name");
    return;
  }
  report.teams.push_back(state->team);
}

}  // namespace

std::string ValidationReport::summary() const {
  return std::to_string(daemon_configs + desired_states) + " file(s) checked, " +
         std::to_string(diagnostics.error_count()) + " error(s), " +
         std::to_string(diagnostics.warning_count()) + " warning(s)";
}

ValidationReport validate_paths(const std::vector<std::string>& paths, const Environment& env) {
  ValidationReport report;
  for (const auto& path : paths) {
    std::error_code ec;
    if (!fs::exists(path, ec)) {
      report.diagnostics.error(core::SourceLoc{path, 0, 0}, "no such file or directory");
      continue;
    }
    if (fs::is_directory(path, ec) || !is_daemon_config(path)) {
      validate_desired(path, "", {}, report);
      continue;
    }
    ++report.daemon_configs;
    auto cfg = load_daemon_config(path, env, &report.diagnostics);
    if (!cfg) continue;
    for (const auto& team : cfg->teams)
      if (team.enabled && !team.desired_state.empty())
        validate_desired(team.desired_state, team.name, team.loc, report);
  }
  report.diagnostics.sort();
  return report;
}

}  // namespace config
