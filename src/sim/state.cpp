#include "sim/state.hpp"

#include <malloc.h>

#include <algorithm>

#include "core/model.hpp"
#include "sim/state_check.hpp"
#include "util/strings.hpp"
#include "util/time.hpp"

namespace nlohmann {
// State files carry times as RFC 3339 text, the way Apple writes them.
template <>
struct adl_serializer<util::TimePoint> {
  static void to_json(json& j, const util::TimePoint& t) { j = util::format_rfc3339(t); }
  static void from_json(const json& j, util::TimePoint& t) {
    auto parsed = util::parse_rfc3339(j.get<std::string>());
    if (!parsed)
      throw json::type_error::create(302, "not an RFC 3339 date-time: " + j.get<std::string>(), &j);
    t = *parsed;
  }
};
}  // namespace nlohmann

namespace sim {

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(AppRec, id, bundle_id, name, sku, primary_locale)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(UserRec, id, username, first_name, last_name, roles,
                                                all_apps_visible, provisioning_allowed, visible_apps)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(InvitationRec, id, email, first_name, last_name, roles,
                                                all_apps_visible, provisioning_allowed, expiration_date,
                                                visible_apps)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(GroupRec, id, app_id, name, created_date, is_internal,
                                                has_access_to_all_builds, public_link_enabled,
                                                public_link_limit_enabled, has_public_link_limit,
                                                public_link_limit, public_link_id, feedback_enabled,
                                                ios_builds_available_for_apple_silicon_mac,
                                                ios_builds_available_for_apple_vision)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(TesterRec, id, email, first_name, last_name, invite_type,
                                                state, groups)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(CertificateRec, id, name, certificate_type, display_name,
                                                serial_number, platform, expiration_date, content_base64,
                                                activated)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ProfileRec, id, name, platform, profile_type, profile_state,
                                                profile_content, uuid, created_date, expiration_date,
                                                bundle_id_id, certificates, devices)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(BundleIdRec, id, name, platform, identifier, seed_id)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(DeviceRec, id, name, platform, udid, device_class, status,
                                                model, added_date)

State::State(uint64_t seed) : m_rng(seed) {}

std::string State::new_numeric_id() {
  for (;;) {
    std::string id = std::to_string(1'000'000'000ULL + m_rng() % 8'999'999'999ULL);
    if (!apps.contains(id)) return id;
  }
}

std::string State::new_uuid() {
  static const char* k_hex = "0123456789abcdef";
  std::string id;
  for (int i = 0; i < 32; ++i) {
    if (i == 8 || i == 12 || i == 16 || i == 20) id += '-';
    id += k_hex[m_rng() % 16];
  }
  return id;
}

std::string State::new_short_id() {
  static const char* k_chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::string id;
  for (int i = 0; i < 10; ++i) id += k_chars[m_rng() % 36];
  return id;
}

void State::put_user(UserRec user) {
  user_by_email[core::email_key(user.username)] = user.id;
  const std::string id = user.id;
  users[id] = std::move(user);
}

void State::erase_user(const std::string& id) {
  auto it = users.find(id);
  if (it == users.end()) return;
  user_by_email.erase(core::email_key(it->second.username));
  users.erase(it);
}

void State::put_invitation(InvitationRec invitation) {
  invitation_by_email[core::email_key(invitation.email)] = invitation.id;
  const std::string id = invitation.id;
  invitations[id] = std::move(invitation);
}

void State::erase_invitation(const std::string& id) {
  auto it = invitations.find(id);
  if (it == invitations.end()) return;
  invitation_by_email.erase(core::email_key(it->second.email));
  invitations.erase(it);
}

void State::put_tester(TesterRec tester) {
  const std::string id = tester.id;
  const std::set<std::string> wanted = std::move(tester.groups);
  tester.groups.clear();
  tester_by_email[core::email_key(tester.email)] = id;
  testers[id] = std::move(tester);
  for (const auto& g : wanted) add_membership(g, id);
}

void State::erase_tester(const std::string& id) {
  auto it = testers.find(id);
  if (it == testers.end()) return;
  const std::set<std::string> member_of = it->second.groups;
  for (const auto& g : member_of) remove_membership(g, id);
  tester_by_email.erase(core::email_key(it->second.email));
  testers.erase(id);
}

void State::put_group(GroupRec group) {
  group.testers.clear();
  const std::string id = group.id;
  groups[id] = std::move(group);
}

void State::erase_group(const std::string& id) {
  auto it = groups.find(id);
  if (it == groups.end()) return;
  const std::set<std::string> members = it->second.testers;
  for (const auto& t : members) remove_membership(id, t);
  groups.erase(id);
}

bool State::add_membership(const std::string& group_id, const std::string& tester_id) {
  auto g = groups.find(group_id);
  auto t = testers.find(tester_id);
  if (g == groups.end() || t == testers.end()) return false;
  if (!g->second.testers.insert(tester_id).second) return false;
  if (!g->second.is_internal && !in_external_group(t->second, g->second.app_id, group_id))
    ++m_external_count[g->second.app_id];
  t->second.groups.insert(group_id);
  ++m_app_testers[g->second.app_id][tester_id];
  return true;
}

bool State::remove_membership(const std::string& group_id, const std::string& tester_id) {
  auto g = groups.find(group_id);
  auto t = testers.find(tester_id);
  if (g == groups.end() || t == testers.end()) return false;
  if (g->second.testers.erase(tester_id) == 0) return false;
  t->second.groups.erase(group_id);
  if (!g->second.is_internal && !in_external_group(t->second, g->second.app_id, group_id)) {
    auto it = m_external_count.find(g->second.app_id);
    if (it != m_external_count.end() && --it->second == 0) m_external_count.erase(it);
  }
  auto& all = m_app_testers[g->second.app_id];
  if (auto it = all.find(tester_id); it != all.end() && --it->second <= 0) all.erase(it);
  return true;
}

std::vector<std::string> State::tester_apps(const TesterRec& tester) const {
  std::set<std::string> out;
  for (const auto& g : tester.groups) {
    auto it = groups.find(g);
    if (it != groups.end()) out.insert(it->second.app_id);
  }
  return {out.begin(), out.end()};
}

bool State::in_external_group(const TesterRec& tester, const std::string& app_id,
                              const std::string& except_group) const {
  for (const auto& gid : tester.groups) {
    if (gid == except_group) continue;
    auto g = groups.find(gid);
    if (g != groups.end() && !g->second.is_internal && g->second.app_id == app_id) return true;
  }
  return false;
}

size_t State::external_tester_count(const std::string& app_id) const {
  auto it = m_external_count.find(app_id);
  return it == m_external_count.end() ? 0 : it->second;
}

bool State::is_external_tester_of(const std::string& app_id, const std::string& tester_id) const {
  auto t = testers.find(tester_id);
  return t != testers.end() && in_external_group(t->second, app_id, "");
}

const std::map<std::string, int>& State::app_testers(const std::string& app_id) const {
  static const std::map<std::string, int> k_none;
  auto it = m_app_testers.find(app_id);
  return it == m_app_testers.end() ? k_none : it->second;
}

std::vector<std::string> State::app_groups(const std::string& app_id) const {
  std::vector<std::string> out;
  for (const auto& [id, g] : groups)
    if (g.app_id == app_id) out.push_back(id);
  return out;
}

void State::clear() {
  apps.clear();
  users.clear();
  invitations.clear();
  groups.clear();
  testers.clear();
  certificates.clear();
  profiles.clear();
  bundle_ids.clear();
  devices.clear();
  certificate_slot_limits.clear();
  user_by_email.clear();
  invitation_by_email.clear();
  tester_by_email.clear();
  m_external_count.clear();
  m_app_testers.clear();
  // Give the freed records back to the system; a big team would otherwise stay resident.
  malloc_trim(0);
}

namespace {
template <typename Rec>
nlohmann::json values(const std::map<std::string, Rec>& m) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [id, rec] : m) out.push_back(rec);
  return out;
}
}  // namespace

nlohmann::json State::dump() const {
  nlohmann::json out = nlohmann::json::object();
  out["apps"] = values(apps);
  out["users"] = values(users);
  out["userInvitations"] = values(invitations);
  nlohmann::json gs = nlohmann::json::array();
  for (const auto& [id, g] : groups) {
    nlohmann::json j = g;
    gs.push_back(std::move(j));
  }
  out["betaGroups"] = std::move(gs);
  out["betaTesters"] = values(testers);
  out["certificates"] = values(certificates);
  out["profiles"] = values(profiles);
  out["bundleIds"] = values(bundle_ids);
  out["devices"] = values(devices);
  out["certificateSlotLimits"] = certificate_slot_limits;
  return out;
}

std::string State::load(const nlohmann::json& doc) {
  if (!doc.is_object()) return "state must be a JSON object, got " + json_type_name(doc);
  static const std::vector<std::string> k_collections = {
      "apps",         "users",    "userInvitations", "betaGroups", "betaTesters",
      "certificates", "profiles", "bundleIds",       "devices",    "certificateSlotLimits"};
  for (const auto& [key, value] : doc.items())
    if (std::find(k_collections.begin(), k_collections.end(), key) == k_collections.end())
      return "unknown member '" + key + "' (members: " + util::join(k_collections, ", ") + ")";
  State fresh;
  try {
    // Each item is checked against its record's members before conversion, so a wrong type is
    // reported with its place instead of being read as a default.
    auto each = [&]<typename Rec>(const char* key, std::map<std::string, Rec>& into, auto put) {
      if (!doc.contains(key)) return;
      const auto& items = doc.at(key);
      if (!items.is_array())
        throw StateError(std::string(key) + " must be an array, got " + json_type_name(items));
      static const nlohmann::json k_template = Rec{};
      for (size_t i = 0; i < items.size(); ++i) {
        check_item_shape(items[i], k_template, key, i);
        Rec rec;
        try {
          rec = items[i].get<Rec>();
        } catch (const nlohmann::json::exception& e) {
          throw StateError(std::string(key) + "[" + std::to_string(i) + "] (id '" +
                           items[i]["id"].get<std::string>() + "'): " + e.what());
        }
        if (into.contains(rec.id))
          throw StateError(std::string(key) + "[" + std::to_string(i) + "]: id '" + rec.id +
                           "' appears twice");
        put(std::move(rec));
      }
    };
    each("apps", fresh.apps, [&](AppRec r) { fresh.apps[r.id] = std::move(r); });
    each("users", fresh.users, [&](UserRec r) { fresh.put_user(std::move(r)); });
    each("userInvitations", fresh.invitations, [&](InvitationRec r) { fresh.put_invitation(std::move(r)); });
    each("betaGroups", fresh.groups, [&](GroupRec g) {
      if (!fresh.apps.contains(g.app_id))
        throw StateError("group " + g.id + " names unknown app " + g.app_id);
      fresh.put_group(std::move(g));
    });
    each("betaTesters", fresh.testers, [&](TesterRec t) {
      for (const auto& g : t.groups)
        if (!fresh.groups.contains(g)) throw StateError("tester " + t.id + " names unknown group " + g);
      fresh.put_tester(std::move(t));
    });
    each("certificates", fresh.certificates,
         [&](CertificateRec r) { fresh.certificates[r.id] = std::move(r); });
    each("bundleIds", fresh.bundle_ids, [&](BundleIdRec r) { fresh.bundle_ids[r.id] = std::move(r); });
    each("devices", fresh.devices, [&](DeviceRec r) { fresh.devices[r.id] = std::move(r); });
    each("profiles", fresh.profiles, [&](ProfileRec r) { fresh.profiles[r.id] = std::move(r); });
    if (doc.contains("certificateSlotLimits"))
      fresh.certificate_slot_limits = read_slot_limits(doc.at("certificateSlotLimits"));
    check_state_rules(fresh);
  } catch (const std::exception& e) {
    return e.what();
  }
  // Keep our id generator: loading must not make later ids repeat earlier ones.
  fresh.m_rng = m_rng;
  *this = std::move(fresh);
  // The old state and the conversion garbage are free now; return their pages to the system
  // (glibc keeps them resident otherwise, doubling RSS after loading a big team).
  malloc_trim(0);
  return {};
}

}  // namespace sim
