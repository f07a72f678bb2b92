#pragma once
// The simulator's team state: every resource kind in an ordered map by id, plus the indexes the
// routes need (email -> id, group <-> tester membership, external testers per app). The State
// keeps the indexes consistent; business rules (what Apple refuses) live in the routes.
// Not thread-safe: the server holds one mutex around every use.
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "util/clock.hpp"

namespace sim {

struct AppRec {
  std::string id;
  std::string bundle_id;
  std::string name;
  std::string sku;
  std::string primary_locale = "en-US";
};

struct UserRec {
  std::string id;
  std::string username;
  std::string first_name;
  std::string last_name;
  std::vector<std::string> roles;
  bool all_apps_visible = false;
  bool provisioning_allowed = false;
  std::set<std::string> visible_apps;
};

struct InvitationRec {
  std::string id;
  std::string email;
  std::string first_name;
  std::string last_name;
  std::vector<std::string> roles;
  bool all_apps_visible = false;
  bool provisioning_allowed = false;
  util::TimePoint expiration_date;
  std::set<std::string> visible_apps;
};

struct GroupRec {
  std::string id;
  std::string app_id;
  std::string name;
  util::TimePoint created_date;
  bool is_internal = false;
  bool has_access_to_all_builds = false;
  bool public_link_enabled = false;
  bool public_link_limit_enabled = false;
  bool has_public_link_limit = false;
  int public_link_limit = 0;
  std::string public_link_id;
  bool feedback_enabled = false;
  bool ios_builds_available_for_apple_silicon_mac = false;
  bool ios_builds_available_for_apple_vision = false;
  std::set<std::string> testers;  // index, kept in step with TesterRec::groups
};

struct TesterRec {
  std::string id;
  std::string email;
  std::string first_name;
  std::string last_name;
  std::string invite_type = "EMAIL";
  std::string state = "NOT_INVITED";
  std::set<std::string> groups;
};

struct CertificateRec {
  std::string id;
  std::string name;
  std::string certificate_type;
  std::string display_name;
  std::string serial_number;
  std::string platform;  // empty = absent
  util::TimePoint expiration_date;
  std::string content_base64;  // DER, base64
  bool activated = true;
};

struct ProfileRec {
  std::string id;
  std::string name;
  std::string platform;
  std::string profile_type;
  std::string profile_state = "ACTIVE";
  std::string profile_content;
  std::string uuid;
  util::TimePoint created_date;
  util::TimePoint expiration_date;
  std::string bundle_id_id;
  std::set<std::string> certificates;
  std::set<std::string> devices;
};

struct BundleIdRec {
  std::string id;
  std::string name;
  std::string platform;
  std::string identifier;
  std::string seed_id;
};

struct DeviceRec {
  std::string id;
  std::string name;
  std::string platform;
  std::string udid;
  std::string device_class = "IPHONE";
  std::string status = "ENABLED";
  std::string model;
  util::TimePoint added_date;
};

class State {
 public:
  explicit State(uint64_t seed = 1);

  std::map<std::string, AppRec> apps;
  std::map<std::string, UserRec> users;
  std::map<std::string, InvitationRec> invitations;
  std::map<std::string, GroupRec> groups;
  std::map<std::string, TesterRec> testers;
  std::map<std::string, CertificateRec> certificates;
  std::map<std::string, ProfileRec> profiles;
  std::map<std::string, BundleIdRec> bundle_ids;
  std::map<std::string, DeviceRec> devices;

  // Certificate slots per CertificateType that differ from the simulator's --cert-slots default
  // (state member "certificateSlotLimits": {"IOS_DISTRIBUTION": 2, ...}; each value >= 0).
  std::map<std::string, int> certificate_slot_limits;

  // Indexes by core::email_key (lower-cased email) -> id.
  std::map<std::string, std::string> user_by_email;
  std::map<std::string, std::string> invitation_by_email;
  std::map<std::string, std::string> tester_by_email;

  // Fresh ids in Apple's shapes; deterministic for the seed.
  std::string new_numeric_id();  // apps: "1234567890"
  std::string new_uuid();        // users, invitations, groups, testers
  std::string new_short_id();    // certificates, profiles, bundle ids, devices: "A1B2C3D4E5"

  // Insert/erase keeping the email indexes and membership in step.
  void put_user(UserRec user);
  void erase_user(const std::string& id);
  void put_invitation(InvitationRec invitation);
  void erase_invitation(const std::string& id);
  void put_tester(TesterRec tester);  // tester.groups must name existing groups
  void erase_tester(const std::string& id);
  void put_group(GroupRec group);  // group.testers is ignored; use add_membership
  void erase_group(const std::string& id);

  // Returns false when the tester already was / was not a member.
  bool add_membership(const std::string& group_id, const std::string& tester_id);
  bool remove_membership(const std::string& group_id, const std::string& tester_id);

  // Apps a tester can test (the apps of its groups), sorted.
  std::vector<std::string> tester_apps(const TesterRec& tester) const;
  // Distinct testers in the external groups of an app.
  size_t external_tester_count(const std::string& app_id) const;
  bool is_external_tester_of(const std::string& app_id, const std::string& tester_id) const;

  // Testers in any group of the app: tester id -> number of the app's groups holding it.
  const std::map<std::string, int>& app_testers(const std::string& app_id) const;

  // Ids of the groups of an app, sorted.
  std::vector<std::string> app_groups(const std::string& app_id) const;

  void clear();
  // The whole state as JSON (the --fixture / dump format) and back. load() replaces everything;
  // it returns an error text, or empty on success.
  nlohmann::json dump() const;
  std::string load(const nlohmann::json& doc);

 private:
  // True when the tester is in an external group of the app other than `except_group`.
  bool in_external_group(const TesterRec& tester, const std::string& app_id,
                         const std::string& except_group) const;

  std::mt19937_64 m_rng;
  // app id -> number of testers in at least one of the app's external groups. A count, not a
  // per-tester index: the tester's own few groups answer is_external_tester_of().
  std::map<std::string, size_t> m_external_count;
  // app id -> tester id -> number of the app's groups (internal or external) the tester is in.
  std::map<std::string, std::map<std::string, int>> m_app_testers;
};

}  // namespace sim
