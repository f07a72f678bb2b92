#pragma once
// Typed payloads: everything the executor and crash recovery need from a change, one struct per
// kind; core::Payload holds one of them, in core::ChangeKind order. Each kind's handler
// (src/kinds/<kind>/) writes its payload as JSON and reads it back strictly: a member the action
// needs that is missing or of the wrong type is an error naming it, never a default.
// docs/planning.md#payloads lists the members per kind and action. A blocked change carries an
// empty payload of its kind (JSON null).
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace core {

// user update: the PATCH; visible_app_ids only when not every app is visible.
struct UserAccess {
  std::vector<std::string> roles;
  bool all_apps_visible = false;
  bool provisioning_allowed = false;
  std::optional<std::vector<std::string>> visible_app_ids;
  bool operator==(const UserAccess&) const = default;
};

struct UserPayload {
  std::string user_id;
  std::string email;
  std::optional<UserAccess> access;  // update only
  bool operator==(const UserPayload&) const = default;
};

// invitation create/replace: the POST.
struct InvitationTerms {
  std::string first_name;
  std::string last_name;
  std::vector<std::string> roles;
  bool all_apps_visible = false;
  bool provisioning_allowed = false;
  std::vector<std::string> visible_app_ids;
  bool operator==(const InvitationTerms&) const = default;
};

struct InvitationPayload {
  std::string invitation_id;  // replace, delete, adopt: the existing invitation
  std::string email;
  std::optional<InvitationTerms> terms;  // create, replace
  bool operator==(const InvitationPayload&) const = default;
};

// Group attributes as Apple names them; each is sent only when set.
struct GroupAttributes {
  std::optional<bool> is_internal;
  std::optional<bool> has_access_to_all_builds;
  std::optional<bool> public_link_enabled;
  std::optional<bool> public_link_limit_enabled;
  std::optional<int> public_link_limit;
  std::optional<bool> feedback_enabled;
  bool operator==(const GroupAttributes&) const = default;
};

struct GroupPayload {
  std::string group_id;        // replace (the old one), update, delete, adopt
  std::string app_id;          // create, replace, delete
  std::string bundle_id;       // create, replace, delete (for people reading the plan)
  std::string name;            // create, replace, delete
  GroupAttributes attributes;  // create, replace: every creation attribute; update: the changed ones
  bool operator==(const GroupPayload&) const = default;
};

// A group a tester or membership change refers to: its id, or none when this plan creates it
// (the executor resolves the key to the id it created).
struct GroupRef {
  std::string key;
  std::optional<std::string> id;
  bool operator==(const GroupRef&) const = default;
};

struct TesterPayload {
  std::string tester_id;  // delete, adopt
  std::string email;
  std::string first_name;        // create
  std::string last_name;         // create
  std::vector<GroupRef> groups;  // create
  bool operator==(const TesterPayload&) const = default;
};

struct MemberRef {
  std::string id;
  std::string email;
  bool operator==(const MemberRef&) const = default;
};

struct MembershipPayload {
  GroupRef group;                           // group_key and group_id
  std::string app_id;                       // for people reading the plan
  std::string bundle_id;                    // for people reading the plan
  std::string group_name;                   // for people reading the plan
  std::vector<MemberRef> testers;           // add_members, remove_members
  std::vector<std::string> adopted_emails;  // adopt
  bool operator==(const MembershipPayload&) const = default;
};

// One alternative per core::ChangeKind, in its order (src/kinds/table.hpp checks it).
using Payload = std::variant<UserPayload, InvitationPayload, GroupPayload, TesterPayload, MembershipPayload>;

}  // namespace core
