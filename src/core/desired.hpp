#pragma once
// The desired state of one team, as admins declare it in YAML (validated by the config layer).
// Every declared object carries the place it was declared, for errors and plan reasons.
#include <optional>
#include <string>
#include <vector>

namespace core {

struct SourceLoc {
  std::string file;
  int line = 0;             // 1-based; 0 when unknown
  int column = 0;           // 1-based
  std::string str() const;  // "file:line:col"
};

struct DesiredApp {
  std::string bundle_id;
  SourceLoc loc;
};

struct DesiredUser {
  std::string email;
  std::string first_name;
  std::string last_name;
  std::vector<std::string> roles;  // sorted, Apple's UserRole values
  bool all_apps_visible = false;
  std::vector<std::string> visible_bundle_ids;  // sorted; ignored when all_apps_visible
  bool provisioning_allowed = false;
  SourceLoc loc;
};

struct DesiredTester {
  std::string email;
  std::string first_name;
  std::string last_name;
  SourceLoc loc;
};

struct DesiredGroup {
  std::string bundle_id;  // the app it belongs to
  std::string name;
  bool is_internal = false;
  bool has_access_to_all_builds = false;
  bool public_link_enabled = false;
  std::optional<int> public_link_limit;  // set = limit enabled, 1..10,000
  bool feedback_enabled = true;
  std::vector<std::string> member_emails;  // lower-cased, sorted, unique
  SourceLoc loc;
};

// Kinds of object that prune (deletion) can be enabled for.
struct PrunePolicy {
  bool users = false;
  bool invitations = false;
  bool testers = false;
  bool group_memberships = false;
  bool groups = false;
};

struct Policy {
  PrunePolicy prune;
  int max_deletions = 10;                     // per run; a plan over the cap applies nothing
  std::vector<std::string> protected_emails;  // lower-cased; never modified or removed
  bool adopt_existing = true;                 // objects matching a declaration become managed
};

struct DesiredState {
  std::string team;
  SourceLoc team_loc;
  std::vector<std::string> bundle_ids;  // apps declared (sorted)
  std::vector<DesiredApp> apps;         // the same apps with where they were declared (sorted)
  std::vector<DesiredUser> users;       // sorted by email key
  std::vector<DesiredTester> testers;   // sorted by email key
  std::vector<DesiredGroup> groups;     // sorted by (bundle_id, name)
  Policy policy;
  bool manage_users = false;              // false when the YAML has no users section at all
  bool manage_testflight = false;         // false when the YAML has no apps/testers section at all
  std::vector<std::string> source_files;  // every YAML and CSV file read, in load order
};

}  // namespace core
