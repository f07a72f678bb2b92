#include "config/validate.hpp"

#include <algorithm>
#include <filesystem>
#include <optional>
#include <system_error>

#include "config/daemon_config.hpp"
#include "config/desired_state.hpp"
#include "config/yaml_reader.hpp"
#include "util/files.hpp"

namespace config {

namespace {

namespace fs = std::filesystem;

bool has_any_key(const yaml::Node& root, const std::vector<std::string>& keys) {
  for (size_t i = 0; i < root.size(); ++i) {
    const yaml::Node key = root.entry(i).key;
    if (key.is_scalar() && std::find(keys.begin(), keys.end(), key.scalar()) != keys.end()) return true;
  }
  return false;
}

// A daemon config has `teams:`, or daemon-config keys and no desired-state key (then the missing
// `teams:` is what to report, not every daemon key as unknown to a desired state).
bool is_daemon_config(const yaml::Node& root) {
  if (!root.is_map()) return false;
  if (has_any_key(root, {"teams"})) return true;
  return has_any_key(root, k_daemon_config_keys) && !has_any_key(root, desired_state_keys().top);
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

namespace {

void validate_daemon(const yaml::Node& root, const std::string& path, const Environment& env,
                     ValidationReport& report) {
  ++report.daemon_configs;
  auto cfg = daemon_config_from_yaml(root, path, env, &report.diagnostics);
  if (!cfg) return;
  for (const auto& team : cfg->teams)
    if (team.enabled && !team.desired_state.empty())
      validate_desired(team.desired_state, team.name, team.loc, report);
}

// Reads and parses one file; std::nullopt after reporting why it cannot be read or parsed.
std::optional<yaml::Document> read_yaml(const std::string& path, ValidationReport& report) {
  auto text = util::read_file(path);
  if (!text) {
    report.diagnostics.error(core::SourceLoc{path, 0, 0}, text.error().message,
                             "give a regular file of at most 16 MiB, readable by this user");
    return std::nullopt;
  }
  return yaml::parse_text(*text, path, report.diagnostics);
}

}  // namespace

ValidationReport validate_paths(const std::vector<std::string>& paths, const Environment& env) {
  ValidationReport report;
  for (const auto& path : paths) {
    std::error_code ec;
    if (!fs::exists(path, ec)) {
      report.diagnostics.error(core::SourceLoc{path, 0, 0}, "no such file or directory");
      continue;
    }
    if (fs::is_directory(path, ec)) {
      validate_desired(path, "", {}, report);
      continue;
    }
    // One read and one parse per file, whichever kind it turns out to be.
    auto root = read_yaml(path, report);
    if (!root) {
      ++report.desired_states;  // counted as checked; its errors are reported
      continue;
    }
    if (is_daemon_config(root->root())) {
      validate_daemon(root->root(), path, env, report);
      continue;
    }
    ++report.desired_states;
    if (auto state = desired_state_from_yaml(root->root(), path, &report.diagnostics))
      report.teams.push_back(state->team);
  }
  report.diagnostics.sort();
  return report;
}

ValidationReport validate_config(const std::string& path, const Environment& env) {
  ValidationReport report;
  ++report.daemon_configs;
  Diagnostics& diags = report.diagnostics;
  auto cfg = load_daemon_config(path, env, &diags);
  if (cfg) {
    for (const auto& team : cfg->teams)
      if (team.enabled && !team.desired_state.empty())
        validate_desired(team.desired_state, team.name, team.loc, report);
  }
  report.diagnostics.sort();
  return report;
}

}  // namespace config
