#pragma once
// The desired state of one team (docs/desired-state.md): YAML in, a validated, normalized
// core::DesiredState out, or every problem at once with file:line:col and a hint.
#include <string>
#include <utility>
#include <vector>

#include "config/diagnostics.hpp"
#include "core/desired.hpp"
#include "util/result.hpp"

namespace config::yaml {
class Node;
}

namespace config {

// The limits Apple enforces that validation checks up front.
inline constexpr int k_max_external_testers_per_app = 10000;
inline constexpr int k_max_public_link_limit = 10000;

// Loads a desired-state file, or a directory whose *.yaml / *.yml files are merged in name
// order (non-recursive). On failure the error message lists every problem, one per line.
// `diagnostics`, when given, receives every diagnostic (warnings too), also on success.
util::Result<core::DesiredState> load_desired_state(const std::string& path,
                                                    Diagnostics* diagnostics = nullptr);

// Same, from documents already in memory: (file name, YAML text) in merge order. CSV imports
// resolve against each file name's directory.
util::Result<core::DesiredState> parse_desired_state(
    const std::vector<std::pair<std::string, std::string>>& documents, Diagnostics* diagnostics = nullptr);

// Same, from one file's YAML document already parsed (validate reads each file once).
util::Result<core::DesiredState> desired_state_from_yaml(const yaml::Node& root, const std::string& file,
                                                         Diagnostics* diagnostics = nullptr);

// The keys each mapping accepts; docs/schema/desired-state.schema.json must match (tested).
struct DesiredStateKeys {
  std::vector<std::string> top;
  std::vector<std::string> policy;
  std::vector<std::string> prune;
  std::vector<std::string> user;
  std::vector<std::string> tester;
  std::vector<std::string> tester_import;
  std::vector<std::string> app;
  std::vector<std::string> group;
  std::vector<std::string> public_link;
  std::vector<std::string> member;
  std::vector<std::string> certificate;
  std::vector<std::string> certificate_export;  // a certificate's `export:`
  std::vector<std::string> profile;
};
const DesiredStateKeys& desired_state_keys();

}  // namespace config
