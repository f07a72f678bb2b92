#pragma once
// What `ascsync validate PATH...` checks: each path is a daemon config (a YAML file with
// top-level `teams:`, or with daemon-config keys such as `admin:` and no desired-state key — then
// the missing `teams:` is the error), a desired-state file, or a desired-state directory. Each
// file is read and parsed once. A daemon config
// also validates the desired state of every team it declares and that each names its team.
#include <string>
#include <vector>

#include "config/diagnostics.hpp"
#include "config/paths.hpp"

namespace config {

struct ValidationReport {
  Diagnostics diagnostics;         // sorted by place
  int daemon_configs = 0;          // daemon configs read (valid or not)
  int desired_states = 0;          // desired states read, including those of a daemon config's teams
  std::vector<std::string> teams;  // team names of valid desired states, in order

  bool ok() const { return !diagnostics.has_errors(); }
  // "N file(s) checked, E error(s), W warning(s)", for the CLI's last line.
  std::string summary() const;
};

ValidationReport validate_paths(const std::vector<std::string>& paths,
                                const Environment& env = Environment::from_process());

// `ascsync validate` without paths: path is the daemon config, whatever it contains.
ValidationReport validate_config(const std::string& path,
                                 const Environment& env = Environment::from_process());

}  // namespace config
