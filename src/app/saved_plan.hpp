#pragma once
// Saved plans (`ascsync plan --out FILE`, `ascsync apply FILE`): the plan of each team together
// with what it was made from — a fingerprint of the team's mirror (store/snapshot_fingerprint.hpp)
// and a digest of its desired-state files — so that apply can refuse when either moved on.
// The file holds no secrets: plans, file paths and SHA-256 digests. docs/saved-plans.md.
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/plan.hpp"
#include "store/snapshot_fingerprint.hpp"
#include "util/clock.hpp"
#include "util/result.hpp"

namespace app {

inline constexpr const char* k_saved_plan_format = "ascsync-saved-plan";
inline constexpr int k_saved_plan_version = 1;

// The desired state's files (DesiredState::source_files: every YAML and CSV file read), each
// with the SHA-256 of its content.
struct DesiredDigest {
  std::map<std::string, std::string> files;  // path -> SHA-256 hex
  std::string digest() const;                // over every file's path and hash
  bool operator==(const DesiredDigest&) const = default;
};

// Reads and hashes `files`. An unreadable file is an error naming it.
util::Result<DesiredDigest> desired_digest(const std::vector<std::string>& files);
// What changed between two digests, one line per file ("changed: PATH", "added: PATH",
// "removed: PATH"); empty when nothing did.
std::vector<std::string> desired_changes(const DesiredDigest& saved, const DesiredDigest& now);

struct SavedTeamPlan {
  std::string team;
  std::string desired_state;  // the team's desired_state path when planned (for messages)
  store::SnapshotFingerprint mirror;
  DesiredDigest desired;
  core::Plan plan;
};

struct SavedPlan {
  util::TimePoint created_at;
  std::string config_path;
  std::vector<SavedTeamPlan> teams;

  const SavedTeamPlan* find_team(const std::string& name) const;
};

nlohmann::json saved_plan_to_json(const SavedPlan& saved);
// A client error naming `where` and the first bad field, or a newer format.
util::Result<SavedPlan> saved_plan_from_json(const nlohmann::json& j, const std::string& where);

// Written atomically (temporary file + rename), mode 0644.
util::Status write_saved_plan(const std::string& path, const SavedPlan& saved);
util::Result<SavedPlan> read_saved_plan(const std::string& path);

// Checks that the desired state's files are the ones the team's plan was made from. The error
// (client) says which files changed.
util::Status check_desired_unchanged(const SavedTeamPlan& saved,
                                     const std::vector<std::string>& source_files);

}  // namespace app
