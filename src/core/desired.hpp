#pragma once
// The desired state of one team, as admins declare it in YAML (validated by the config layer).
// Every declared object carries the place it was declared, for errors and plan reasons.
//
// Field ownership (invariant 9): an optional attribute that is std::nullopt was not written in
// the YAML and is not managed. The planner never compares or changes it on an existing object;
// only when ascsync creates the object does it send the creation default below.
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

// What ascsync sends for an attribute the YAML leaves out, when (and only when) it creates the
// object: an invitation, a beta group.
namespace creation_default {
inline constexpr bool all_apps_visible = false;
inline constexpr bool provisioning_allowed = false;  // visible apps: none
inline constexpr bool group_internal = false;
inline constexpr bool access_to_all_builds = false;
inline constexpr bool public_link_enabled = false;  // public link limit: none
inline constexpr bool feedback_enabled = true;
}  // namespace creation_default

struct DesiredUser {
  std::string email;
  std::string first_name;          // required
  std::string last_name;           // required
  std::vector<std::string> roles;  // required; sorted, Apple's UserRole values
  std::optional<bool> all_apps_visible;
  // Sorted bundle ids. Declaring them implies all_apps_visible: false (a list of apps means
  // "these apps only"); ignored when all_apps_visible is true.
  std::optional<std::vector<std::string>> visible_bundle_ids;
  std::optional<bool> provisioning_allowed;
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
  std::optional<bool> is_internal;               // fixed when Apple creates the group
  std::optional<bool> has_access_to_all_builds;  // internal groups only; fixed at creation
  // The public link: unset when the YAML has no public_link (not managed at all).
  std::optional<bool> public_link_enabled;
  // The limit is managed when either is set: a number enables it (1..10,000);
  // public_link_limit_enabled == false alone means "no cap".
  std::optional<int> public_link_limit;
  std::optional<bool> public_link_limit_enabled;
  std::optional<bool> feedback_enabled;
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
