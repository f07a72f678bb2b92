#pragma once
// Domain types: what App Store Connect holds for one team, as the mirror stores it.
// Plain values, no I/O. Ids are Apple's opaque resource ids. Emails are kept as Apple
// returns them; compare them with core::email_key().
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace core {

// Apple's UserRole enum, exact spelling.
extern const std::vector<std::string> k_user_roles;
// Apple's CertificateType enum, exact spelling.
extern const std::vector<std::string> k_certificate_types;
bool is_user_role(const std::string& role);
bool is_certificate_type(const std::string& type);

// Emails compare case-insensitively (Apple does); this is the key to compare by.
std::string email_key(const std::string& email);

struct App {
  std::string id;
  std::string bundle_id;
  std::string name;
  std::string sku;
  bool operator==(const App&) const = default;
};

struct User {
  std::string id;
  std::string username;  // the Apple ID email
  std::string first_name;
  std::string last_name;
  std::vector<std::string> roles;  // sorted
  bool all_apps_visible = false;
  bool provisioning_allowed = false;
  std::vector<std::string> visible_app_ids;  // sorted
  bool operator==(const User&) const = default;
};

struct Invitation {
  std::string id;
  std::string email;
  std::string first_name;
  std::string last_name;
  std::vector<std::string> roles;  // sorted
  bool all_apps_visible = false;
  bool provisioning_allowed = false;
  std::string expiration_date;               // RFC 3339 as Apple sent it, may be empty
  std::vector<std::string> visible_app_ids;  // sorted
  bool operator==(const Invitation&) const = default;
};

struct BetaGroup {
  std::string id;
  std::string app_id;
  std::string name;
  std::string created_date;
  bool is_internal = false;
  bool has_access_to_all_builds = false;
  bool public_link_enabled = false;
  bool public_link_limit_enabled = false;
  std::optional<int> public_link_limit;
  std::string public_link;
  bool feedback_enabled = false;
  bool operator==(const BetaGroup&) const = default;
};

struct BetaTester {
  std::string id;
  std::string email;
  std::string first_name;
  std::string last_name;
  std::string invite_type;             // EMAIL | PUBLIC_LINK
  std::string state;                   // NOT_INVITED | INVITED | ACCEPTED | INSTALLED | REVOKED
  std::vector<std::string> group_ids;  // sorted; memberships
  bool operator==(const BetaTester&) const = default;
};

struct Certificate {
  std::string id;
  std::string name;
  std::string certificate_type;
  std::string display_name;
  std::string serial_number;
  std::string platform;
  std::string expiration_date;  // RFC 3339
  bool activated = false;
  bool operator==(const Certificate&) const = default;
};

struct Profile {
  std::string id;
  std::string name;
  std::string platform;
  std::string profile_type;
  std::string profile_state;  // ACTIVE | INVALID
  std::string uuid;
  std::string created_date;
  std::string expiration_date;
  std::string bundle_id_id;
  std::vector<std::string> certificate_ids;  // sorted
  bool operator==(const Profile&) const = default;
};

// Everything the mirror knows of one team at one moment. Each vector is sorted by id.
struct Snapshot {
  std::vector<App> apps;
  std::vector<User> users;
  std::vector<Invitation> invitations;
  std::vector<BetaGroup> groups;
  std::vector<BetaTester> testers;
  std::vector<Certificate> certificates;
  std::vector<Profile> profiles;

  // Sorts every collection (and the id lists inside) so equal states compare equal.
  void normalize();
  size_t membership_count() const;
  bool operator==(const Snapshot&) const = default;
};

}  // namespace core
