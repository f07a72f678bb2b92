#pragma once
// The desired state of one team, as admins declare it in YAML (validated by the config layer).
// Every declared object carries the place it was declared, for errors and plan reasons.
//
// Field ownership (invariant 9): an optional attribute that is std::nullopt was not written in
// the YAML and is not managed. The planner never compares or changes it on an existing object;
// only when ascsync creates the object does it send the creation default below.
#include <chrono>
#include <map>
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
  // Certificate slots per Apple CertificateType, as declared (1..100); a type not listed has
  // k_default_certificate_slots. Read it through certificate_slot_limit().
  std::map<std::string, int> certificate_slots;
  int certificate_slot_limit(const std::string& certificate_type) const;
};

// ---- Signing: certificates and provisioning profiles (docs/desired-state.md, "Certificates and
// profiles"). Certificate and profile types are Apple's enum spellings, as the mirror keeps them.

// Slots per certificate type when policy.certificate_slots does not name the type.
inline constexpr int k_default_certificate_slots = 3;

// Apple's ProfileType enum (App Store Connect API 4.x), exact spelling.
extern const std::vector<std::string> k_profile_types;
bool is_profile_type(const std::string& type);
// True for development and ad hoc profile types: the only ones that carry devices.
bool profile_takes_devices(const std::string& profile_type);
// The certificate types a profile of this type may be made from (the table in
// docs/desired-state.md); empty for an unknown profile type.
const std::vector<std::string>& certificate_types_for_profile(const std::string& profile_type);
bool certificate_fits_profile(const std::string& certificate_type, const std::string& profile_type);

// When to renew: a fixed time before expiry, or a share of the certificate's lifetime.
struct RenewBefore {
  std::chrono::seconds duration{30LL * 24 * 3600};  // used when percent == 0; > 0
  int percent = 0;  // 1..99: renew when this share of the lifetime remains; 0: use duration
  // The time before expiry at which a certificate valid for `lifetime` is due. Like
  // cert-manager's RenewalTime: a duration that is not shorter than the lifetime (a 364d
  // renew_before on a short-lived certificate) falls back to a third of the lifetime, so a
  // certificate just made is never due at once.
  std::chrono::seconds before_expiry(std::chrono::seconds lifetime) const;
  bool operator==(const RenewBefore&) const = default;
};

// What happens to a declared certificate's predecessor once its replacement exists. Only a
// certificate ascsync owns (made, holds the key) is ever revoked.
struct RevokeReplaced {
  enum class Mode { never, immediately, after };
  Mode mode = Mode::never;
  std::chrono::seconds after{0};  // > 0 when mode == after
  bool operator==(const RevokeReplaced&) const = default;
};

// Where the signing identity (key + certificate) is written for CI.
struct DesiredExport {
  std::string p12;  // absolute path of the PKCS#12 file
  // The p12 password's source. Written with a '/' it is a file (absolute path); a bare name
  // ([A-Za-z0-9._-]) is a systemd credential, read from $CREDENTIALS_DIRECTORY/<name>.
  enum class PasswordSource { file, credential };
  std::string password_file;
  PasswordSource password_source = PasswordSource::file;
  SourceLoc loc;  // the export mapping
};

struct DesiredCertificate {
  std::string name;  // ascsync's stable name for the slot, kept across renewals; [A-Za-z0-9._-]
  std::string type;  // Apple CertificateType (core::is_certificate_type)
  RenewBefore renew_before;
  RevokeReplaced revoke_replaced;
  // An existing certificate to watch and later replace, as written: Apple's resource id or the
  // certificate's serial number. The planner matches either (serials case-insensitively).
  std::optional<std::string> adopt;
  std::optional<DesiredExport> export_to;  // `export:` (a C++ keyword)
  SourceLoc loc;
};

// The devices of a development or ad hoc profile.
struct DesiredDevices {
  bool all = true;                 // every enabled device of the profile's platform (default)
  std::vector<std::string> names;  // when !all: UDIDs or device names as written; sorted, unique
  bool operator==(const DesiredDevices&) const = default;
};

struct DesiredProfile {
  std::string name;       // Apple's profile name; the key
  std::string type;       // Apple ProfileType (core::is_profile_type)
  std::string bundle_id;  // the bundle id's identifier (com.acme.shop), not Apple's resource id
  std::vector<std::string> certificates;  // names of declared certificates; sorted, unique, >= 1
  // Development and ad hoc types only (profile_takes_devices); defaults to all devices there.
  // std::nullopt for every other type.
  std::optional<DesiredDevices> devices;
  SourceLoc loc;
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
  bool manage_users = false;                     // false when the YAML has no users section at all
  bool manage_testflight = false;                // false when the YAML has no apps/testers section at all
  std::vector<std::string> source_files;         // every YAML and CSV file read, in load order
  std::vector<DesiredCertificate> certificates;  // sorted by name
  std::vector<DesiredProfile> profiles;          // sorted by name
  bool manage_signing = false;  // false when the YAML has neither a certificates nor a profiles section
};

}  // namespace core
