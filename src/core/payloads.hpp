#pragma once
// Typed payloads: what the executor and crash recovery read from a change, one struct per kind.
// decode_*() (core/payload_json.hpp) builds them from a change's JSON payload, strictly: a
// member the action needs that is missing or of the wrong type is an error naming it, never a
// default. docs/planning.md#payloads lists the members per kind and action.
#include <optional>
#include <string>
#include <vector>

namespace core {

// user update: the PATCH; visible_app_ids only when not every app is visible.
struct UserAccess {
  std::vector<std::string> roles;
  bool all_apps_visible = false;
  bool provisioning_allowed = false;
  std::optional<std::vector<std::string>> visible_app_ids;
};

struct UserPayload {
  std::string user_id;
  std::string email;
  std::optional<UserAccess> access;  // update only
};

// invitation create/replace: the POST.
struct InvitationTerms {
  std::string first_name;
  std::string last_name;
  std::vector<std::string> roles;
  bool all_apps_visible = false;
  bool provisioning_allowed = false;
  std::vector<std::string> visible_app_ids;
};

struct InvitationPayload {
  std::string invitation_id;  // replace, delete, adopt: the existing invitation
  std::string email;
  std::optional<InvitationTerms> terms;  // create, replace
};

// Group attributes as Apple names them; each is sent only when set.
struct GroupAttributes {
  std::optional<bool> is_internal;
  std::optional<bool> has_access_to_all_builds;
  std::optional<bool> public_link_enabled;
  std::optional<bool> public_link_limit_enabled;
  std::optional<int> public_link_limit;
  std::optional<bool> feedback_enabled;
};

struct GroupPayload {
  std::string group_id;  // replace (the old one), update, delete, adopt
  std::string app_id;    // create, replace, delete
  std::string name;      // create, replace, delete
  GroupAttributes attributes;
};

// A group a tester or membership change refers to: its id, or none when this plan creates it
// (the executor resolves the key to the id it created).
struct GroupRef {
  std::string key;
  std::optional<std::string> id;
};

struct TesterPayload {
  std::string tester_id;  // delete, adopt
  std::string email;
  std::string first_name;        // create
  std::string last_name;         // create
  std::vector<GroupRef> groups;  // create
};

struct MemberRef {
  std::string id;
  std::string email;
};

struct MembershipPayload {
  GroupRef group;                  // group_key and group_id
  std::vector<MemberRef> testers;  // add_members, remove_members
};

}  // namespace core
