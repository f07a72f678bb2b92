#include "sim/state_check.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "core/model.hpp"
#include "sim/state.hpp"
#include "util/strings.hpp"

namespace sim {

const std::vector<std::string> k_platforms = {"IOS", "MAC_OS", "UNIVERSAL"};
const std::vector<std::string> k_profile_types = {
    "IOS_APP_DEVELOPMENT",    "IOS_APP_STORE",          "IOS_APP_ADHOC",    "IOS_APP_INHOUSE",
    "MAC_APP_DEVELOPMENT",    "MAC_APP_STORE",          "MAC_APP_DIRECT",   "TVOS_APP_DEVELOPMENT",
    "TVOS_APP_STORE",         "TVOS_APP_ADHOC",         "TVOS_APP_INHOUSE", "MAC_CATALYST_APP_DEVELOPMENT",
    "MAC_CATALYST_APP_STORE", "MAC_CATALYST_APP_DIRECT"};
const std::vector<std::string> k_profile_states = {"ACTIVE", "INVALID"};
const std::vector<std::string> k_invite_types = {"EMAIL", "PUBLIC_LINK"};
const std::vector<std::string> k_tester_states = {"NOT_INVITED", "INVITED", "ACCEPTED", "INSTALLED",
                                                  "REVOKED"};
const std::vector<std::string> k_device_classes = {"APPLE_WATCH", "IPAD",     "IPHONE",
                                                   "IPOD",        "APPLE_TV", "MAC"};
const std::vector<std::string> k_device_statuses = {"ENABLED", "DISABLED"};

namespace {

// Numbers count as one kind: nlohmann reads 5 as unsigned and -5 as integer.
std::string kind(const nlohmann::json& v) {
  const std::string name = json_type_name(v);
  return name == "number" && !v.is_number_float() ? "integer" : name;
}

std::string item_name(const char* collection, size_t index, const nlohmann::json& item) {
  std::string out = std::string(collection) + "[" + std::to_string(index) + "]";
  if (item.is_object())
    if (const auto id = item.find("id"); id != item.end() && id->is_string())
      out += " (id '" + util::escape_control(id->get<std::string>()) + "')";
  return out;
}

[[noreturn]] void fail(const std::string& message) {
  throw StateError(message);
}

void one_of(const std::string& where, const char* member, const std::string& value,
            const std::vector<std::string>& allowed) {
  if (std::find(allowed.begin(), allowed.end(), value) == allowed.end())
    fail(where + " member '" + member + "': '" + util::escape_control(value) + "' is not one of " +
         util::join(allowed, ", "));
}

void unique_email(std::map<std::string, std::string>& seen, const std::string& where,
                  const std::string& email, const std::string& id) {
  if (email.empty()) return;
  auto [it, inserted] = seen.emplace(core::email_key(email), id);
  if (!inserted)
    fail(where + " '" + id + "': email '" + util::escape_control(email) + "' is already used by '" +
         it->second + "' (emails are unique, case-insensitively)");
}

template <typename Map>
void references(const Map& targets, const std::string& where, const char* member, const std::string& id) {
  if (!targets.contains(id))
    fail(where + " member '" + member + "': unknown id '" + util::escape_control(id) + "'");
}

}  // namespace

std::string json_type_name(const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::null:
      return "null";
    case nlohmann::json::value_t::object:
      return "object";
    case nlohmann::json::value_t::array:
      return "array";
    case nlohmann::json::value_t::string:
      return "string";
    case nlohmann::json::value_t::boolean:
      return "boolean";
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
    case nlohmann::json::value_t::number_float:
      return "number";
    case nlohmann::json::value_t::binary:
      return "binary";
    case nlohmann::json::value_t::discarded:
      return "invalid";
  }
  return "unknown";
}

void check_item_shape(const nlohmann::json& item, const nlohmann::json& record_template,
                      const char* collection, size_t index) {
  const std::string where = item_name(collection, index, item);
  if (!item.is_object()) fail(where + ": expected an object, got " + json_type_name(item));
  const auto id = item.find("id");
  if (id == item.end() || !id->is_string() || id->get_ref<const std::string&>().empty())
    fail(where + ": member 'id' must be a non-empty string");
  for (const auto& [name, value] : item.items()) {
    const auto expected = record_template.find(name);
    if (expected == record_template.end())
      fail(where + ": unknown member '" + util::escape_control(name) + "' (members: " + [&] {
        std::vector<std::string> names;
        for (const auto& [n, v] : record_template.items()) names.push_back(n);
        return util::join(names, ", ");
      }() + ")");
    if (kind(value) != kind(*expected))
      fail(where + " member '" + name + "': expected " + kind(*expected) + ", got " + kind(value));
    if (value.is_array())
      for (size_t i = 0; i < value.size(); ++i)
        if (!value[i].is_string())
          fail(where + " member '" + name + "[" + std::to_string(i) + "]': expected string, got " +
               json_type_name(value[i]));
  }
}

std::map<std::string, int> read_slot_limits(const nlohmann::json& value) {
  if (!value.is_object())
    fail("certificateSlotLimits: expected an object from certificate type to slots, got " +
         json_type_name(value));
  std::map<std::string, int> out;
  for (const auto& [type, slots] : value.items()) {
    const std::string where = "certificateSlotLimits member '" + util::escape_control(type) + "'";
    if (std::find(core::k_certificate_types.begin(), core::k_certificate_types.end(), type) ==
        core::k_certificate_types.end())
      fail(where + ": not one of Apple's certificate types (" + util::join(core::k_certificate_types, ", ") +
           ")");
    if (!slots.is_number_integer()) fail(where + ": expected a whole number of slots, got " + kind(slots));
    const long long n = slots.get<long long>();
    if (n < 0 || n > 1000) fail(where + ": " + std::to_string(n) + " is outside 0..1000");
    out[type] = static_cast<int>(n);
  }
  return out;
}

void check_state_rules(const State& s) {
  std::map<std::string, std::string> emails;
  std::string holder;
  for (const auto& [id, u] : s.users) {
    const std::string where = "users '" + id + "'";
    if (u.username.empty()) fail(where + ": member 'username' (the email) must not be empty");
    unique_email(emails, "users", u.username, id);
    for (const auto& role : u.roles) one_of(where, "roles", role, core::k_user_roles);
    if (std::find(u.roles.begin(), u.roles.end(), "ACCOUNT_HOLDER") != u.roles.end()) {
      if (!holder.empty())
        fail(where + ": a team has one ACCOUNT_HOLDER, and '" + holder + "' is it already");
      holder = id;
    }
    for (const auto& app : u.visible_apps) references(s.apps, where, "visible_apps", app);
  }
  emails.clear();
  for (const auto& [id, inv] : s.invitations) {
    const std::string where = "userInvitations '" + id + "'";
    if (inv.email.empty()) fail(where + ": member 'email' must not be empty");
    unique_email(emails, "userInvitations", inv.email, id);
    for (const auto& role : inv.roles) {
      one_of(where, "roles", role, core::k_user_roles);
      if (role == "ACCOUNT_HOLDER") fail(where + " member 'roles': ACCOUNT_HOLDER cannot be invited");
    }
    for (const auto& app : inv.visible_apps) references(s.apps, where, "visible_apps", app);
  }
  std::set<std::pair<std::string, std::string>> group_names;
  for (const auto& [id, g] : s.groups) {
    if (!group_names.emplace(g.app_id, g.name).second)
      fail("betaGroups '" + id + "': another group of app '" + g.app_id + "' is already named '" +
           util::escape_control(g.name) + "'");
  }
  emails.clear();
  for (const auto& [id, t] : s.testers) {
    const std::string where = "betaTesters '" + id + "'";
    unique_email(emails, "betaTesters", t.email, id);
    one_of(where, "invite_type", t.invite_type, k_invite_types);
    one_of(where, "state", t.state, k_tester_states);
  }
  for (const auto& [id, c] : s.certificates) {
    const std::string where = "certificates '" + id + "'";
    one_of(where, "certificate_type", c.certificate_type, core::k_certificate_types);
    if (!c.platform.empty()) one_of(where, "platform", c.platform, k_platforms);
  }
  for (const auto& [id, b] : s.bundle_ids)
    one_of("bundleIds '" + id + "'", "platform", b.platform, k_platforms);
  for (const auto& [id, d] : s.devices) {
    const std::string where = "devices '" + id + "'";
    one_of(where, "platform", d.platform, k_platforms);
    one_of(where, "device_class", d.device_class, k_device_classes);
    one_of(where, "status", d.status, k_device_statuses);
  }
  for (const auto& [id, p] : s.profiles) {
    const std::string where = "profiles '" + id + "'";
    one_of(where, "profile_type", p.profile_type, k_profile_types);
    one_of(where, "profile_state", p.profile_state, k_profile_states);
    if (!p.bundle_id_id.empty()) references(s.bundle_ids, where, "bundle_id_id", p.bundle_id_id);
    // Certificate ids may dangle: a revoked certificate leaves its profiles INVALID, still naming it.
    for (const auto& d : p.devices) references(s.devices, where, "devices", d);
  }
}

}  // namespace sim
