#include "sim/render.hpp"

#include <algorithm>

#include "util/time.hpp"

namespace sim {

nlohmann::json Renderer::resource(const std::string& type, const std::string& id) const {
  nlohmann::json res = nlohmann::json::object();
  res["type"] = type;
  res["id"] = id;
  res["links"] = {{"self", m_base + "/v1/" + type + "/" + id}};
  return res;
}

void Renderer::attr(nlohmann::json& res, const std::string& type, const char* name, nlohmann::json value) const {
  if (!m_query.wants(type, name)) return;
  res["attributes"][name] = std::move(value);
}

void Renderer::include(nlohmann::json res) {
  auto key = std::make_pair(res["type"].get<std::string>(), res["id"].get<std::string>());
  if (m_included_keys.insert(std::move(key)).second) m_included.push_back(std::move(res));
}

void Renderer::finish(nlohmann::json& doc) {
  if (!m_included.empty()) doc["included"] = std::move(m_included);
  m_included = nlohmann::json::array();
  m_included_keys.clear();
}

template <typename RenderOne>
void Renderer::to_many(nlohmann::json& res, const std::string& type, const std::string& id, const std::string& rel,
                       const std::string& rel_type, const std::vector<std::string>& ids, bool top,
                       RenderOne render_one) {
  if (!m_query.wants(type, rel)) return;
  nlohmann::json r = {{"links",
                       {{"self", m_base + "/v1/" + type + "/" + id + "/relationships/" + rel},
                        {"related", m_base + "/v1/" + type + "/" + id + "/" + rel}}}};
  if (top && m_query.includes.contains(rel)) {
    const int limit = m_query.include_limit(rel);
    nlohmann::json data = nlohmann::json::array();
    for (size_t i = 0; i < ids.size() && i < static_cast<size_t>(limit); ++i) {
      data.push_back({{"type", rel_type}, {"id", ids[i]}});
      include(render_one(ids[i]));
    }
    r["data"] = std::move(data);
    r["meta"] = {{"paging", {{"total", ids.size()}, {"limit", limit}}}};
  }
  res["relationships"][rel] = std::move(r);
}

template <typename RenderOne>
void Renderer::to_one(nlohmann::json& res, const std::string& type, const std::string& id, const std::string& rel,
                      const std::string& rel_type, const std::string& target, bool top, RenderOne render_one) {
  if (!m_query.wants(type, rel)) return;
  nlohmann::json r = {{"links",
                       {{"self", m_base + "/v1/" + type + "/" + id + "/relationships/" + rel},
                        {"related", m_base + "/v1/" + type + "/" + id + "/" + rel}}}};
  if (top && m_query.includes.contains(rel) && !target.empty()) {
    r["data"] = {{"type", rel_type}, {"id", target}};
    include(render_one(target));
  }
  res["relationships"][rel] = std::move(r);
}

nlohmann::json Renderer::app_impl(const AppRec& r, bool top) {
  auto res = resource("apps", r.id);
  attr(res, "apps", "name", r.name);
  attr(res, "apps", "bundleId", r.bundle_id);
  attr(res, "apps", "sku", r.sku);
  attr(res, "apps", "primaryLocale", r.primary_locale);
  attr(res, "apps", "isOrEverWasMadeForKids", false);
  to_many(res, "apps", r.id, "betaGroups", "betaGroups", m_state.app_groups(r.id), top,
          [&](const std::string& gid) { return group_impl(m_state.groups.at(gid), false); });
  // Relationships the simulator does not model: present (and empty) only when included.
  if (top)
    for (const auto& rel : m_query.includes)
      if (rel != "betaGroups" && m_query.wants("apps", rel))
        res["relationships"][rel] = {{"links",
                                      {{"self", m_base + "/v1/apps/" + r.id + "/relationships/" + rel},
                                       {"related", m_base + "/v1/apps/" + r.id + "/" + rel}}},
                                     {"data", nlohmann::json::array()},
                                     {"meta", {{"paging", {{"total", 0}, {"limit", m_query.include_limit(rel)}}}}}};
  return res;
}

nlohmann::json Renderer::user_impl(const UserRec& r, bool top) {
  auto res = resource("users", r.id);
  attr(res, "users", "username", r.username);
  attr(res, "users", "firstName", r.first_name);
  attr(res, "users", "lastName", r.last_name);
  attr(res, "users", "roles", r.roles);
  attr(res, "users", "allAppsVisible", r.all_apps_visible);
  attr(res, "users", "provisioningAllowed", r.provisioning_allowed);
  to_many(res, "users", r.id, "visibleApps", "apps", {r.visible_apps.begin(), r.visible_apps.end()}, top,
          [&](const std::string& aid) { return app_impl(m_state.apps.at(aid), false); });
  return res;
}

nlohmann::json Renderer::invitation_impl(const InvitationRec& r, bool top) {
  auto res = resource("userInvitations", r.id);
  attr(res, "userInvitations", "email", r.email);
  attr(res, "userInvitations", "firstName", r.first_name);
  attr(res, "userInvitations", "lastName", r.last_name);
  attr(res, "userInvitations", "expirationDate", util::format_rfc3339(r.expiration_date));
  attr(res, "userInvitations", "roles", r.roles);
  attr(res, "userInvitations", "allAppsVisible", r.all_apps_visible);
  attr(res, "userInvitations", "provisioningAllowed", r.provisioning_allowed);
  to_many(res, "userInvitations", r.id, "visibleApps", "apps", {r.visible_apps.begin(), r.visible_apps.end()}, top,
          [&](const std::string& aid) { return app_impl(m_state.apps.at(aid), false); });
  return res;
}

nlohmann::json Renderer::group_impl(const GroupRec& r, bool top) {
  const std::string t = "betaGroups";
  auto res = resource(t, r.id);
  attr(res, t, "name", r.name);
  attr(res, t, "createdDate", util::format_rfc3339(r.created_date));
  attr(res, t, "isInternalGroup", r.is_internal);
  attr(res, t, "hasAccessToAllBuilds", r.has_access_to_all_builds);
  attr(res, t, "publicLinkEnabled", r.public_link_enabled);
  if (r.public_link_enabled && !r.public_link_id.empty()) {
    attr(res, t, "publicLinkId", r.public_link_id);
    attr(res, t, "publicLink", "https://testflight.apple.com/join/" + r.public_link_id);
  }
  attr(res, t, "publicLinkLimitEnabled", r.public_link_limit_enabled);
  if (r.has_public_link_limit) attr(res, t, "publicLinkLimit", r.public_link_limit);
  attr(res, t, "feedbackEnabled", r.feedback_enabled);
  attr(res, t, "iosBuildsAvailableForAppleSiliconMac", r.ios_builds_available_for_apple_silicon_mac);
  attr(res, t, "iosBuildsAvailableForAppleVision", r.ios_builds_available_for_apple_vision);
  to_one(res, t, r.id, "app", "apps", r.app_id, top,
         [&](const std::string& aid) { return app_impl(m_state.apps.at(aid), false); });
  to_many(res, t, r.id, "builds", "builds", {}, top, [](const std::string&) { return nlohmann::json(); });
  std::vector<std::string> first;
  if (top && m_query.includes.contains("betaTesters")) {
    // Only the capped prefix is needed; copying 100,000 ids per group would be wasteful.
    const size_t cap = static_cast<size_t>(m_query.include_limit("betaTesters"));
    for (auto it = r.testers.begin(); it != r.testers.end() && first.size() < cap; ++it) first.push_back(*it);
  }
  if (m_query.wants(t, "betaTesters")) {
    to_many(res, t, r.id, "betaTesters", "betaTesters", first, top,
            [&](const std::string& tid) { return tester_impl(m_state.testers.at(tid), false); });
    if (res["relationships"]["betaTesters"].contains("meta"))
      res["relationships"]["betaTesters"]["meta"]["paging"]["total"] = r.testers.size();
  }
  return res;
}

nlohmann::json Renderer::tester_impl(const TesterRec& r, bool top) {
  const std::string t = "betaTesters";
  auto res = resource(t, r.id);
  attr(res, t, "firstName", r.first_name);
  attr(res, t, "lastName", r.last_name);
  attr(res, t, "email", r.email);
  attr(res, t, "inviteType", r.invite_type);
  attr(res, t, "state", r.state);
  const bool want_apps = m_query.wants(t, "apps");
  to_many(res, t, r.id, "apps", "apps", want_apps ? m_state.tester_apps(r) : std::vector<std::string>{}, top,
          [&](const std::string& aid) { return app_impl(m_state.apps.at(aid), false); });
  to_many(res, t, r.id, "betaGroups", "betaGroups", {r.groups.begin(), r.groups.end()}, top,
          [&](const std::string& gid) { return group_impl(m_state.groups.at(gid), false); });
  to_many(res, t, r.id, "builds", "builds", {}, top, [](const std::string&) { return nlohmann::json(); });
  return res;
}

nlohmann::json Renderer::certificate(const CertificateRec& r) {
  const std::string t = "certificates";
  auto res = resource(t, r.id);
  attr(res, t, "name", r.name);
  attr(res, t, "certificateType", r.certificate_type);
  attr(res, t, "displayName", r.display_name);
  attr(res, t, "serialNumber", r.serial_number);
  if (!r.platform.empty()) attr(res, t, "platform", r.platform);
  attr(res, t, "expirationDate", util::format_rfc3339(r.expiration_date));
  attr(res, t, "certificateContent", r.content_base64);
  attr(res, t, "activated", r.activated);
  return res;
}

nlohmann::json Renderer::profile_impl(const ProfileRec& r, bool top) {
  const std::string t = "profiles";
  auto res = resource(t, r.id);
  attr(res, t, "name", r.name);
  attr(res, t, "platform", r.platform);
  attr(res, t, "profileType", r.profile_type);
  attr(res, t, "profileState", r.profile_state);
  attr(res, t, "profileContent", r.profile_content);
  attr(res, t, "uuid", r.uuid);
  attr(res, t, "createdDate", util::format_rfc3339(r.created_date));
  attr(res, t, "expirationDate", util::format_rfc3339(r.expiration_date));
  to_one(res, t, r.id, "bundleId", "bundleIds", r.bundle_id_id, top, [&](const std::string& bid) {
    return bundle_id_impl(m_state.bundle_ids.at(bid), false);
  });
  std::vector<std::string> certs;
  for (const auto& c : r.certificates)
    if (m_state.certificates.contains(c)) certs.push_back(c);
  to_many(res, t, r.id, "certificates", "certificates", certs, top,
          [&](const std::string& cid) { return certificate(m_state.certificates.at(cid)); });
  to_many(res, t, r.id, "devices", "devices", {r.devices.begin(), r.devices.end()}, top,
          [&](const std::string& did) { return device(m_state.devices.at(did)); });
  return res;
}

nlohmann::json Renderer::bundle_id_impl(const BundleIdRec& r, bool top) {
  const std::string t = "bundleIds";
  auto res = resource(t, r.id);
  attr(res, t, "name", r.name);
  attr(res, t, "platform", r.platform);
  attr(res, t, "identifier", r.identifier);
  attr(res, t, "seedId", r.seed_id);
  std::vector<std::string> profiles;
  for (const auto& [pid, p] : m_state.profiles)
    if (p.bundle_id_id == r.id) profiles.push_back(pid);
  to_many(res, t, r.id, "profiles", "profiles", profiles, top,
          [&](const std::string& pid) { return profile_impl(m_state.profiles.at(pid), false); });
  to_many(res, t, r.id, "bundleIdCapabilities", "bundleIdCapabilities", {}, top,
          [](const std::string&) { return nlohmann::json(); });
  std::string app_id;
  for (const auto& [aid, a] : m_state.apps)
    if (a.bundle_id == r.identifier) app_id = aid;
  to_one(res, t, r.id, "app", "apps", app_id, top,
         [&](const std::string& aid) { return app_impl(m_state.apps.at(aid), false); });
  return res;
}

nlohmann::json Renderer::device(const DeviceRec& r) {
  const std::string t = "devices";
  auto res = resource(t, r.id);
  attr(res, t, "name", r.name);
  attr(res, t, "platform", r.platform);
  attr(res, t, "udid", r.udid);
  attr(res, t, "deviceClass", r.device_class);
  attr(res, t, "status", r.status);
  if (!r.model.empty()) attr(res, t, "model", r.model);
  attr(res, t, "addedDate", util::format_rfc3339(r.added_date));
  return res;
}

}  // namespace sim
