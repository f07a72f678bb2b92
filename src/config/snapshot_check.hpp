#pragma once
// Checks a desired state against what the mirror last saw of the team, without any network:
// things only App Store Connect knows (which apps exist, who is on the team, how many testers
// an app already has).
#include "config/diagnostics.hpp"
#include "core/desired.hpp"
#include "core/model.hpp"

namespace config {

// Reports:
// - apps (and users' visible_apps) whose bundle id is not in snapshot.apps (error);
// - internal-group members who are neither declared users nor existing team users (error), or
//   who only have a pending invitation (warning: they can join once they accept);
// - apps whose external testers would exceed Apple's 10,000: desired members plus existing
//   testers in the app's external groups that ascsync will not remove (prune.group_memberships
//   off) (error).
Diagnostics check_against_snapshot(const core::DesiredState& desired, const core::Snapshot& snapshot);

}  // namespace config
