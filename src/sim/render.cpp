#include "sim/render.hpp"

#include <algorithm>
#include <initializer_list>

#include "util/time.hpp"

namespace sim {

namespace {

// Text nlohmann::json::dump() writes unchanged between quotes.
bool plain(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
  });
}

// Appends the concatenation of `parts` as one JSON string.
void append_json_concat(std::string& out, std::initializer_list<std::string_view> parts) {
  if (std::all_of(parts.begin(), parts.end(), plain)) {
    out += '"';
    for (auto p : parts) out += p;
    out += '"';
    return;
  }
  std::string joined;
  for (auto p : parts) joined += p;
  append_json_string(out, joined);
}

std::string str(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

std::string boolean(bool b) {
  return b ? "true" : "false";
}

std::string str_array(const std::vector<std::string>& values) {
  std::string out = "[";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    append_json_string(out, values[i]);
  }
  out += ']';
  return out;
}

// {"id":id,"type":type}
void append_identifier(std::string& out, const std::string& type, const std::string& id) {
  out += "{\"id\":";
  append_json_string(out, id);
  out += ",\"type\":";
  append_json_string(out, type);
  out += '}';
}

std::string paging_meta(size_t total, int limit) {
  return "{\"paging\":{\"limit\":" + std::to_string(limit) + ",\"total\":" + std::to_string(total) + "}}";
}

}  // namespace

void to_json(nlohmann::json& j, const Rendered& r) {
  j = nlohmann::json::parse(r.text);
}

void append_json_string(std::string& out, std::string_view s) {
  if (plain(s)) {
    out += '"';
    out += s;
    out += '"';
    return;
  }
  out += nlohmann::json(std::string(s)).dump();
}

void Renderer::Members::write(std::string& out) {
  std::sort(m_items.begin(), m_items.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  out += '{';
  for (size_t i = 0; i < m_items.size(); ++i) {
    if (i > 0) out += ',';
    append_json_string(out, m_items[i].first);
    out += ':';
    out += m_items[i].second;
  }
  out += '}';
}

Rendered Renderer::rendered(std::string text, const std::string& type, const std::string& id) const {
  Rendered r{std::move(text), {}};
  r.self.reserve(m_base.size() + type.size() + id.size() + 5);
  r.self.append(m_base).append("/v1/").append(type).append("/").append(id);
  return r;
}

void Renderer::write_resource(std::string& out, const std::string& type, const std::string& id,
                              Members& attrs, Members& rels) const {
  out += '{';
  if (!attrs.empty()) {
    out += "\"attributes\":";
    attrs.write(out);
    out += ',';
  }
  out += "\"id\":";
  append_json_string(out, id);
  out += ",\"links\":{\"self\":";
  append_json_concat(out, {m_base, "/v1/", type, "/", id});
  out += '}';
  if (!rels.empty()) {
    out += ",\"relationships\":";
    rels.write(out);
  }
  out += ",\"type\":";
  append_json_string(out, type);
  out += '}';
}

void Renderer::attr(Members& attrs, const std::string& type, const char* name, std::string value_text) const {
  if (!m_query.wants(type, name)) return;
  attrs.add(name, std::move(value_text));
}

std::string Renderer::rel_links(const std::string& type, const std::string& id,
                                const std::string& rel) const {
  std::string out = "\"links\":{\"related\":";
  append_json_concat(out, {m_base, "/v1/", type, "/", id, "/", rel});
  out += ",\"self\":";
  append_json_concat(out, {m_base, "/v1/", type, "/", id, "/relationships/", rel});
  out += '}';
  return out;
}

void Renderer::finish(std::string& doc) {
  if (!m_included.empty()) {
    doc += ",\"included\":[";
    doc += m_included;
    doc += ']';
  }
  m_included.clear();
  m_included_keys.clear();
}

template <typename RenderOne>
void Renderer::include(const std::string& type, const std::string& id, RenderOne render_one) {
  if (!m_included_keys.emplace(type, id).second) return;
  if (!m_included.empty()) m_included += ',';
  render_one(m_included, id);
}

template <typename LinkageFn, typename RenderOne>
void Renderer::to_many(Members& rels, const std::string& type, const std::string& id, const std::string& rel,
                       const std::string& rel_type, bool top, LinkageFn linkage, RenderOne render_one) {
  if (!m_query.wants(type, rel)) return;
  std::string r = "{";
  std::string meta;
  if (top && m_query.includes.contains(rel)) {
    const int limit = m_query.include_limit(rel);
    const Linkage l = linkage();
    r += "\"data\":[";
    for (size_t i = 0; i < l.ids.size() && i < static_cast<size_t>(limit); ++i) {
      if (i > 0) r += ',';
      append_identifier(r, rel_type, l.ids[i]);
      include(rel_type, l.ids[i], render_one);
    }
    r += "],";
    meta = ",\"meta\":" + paging_meta(l.total, limit);
  }
  r += rel_links(type, id, rel);
  r += meta;
  r += '}';
  rels.add(rel, std::move(r));
}

template <typename RenderOne>
void Renderer::to_one(Members& rels, const std::string& type, const std::string& id, const std::string& rel,
                      const std::string& rel_type, const std::string& target, bool top,
                      RenderOne render_one) {
  if (!m_query.wants(type, rel)) return;
  std::string r = "{";
  if (top && m_query.includes.contains(rel) && !target.empty()) {
    r += "\"data\":";
    append_identifier(r, rel_type, target);
    r += ',';
    include(rel_type, target, render_one);
  }
  r += rel_links(type, id, rel);
  r += '}';
  rels.add(rel, std::move(r));
}

Rendered Renderer::app(const AppRec& r) {
  std::string out;
  app_impl(out, r, true);
  return rendered(std::move(out), "apps", r.id);
}
Rendered Renderer::user(const UserRec& r) {
  std::string out;
  user_impl(out, r, true);
  return rendered(std::move(out), "users", r.id);
}
Rendered Renderer::invitation(const InvitationRec& r) {
  std::string out;
  invitation_impl(out, r, true);
  return rendered(std::move(out), "userInvitations", r.id);
}
Rendered Renderer::group(const GroupRec& r) {
  std::string out;
  group_impl(out, r, true);
  return rendered(std::move(out), "betaGroups", r.id);
}
Rendered Renderer::tester(const TesterRec& r) {
  std::string out;
  out.reserve(1024);
  tester_impl(out, r, true);
  return rendered(std::move(out), "betaTesters", r.id);
}
Rendered Renderer::certificate(const CertificateRec& r) {
  std::string out;
  certificate_impl(out, r);
  return rendered(std::move(out), "certificates", r.id);
}
Rendered Renderer::profile(const ProfileRec& r) {
  std::string out;
  profile_impl(out, r, true);
  return rendered(std::move(out), "profiles", r.id);
}
Rendered Renderer::bundle_id(const BundleIdRec& r) {
  std::string out;
  bundle_id_impl(out, r, true);
  return rendered(std::move(out), "bundleIds", r.id);
}
Rendered Renderer::device(const DeviceRec& r) {
  std::string out;
  device_impl(out, r);
  return rendered(std::move(out), "devices", r.id);
}

namespace {
// Relationships of a resource the simulator does not model have no linkage.
constexpr auto k_no_render = [](std::string&, const std::string&) {};
}  // namespace

void Renderer::app_impl(std::string& out, const AppRec& r, bool top) {
  static const std::string t = "apps";
  Members attrs, rels;
  attr(attrs, t, "name", str(r.name));
  attr(attrs, t, "bundleId", str(r.bundle_id));
  attr(attrs, t, "sku", str(r.sku));
  attr(attrs, t, "primaryLocale", str(r.primary_locale));
  attr(attrs, t, "isOrEverWasMadeForKids", boolean(false));
  to_many(
      rels, t, r.id, "betaGroups", "betaGroups", top,
      [&] {
        auto ids = m_state.app_groups(r.id);
        const size_t n = ids.size();
        return Linkage{std::move(ids), n};
      },
      [&](std::string& o, const std::string& gid) { group_impl(o, m_state.groups.at(gid), false); });
  // Relationships the simulator does not model: present (and empty) only when included.
  if (top)
    for (const auto& rel : m_query.includes)
      if (rel != "betaGroups" && m_query.wants(t, rel))
        rels.add(rel, "{\"data\":[]," + rel_links(t, r.id, rel) +
                          ",\"meta\":" + paging_meta(0, m_query.include_limit(rel)) + "}");
  write_resource(out, t, r.id, attrs, rels);
}

void Renderer::user_impl(std::string& out, const UserRec& r, bool top) {
  static const std::string t = "users";
  Members attrs, rels;
  attr(attrs, t, "username", str(r.username));
  attr(attrs, t, "firstName", str(r.first_name));
  attr(attrs, t, "lastName", str(r.last_name));
  attr(attrs, t, "roles", str_array(r.roles));
  attr(attrs, t, "allAppsVisible", boolean(r.all_apps_visible));
  attr(attrs, t, "provisioningAllowed", boolean(r.provisioning_allowed));
  to_many(
      rels, t, r.id, "visibleApps", "apps", top,
      [&] {
        return Linkage{{r.visible_apps.begin(), r.visible_apps.end()}, r.visible_apps.size()};
      },
      [&](std::string& o, const std::string& aid) { app_impl(o, m_state.apps.at(aid), false); });
  write_resource(out, t, r.id, attrs, rels);
}

void Renderer::invitation_impl(std::string& out, const InvitationRec& r, bool top) {
  static const std::string t = "userInvitations";
  Members attrs, rels;
  attr(attrs, t, "email", str(r.email));
  attr(attrs, t, "firstName", str(r.first_name));
  attr(attrs, t, "lastName", str(r.last_name));
  attr(attrs, t, "expirationDate", str(util::format_rfc3339(r.expiration_date)));
  attr(attrs, t, "roles", str_array(r.roles));
  attr(attrs, t, "allAppsVisible", boolean(r.all_apps_visible));
  attr(attrs, t, "provisioningAllowed", boolean(r.provisioning_allowed));
  to_many(
      rels, t, r.id, "visibleApps", "apps", top,
      [&] {
        return Linkage{{r.visible_apps.begin(), r.visible_apps.end()}, r.visible_apps.size()};
      },
      [&](std::string& o, const std::string& aid) { app_impl(o, m_state.apps.at(aid), false); });
  write_resource(out, t, r.id, attrs, rels);
}

void Renderer::group_impl(std::string& out, const GroupRec& r, bool top) {
  static const std::string t = "betaGroups";
  Members attrs, rels;
  attr(attrs, t, "name", str(r.name));
  attr(attrs, t, "createdDate", str(util::format_rfc3339(r.created_date)));
  attr(attrs, t, "isInternalGroup", boolean(r.is_internal));
  attr(attrs, t, "hasAccessToAllBuilds", boolean(r.has_access_to_all_builds));
  attr(attrs, t, "publicLinkEnabled", boolean(r.public_link_enabled));
  if (r.public_link_enabled && !r.public_link_id.empty()) {
    attr(attrs, t, "publicLinkId", str(r.public_link_id));
    attr(attrs, t, "publicLink", str("https://testflight.apple.com/join/" + r.public_link_id));
  }
  attr(attrs, t, "publicLinkLimitEnabled", boolean(r.public_link_limit_enabled));
  if (r.has_public_link_limit) attr(attrs, t, "publicLinkLimit", std::to_string(r.public_link_limit));
  attr(attrs, t, "feedbackEnabled", boolean(r.feedback_enabled));
  attr(attrs, t, "iosBuildsAvailableForAppleSiliconMac",
       boolean(r.ios_builds_available_for_apple_silicon_mac));
  attr(attrs, t, "iosBuildsAvailableForAppleVision", boolean(r.ios_builds_available_for_apple_vision));
  to_one(rels, t, r.id, "app", "apps", r.app_id, top,
         [&](std::string& o, const std::string& aid) { app_impl(o, m_state.apps.at(aid), false); });
  to_many(
      rels, t, r.id, "builds", "builds", top, [] { return Linkage{}; }, k_no_render);
  to_many(
      rels, t, r.id, "betaTesters", "betaTesters", top,
      [&] {
        // Only the capped prefix is needed; copying 100,000 ids per group would be wasteful.
        const size_t cap = static_cast<size_t>(m_query.include_limit("betaTesters"));
        Linkage l{{}, r.testers.size()};
        for (auto it = r.testers.begin(); it != r.testers.end() && l.ids.size() < cap; ++it)
          l.ids.push_back(*it);
        return l;
      },
      [&](std::string& o, const std::string& tid) { tester_impl(o, m_state.testers.at(tid), false); });
  write_resource(out, t, r.id, attrs, rels);
}

void Renderer::tester_impl(std::string& out, const TesterRec& r, bool top) {
  static const std::string t = "betaTesters";
  Members attrs, rels;
  attr(attrs, t, "firstName", str(r.first_name));
  attr(attrs, t, "lastName", str(r.last_name));
  attr(attrs, t, "email", str(r.email));
  attr(attrs, t, "inviteType", str(r.invite_type));
  attr(attrs, t, "state", str(r.state));
  to_many(
      rels, t, r.id, "apps", "apps", top,
      [&] {
        auto ids = m_state.tester_apps(r);
        const size_t n = ids.size();
        return Linkage{std::move(ids), n};
      },
      [&](std::string& o, const std::string& aid) { app_impl(o, m_state.apps.at(aid), false); });
  to_many(
      rels, t, r.id, "betaGroups", "betaGroups", top,
      [&] {
        return Linkage{{r.groups.begin(), r.groups.end()}, r.groups.size()};
      },
      [&](std::string& o, const std::string& gid) { group_impl(o, m_state.groups.at(gid), false); });
  to_many(
      rels, t, r.id, "builds", "builds", top, [] { return Linkage{}; }, k_no_render);
  write_resource(out, t, r.id, attrs, rels);
}

void Renderer::certificate_impl(std::string& out, const CertificateRec& r) {
  static const std::string t = "certificates";
  Members attrs, rels;
  attr(attrs, t, "name", str(r.name));
  attr(attrs, t, "certificateType", str(r.certificate_type));
  attr(attrs, t, "displayName", str(r.display_name));
  attr(attrs, t, "serialNumber", str(r.serial_number));
  if (!r.platform.empty()) attr(attrs, t, "platform", str(r.platform));
  attr(attrs, t, "expirationDate", str(util::format_rfc3339(r.expiration_date)));
  attr(attrs, t, "certificateContent", str(r.content_base64));
  attr(attrs, t, "activated", boolean(r.activated));
  write_resource(out, t, r.id, attrs, rels);
}

void Renderer::profile_impl(std::string& out, const ProfileRec& r, bool top) {
  static const std::string t = "profiles";
  Members attrs, rels;
  attr(attrs, t, "name", str(r.name));
  attr(attrs, t, "platform", str(r.platform));
  attr(attrs, t, "profileType", str(r.profile_type));
  attr(attrs, t, "profileState", str(r.profile_state));
  attr(attrs, t, "profileContent", str(r.profile_content));
  attr(attrs, t, "uuid", str(r.uuid));
  attr(attrs, t, "createdDate", str(util::format_rfc3339(r.created_date)));
  attr(attrs, t, "expirationDate", str(util::format_rfc3339(r.expiration_date)));
  to_one(
      rels, t, r.id, "bundleId", "bundleIds", r.bundle_id_id, top,
      [&](std::string& o, const std::string& bid) { bundle_id_impl(o, m_state.bundle_ids.at(bid), false); });
  to_many(
      rels, t, r.id, "certificates", "certificates", top,
      [&] {
        Linkage l;
        for (const auto& c : r.certificates)
          if (m_state.certificates.contains(c)) l.ids.push_back(c);
        l.total = l.ids.size();
        return l;
      },
      [&](std::string& o, const std::string& cid) { certificate_impl(o, m_state.certificates.at(cid)); });
  to_many(
      rels, t, r.id, "devices", "devices", top,
      [&] {
        return Linkage{{r.devices.begin(), r.devices.end()}, r.devices.size()};
      },
      [&](std::string& o, const std::string& did) { device_impl(o, m_state.devices.at(did)); });
  write_resource(out, t, r.id, attrs, rels);
}

void Renderer::bundle_id_impl(std::string& out, const BundleIdRec& r, bool top) {
  static const std::string t = "bundleIds";
  Members attrs, rels;
  attr(attrs, t, "name", str(r.name));
  attr(attrs, t, "platform", str(r.platform));
  attr(attrs, t, "identifier", str(r.identifier));
  attr(attrs, t, "seedId", str(r.seed_id));
  to_many(
      rels, t, r.id, "profiles", "profiles", top,
      [&] {
        Linkage l;
        for (const auto& [pid, p] : m_state.profiles)
          if (p.bundle_id_id == r.id) l.ids.push_back(pid);
        l.total = l.ids.size();
        return l;
      },
      [&](std::string& o, const std::string& pid) { profile_impl(o, m_state.profiles.at(pid), false); });
  to_many(
      rels, t, r.id, "bundleIdCapabilities", "bundleIdCapabilities", top, [] { return Linkage{}; },
      k_no_render);
  std::string app_id;
  for (const auto& [aid, a] : m_state.apps)
    if (a.bundle_id == r.identifier) app_id = aid;
  to_one(rels, t, r.id, "app", "apps", app_id, top,
         [&](std::string& o, const std::string& aid) { app_impl(o, m_state.apps.at(aid), false); });
  write_resource(out, t, r.id, attrs, rels);
}

void Renderer::device_impl(std::string& out, const DeviceRec& r) {
  static const std::string t = "devices";
  Members attrs, rels;
  attr(attrs, t, "name", str(r.name));
  attr(attrs, t, "platform", str(r.platform));
  attr(attrs, t, "udid", str(r.udid));
  attr(attrs, t, "deviceClass", str(r.device_class));
  attr(attrs, t, "status", str(r.status));
  if (!r.model.empty()) attr(attrs, t, "model", str(r.model));
  attr(attrs, t, "addedDate", str(util::format_rfc3339(r.added_date)));
  write_resource(out, t, r.id, attrs, rels);
}

}  // namespace sim
