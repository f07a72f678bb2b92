#pragma once
// `ascsync export`: the desired state that describes what a mirrored snapshot holds, as the
// files an admin commits to git. The inverse of the desired-state loader: loading the files
// back and planning against the same snapshot plans nothing (adoption aside), and exporting
// the same snapshot twice gives the same bytes (everything sorted by natural key).
#include <string>
#include <vector>

#include "core/model.hpp"

namespace config {

// What to export; each kind left out is left out of the files (and so not managed).
struct ExportKinds {
  bool users = true;         // team users, under users:
  bool invitations = true;   // pending invitations, under users: (an invited user is a declared user)
  bool groups = true;        // beta groups of each app, with internal members
  bool testers = true;       // beta testers, as fastlane pilot CSV imports
  bool certificates = true;  // listed commented out: certificates are not declarable yet
  bool profiles = true;      // likewise
};

// Parses "users,groups,..." (the --kinds value). Returns an error text naming the unknown
// kind, or empty on success.
std::string parse_export_kinds(const std::string& list, ExportKinds& kinds);

struct ExportFile {
  std::string name;     // file name inside the export directory
  std::string content;  // the whole file
};

// The files, in a fixed order: team.yaml (team, policy with every prune switch off, ungrouped
// testers), users.yaml, app.<bundle id>.yaml per app with groups (with testers.<bundle id>.csv),
// testers.csv, certificates.yaml. `now` decides which invitations have expired (those are
// listed commented out: declaring them would plan a new invitation).
std::vector<ExportFile> export_desired_state(const core::Snapshot& snapshot, const std::string& team,
                                             const ExportKinds& kinds, const std::string& now_rfc3339);

// The first line of every file written by export_desired_state(); `ascsync export` replaces
// only files that start with it.
inline constexpr const char* k_export_marker = "# Written by `ascsync export`";

}  // namespace config
