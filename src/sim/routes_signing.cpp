// Signing: certificates (issued by the simulator's CA), profiles, bundle ids, devices (§4).
#include <algorithm>

#include "core/model.hpp"
#include "sim/engine.hpp"
#include "sim/profile_content.hpp"
#include "sim/state_check.hpp"
#include "util/crypto.hpp"
#include "util/strings.hpp"
#include "util/time.hpp"

namespace sim {

namespace {

ApiError internal_server_error(const std::string& why) {
  return {500,
          "UNEXPECTED_ERROR",
          "An unexpected error occurred.",
          "An unexpected error occurred on the server side (" + why + ").",
          "",
          ""};
}

QuerySpec certificates_spec(bool collection) {
  QuerySpec s;
  s.collection = collection;
  if (collection) {
    s.filters = {{"displayName", {}},
                 {"certificateType", core::k_certificate_types},
                 {"serialNumber", {}},
                 {"id", {}}};
    s.sorts = {"displayName", "certificateType", "serialNumber", "id"};
  }
  s.fields = {"certificates"};
  return s;
}

QuerySpec profiles_spec(bool collection) {
  QuerySpec s;
  s.collection = collection;
  if (collection) {
    s.filters = {
        {"name", {}}, {"profileType", k_profile_types}, {"profileState", {"ACTIVE", "INVALID"}}, {"id", {}}};
    s.sorts = {"name", "profileType", "profileState", "id"};
  }
  s.fields = {"profiles", "bundleIds", "devices", "certificates"};
  s.includes = {"bundleId", "devices", "certificates"};
  s.include_limits = {{"certificates", 50}, {"devices", 50}};
  return s;
}

QuerySpec bundle_ids_spec(bool collection) {
  QuerySpec s;
  s.collection = collection;
  if (collection) {
    s.filters = {{"name", {}}, {"platform", k_platforms}, {"identifier", {}}, {"seedId", {}}, {"id", {}}};
    s.sorts = {"name", "platform", "identifier", "seedId", "id"};
  }
  s.fields = {"bundleIds", "profiles", "bundleIdCapabilities", "apps"};
  s.includes = {"profiles", "bundleIdCapabilities", "app"};
  s.include_limits = {{"bundleIdCapabilities", 50}, {"profiles", 50}};
  return s;
}

QuerySpec devices_spec(bool collection) {
  QuerySpec s;
  s.collection = collection;
  if (collection) {
    s.filters = {{"name", {}},
                 {"platform", k_platforms},
                 {"udid", {}},
                 {"status", {"ENABLED", "DISABLED"}},
                 {"id", {}}};
    s.sorts = {"name", "platform", "udid", "status", "id"};
  }
  s.fields = {"devices"};
  return s;
}

// --- certificates ------------------------------------------------------------------------

Reply list_certificates(Engine& e, Call& c) {
  const auto& q = c.query;
  auto keep = [&](const CertificateRec& r) {
    return filter_allows(q, "displayName", r.display_name) &&
           filter_allows(q, "certificateType", r.certificate_type) &&
           filter_allows(q, "serialNumber", r.serial_number) && filter_allows(q, "id", r.id);
  };
  auto key = [&](const CertificateRec& r) -> std::string {
    if (q.sort == "displayName") return r.display_name;
    if (q.sort == "certificateType") return r.certificate_type;
    if (q.sort == "serialNumber") return r.serial_number;
    return r.id;
  };
  auto page = page_map<CertificateRec>(e.state.certificates, q, !q.filters.empty(), keep, key);
  Renderer r(e.state, q, c.base_url);
  return collection_reply(c, r, page, [&](const CertificateRec& rec) { return r.certificate(rec); });
}

Reply get_certificate(Engine& e, Call& c) {
  auto it = e.state.certificates.find(c.arg());
  if (it == e.state.certificates.end()) return error_reply(not_found("certificates", c.arg()));
  Renderer r(e.state, c.query, c.base_url);
  return single_reply(c, r, r.certificate(it->second));
}

Reply create_certificate(Engine& e, Call& c) {
  DocSpec spec;
  spec.type = "certificates";
  spec.attributes_required = true;
  spec.attributes = {{"csrContent", {AttrType::string, true, {}}},
                     {"certificateType", {AttrType::string, true, core::k_certificate_types}}};
  spec.relationships = {{"merchantId", {RelKind::to_one, "merchantIds", false}}};
  auto parsed = parse_document(c.req.body, spec);
  if (auto* errs = std::get_if<std::vector<ApiError>>(&parsed)) return error_reply(*errs);
  const auto& doc = std::get<RequestDoc>(parsed);
  const std::string type = doc.attributes["certificateType"].get<std::string>();
  const auto now = e.now();
  // The whole handler runs under the state lock: a request being issued holds its slot until it
  // is stored, so two concurrent requests cannot both take the last one.
  if (auto refusal = e.slot_refusal(type)) return error_reply(*refusal);
  auto issued =
      e.ca.issue(doc.attributes["csrContent"].get<std::string>(), type, now, e.options.certificate_validity);
  if (!issued) {
    const auto& err = issued.error();
    return error_reply(ApiError{err.http_status > 0 ? err.http_status : 409,
                                err.code.empty() ? "ENTITY_ERROR.ATTRIBUTE.INVALID" : err.code,
                                err.title.empty() ? "An attribute value is invalid." : err.title,
                                err.detail.empty() ? err.message : err.detail, "/data/attributes/csrContent",
                                ""});
  }
  const std::string id = e.store_certificate(*issued, type);
  Renderer r(e.state, c.query, c.base_url);
  return single_reply(c, r, r.certificate(e.state.certificates.at(id)), 201);
}

Reply patch_certificate(Engine& e, Call& c) {
  auto it = e.state.certificates.find(c.arg());
  if (it == e.state.certificates.end()) return error_reply(not_found("certificates", c.arg()));
  DocSpec spec;
  spec.type = "certificates";
  spec.id_required = true;
  spec.attributes = {{"activated", {AttrType::boolean}}};
  auto parsed = parse_document(c.req.body, spec, c.arg());
  if (auto* errs = std::get_if<std::vector<ApiError>>(&parsed)) return error_reply(*errs);
  const auto& doc = std::get<RequestDoc>(parsed);
  if (doc.attributes.contains("activated")) it->second.activated = doc.attributes["activated"].get<bool>();
  Renderer r(e.state, c.query, c.base_url);
  return single_reply(c, r, r.certificate(it->second));
}

// Revokes: the certificate disappears and profiles signed with it become INVALID.
Reply delete_certificate(Engine& e, Call& c) {
  if (!e.state.certificates.contains(c.arg())) return error_reply(not_found("certificates", c.arg()));
  e.revoke_certificate(c.arg());
  return no_content();
}

// --- profiles ----------------------------------------------------------------------------

Reply list_profiles(Engine& e, Call& c) {
  const auto& q = c.query;
  auto keep = [&](const ProfileRec& p) {
    return filter_allows(q, "name", p.name) && filter_allows(q, "profileType", p.profile_type) &&
           filter_allows(q, "profileState", p.profile_state) && filter_allows(q, "id", p.id);
  };
  auto key = [&](const ProfileRec& p) -> std::string {
    if (q.sort == "name") return p.name;
    if (q.sort == "profileType") return p.profile_type;
    if (q.sort == "profileState") return p.profile_state;
    return p.id;
  };
  auto page = page_map<ProfileRec>(e.state.profiles, q, !q.filters.empty(), keep, key);
  Renderer r(e.state, q, c.base_url);
  return collection_reply(c, r, page, [&](const ProfileRec& p) { return r.profile(p); });
}

Reply get_profile(Engine& e, Call& c) {
  auto it = e.state.profiles.find(c.arg());
  if (it == e.state.profiles.end()) return error_reply(not_found("profiles", c.arg()));
  Renderer r(e.state, c.query, c.base_url);
  return single_reply(c, r, r.profile(it->second));
}

std::string profile_platform(const std::string& type) {
  if (util::starts_with(type, "MAC_")) return "MAC_OS";
  return "IOS";
}

// Certificate types a profile type can be signed with: development profiles take development
// certificates, App Store / ad hoc / in-house ones distribution certificates, Developer ID
// ("DIRECT") ones Developer ID Application certificates.
bool certificate_fits_profile(const std::string& certificate_type, const std::string& profile_type) {
  static const std::vector<std::string> k_development = {"IOS_DEVELOPMENT", "DEVELOPMENT",
                                                         "MAC_APP_DEVELOPMENT"};
  static const std::vector<std::string> k_distribution = {"IOS_DISTRIBUTION", "DISTRIBUTION",
                                                          "MAC_APP_DISTRIBUTION"};
  static const std::vector<std::string> k_direct = {"DEVELOPER_ID_APPLICATION",
                                                    "DEVELOPER_ID_APPLICATION_G2"};
  const auto& allowed = profile_is_development(profile_type) ? k_development
                        : profile_type.ends_with("_DIRECT")  ? k_direct
                                                             : k_distribution;
  return std::find(allowed.begin(), allowed.end(), certificate_type) != allowed.end();
}

Reply create_profile(Engine& e, Call& c) {
  DocSpec spec;
  spec.type = "profiles";
  spec.attributes_required = true;
  spec.attributes = {{"name", {AttrType::string, true, {}}},
                     {"profileType", {AttrType::string, true, k_profile_types}}};
  spec.relationships = {{"bundleId", {RelKind::to_one, "bundleIds", true}},
                        {"certificates", {RelKind::to_many, "certificates", true}},
                        {"devices", {RelKind::to_many, "devices", false}}};
  auto parsed = parse_document(c.req.body, spec);
  if (auto* errs = std::get_if<std::vector<ApiError>>(&parsed)) return error_reply(*errs);
  const auto& doc = std::get<RequestDoc>(parsed);
  const std::string name = doc.attributes["name"].get<std::string>();
  const std::string type = doc.attributes["profileType"].get<std::string>();
  // Profile names are unique per team, whatever their type or state.
  for (const auto& [id, p] : e.state.profiles)
    if (p.name == name)
      return error_reply(duplicate_error("/data/attributes/name",
                                         "Multiple profiles found with the name '" + name +
                                             "'. Please remove the duplicate profiles and try again."));
  const std::string bundle = doc.relationships.at("bundleId").front();
  if (!e.state.bundle_ids.contains(bundle))
    return error_reply(
        relationship_invalid("/data/relationships/bundleId/data",
                             "There is no resource of type 'bundleIds' with id '" + bundle + "'"));
  const auto& certs = doc.relationships.at("certificates");
  if (certs.empty())
    return error_reply(relationship_invalid("/data/relationships/certificates/data",
                                            "A profile needs at least one certificate."));
  const auto now = e.now();
  util::TimePoint expires =
      std::chrono::time_point_cast<std::chrono::seconds>(now) + std::chrono::hours(24 * 365);
  for (size_t i = 0; i < certs.size(); ++i) {
    const std::string pointer = "/data/relationships/certificates/data/" + std::to_string(i);
    auto cert = e.state.certificates.find(certs[i]);
    if (cert == e.state.certificates.end())
      return error_reply(relationship_invalid(
          pointer, "There is no resource of type 'certificates' with id '" + certs[i] + "'"));
    if (cert->second.expiration_date <= now)
      return error_reply(relationship_invalid(pointer, "The certificate '" + certs[i] + "' has expired."));
    if (!certificate_fits_profile(cert->second.certificate_type, type))
      return error_reply(relationship_invalid(
          pointer,
          "A " + cert->second.certificate_type + " certificate cannot sign a " + type + " profile."));
    expires = std::min(expires, cert->second.expiration_date);
  }
  std::vector<std::string> devices;
  if (doc.has_relationship("devices")) devices = doc.relationships.at("devices");
  if (profile_takes_devices(type) && devices.empty())
    return error_reply(ApiError{409, "ENTITY_ERROR.RELATIONSHIP.REQUIRED", "Relationship is required",
                                "Development and ad hoc profiles need at least one device.",
                                "/data/relationships/devices", ""});
  if (!profile_takes_devices(type) && !devices.empty())
    return error_reply(
        ApiError{409, "ENTITY_ERROR.RELATIONSHIP.NOT_ALLOWED",
                 "A relationship in the provided entity is not allowed for this request",
                 type.ends_with("_STORE")
                     ? "No devices can be associated to Provisioning Profiles for the App Store."
                     : "No devices can be associated to Provisioning Profiles of type " + type + ".",
                 "/data/relationships/devices", ""});
  for (size_t i = 0; i < devices.size(); ++i)
    if (!e.state.devices.contains(devices[i]))
      return error_reply(
          relationship_invalid("/data/relationships/devices/data/" + std::to_string(i),
                               "There is no resource of type 'devices' with id '" + devices[i] + "'"));
  ProfileRec p;
  p.id = e.state.new_short_id();
  p.name = name;
  p.profile_type = type;
  p.platform = profile_platform(p.profile_type);
  p.uuid = e.state.new_uuid();
  p.created_date = std::chrono::time_point_cast<std::chrono::seconds>(now);
  p.expiration_date = expires;
  p.bundle_id_id = bundle;
  p.certificates = {certs.begin(), certs.end()};
  p.devices = {devices.begin(), devices.end()};
  auto content = e.make_profile_content(p);
  if (!content) return error_reply(internal_server_error(content.error().describe()));
  p.profile_content = std::move(*content);
  const std::string id = p.id;
  e.state.profiles[id] = std::move(p);
  Renderer r(e.state, c.query, c.base_url);
  return single_reply(c, r, r.profile(e.state.profiles.at(id)), 201);
}

Reply delete_profile(Engine& e, Call& c) {
  if (!e.state.profiles.contains(c.arg())) return error_reply(not_found("profiles", c.arg()));
  e.state.profiles.erase(c.arg());
  return no_content();
}

Reply profile_certificates(Engine& e, Call& c) {
  auto it = e.state.profiles.find(c.arg());
  if (it == e.state.profiles.end()) return error_reply(not_found("profiles", c.arg()));
  auto page = page_ids<CertificateRec>(
      e.state.certificates, {it->second.certificates.begin(), it->second.certificates.end()}, c.query);
  Renderer r(e.state, c.query, c.base_url);
  return collection_reply(c, r, page, [&](const CertificateRec& rec) { return r.certificate(rec); });
}

Reply profile_devices(Engine& e, Call& c) {
  auto it = e.state.profiles.find(c.arg());
  if (it == e.state.profiles.end()) return error_reply(not_found("profiles", c.arg()));
  auto page =
      page_ids<DeviceRec>(e.state.devices, {it->second.devices.begin(), it->second.devices.end()}, c.query);
  Renderer r(e.state, c.query, c.base_url);
  return collection_reply(c, r, page, [&](const DeviceRec& d) { return r.device(d); });
}

Reply profile_bundle_id(Engine& e, Call& c) {
  auto it = e.state.profiles.find(c.arg());
  if (it == e.state.profiles.end()) return error_reply(not_found("profiles", c.arg()));
  auto b = e.state.bundle_ids.find(it->second.bundle_id_id);
  if (b == e.state.bundle_ids.end()) return error_reply(not_found("bundleIds", it->second.bundle_id_id));
  Renderer r(e.state, c.query, c.base_url);
  nlohmann::json doc = {{"data", r.bundle_id(b->second)}, {"links", {{"self", self_url(c)}}}};
  return json_reply(200, doc);
}

// --- bundle ids --------------------------------------------------------------------------

Reply list_bundle_ids(Engine& e, Call& c) {
  const auto& q = c.query;
  auto keep = [&](const BundleIdRec& b) {
    return filter_allows(q, "name", b.name) && filter_allows(q, "platform", b.platform) &&
           filter_allows(q, "identifier", b.identifier) && filter_allows(q, "seedId", b.seed_id) &&
           filter_allows(q, "id", b.id);
  };
  auto key = [&](const BundleIdRec& b) -> std::string {
    if (q.sort == "name") return b.name;
    if (q.sort == "platform") return b.platform;
    if (q.sort == "identifier") return b.identifier;
    if (q.sort == "seedId") return b.seed_id;
    return b.id;
  };
  auto page = page_map<BundleIdRec>(e.state.bundle_ids, q, !q.filters.empty(), keep, key);
  Renderer r(e.state, q, c.base_url);
  return collection_reply(c, r, page, [&](const BundleIdRec& b) { return r.bundle_id(b); });
}

Reply get_bundle_id(Engine& e, Call& c) {
  auto it = e.state.bundle_ids.find(c.arg());
  if (it == e.state.bundle_ids.end()) return error_reply(not_found("bundleIds", c.arg()));
  Renderer r(e.state, c.query, c.base_url);
  return single_reply(c, r, r.bundle_id(it->second));
}

Reply create_bundle_id(Engine& e, Call& c) {
  DocSpec spec;
  spec.type = "bundleIds";
  spec.attributes_required = true;
  spec.attributes = {{"name", {AttrType::string, true, {}}},
                     {"platform", {AttrType::string, true, k_platforms}},
                     {"identifier", {AttrType::string, true, {}}},
                     {"seedId", {AttrType::string}}};
  auto parsed = parse_document(c.req.body, spec);
  if (auto* errs = std::get_if<std::vector<ApiError>>(&parsed)) return error_reply(*errs);
  const auto& doc = std::get<RequestDoc>(parsed);
  const std::string identifier = doc.attributes["identifier"].get<std::string>();
  for (const auto& [id, b] : e.state.bundle_ids)
    if (util::iequals(b.identifier, identifier))
      return error_reply(duplicate_error("/data/attributes/identifier",
                                         "An App ID with Identifier '" + identifier + "' is not available."));
  BundleIdRec b;
  b.id = e.state.new_short_id();
  b.name = doc.attributes["name"].get<std::string>();
  b.platform = doc.attributes["platform"].get<std::string>();
  b.identifier = identifier;
  b.seed_id =
      doc.attributes.contains("seedId") ? doc.attributes["seedId"].get<std::string>() : e.ca.team_id();
  const std::string id = b.id;
  e.state.bundle_ids[id] = std::move(b);
  Renderer r(e.state, c.query, c.base_url);
  return single_reply(c, r, r.bundle_id(e.state.bundle_ids.at(id)), 201);
}

Reply patch_bundle_id(Engine& e, Call& c) {
  auto it = e.state.bundle_ids.find(c.arg());
  if (it == e.state.bundle_ids.end()) return error_reply(not_found("bundleIds", c.arg()));
  DocSpec spec;
  spec.type = "bundleIds";
  spec.id_required = true;
  spec.attributes = {{"name", {AttrType::string}}};
  auto parsed = parse_document(c.req.body, spec, c.arg());
  if (auto* errs = std::get_if<std::vector<ApiError>>(&parsed)) return error_reply(*errs);
  const auto& doc = std::get<RequestDoc>(parsed);
  if (doc.attributes.contains("name")) it->second.name = doc.attributes["name"].get<std::string>();
  Renderer r(e.state, c.query, c.base_url);
  return single_reply(c, r, r.bundle_id(it->second));
}

Reply delete_bundle_id(Engine& e, Call& c) {
  if (!e.state.bundle_ids.contains(c.arg())) return error_reply(not_found("bundleIds", c.arg()));
  for (const auto& [id, p] : e.state.profiles)
    if (p.bundle_id_id == c.arg())
      return error_reply(
          state_error("The bundle id is used by the profile '" + p.name + "'; delete it first."));
  e.state.bundle_ids.erase(c.arg());
  return no_content();
}

// --- devices -----------------------------------------------------------------------------

Reply list_devices(Engine& e, Call& c) {
  const auto& q = c.query;
  auto keep = [&](const DeviceRec& d) {
    return filter_allows(q, "name", d.name) && filter_allows(q, "platform", d.platform) &&
           filter_allows(q, "udid", d.udid) && filter_allows(q, "status", d.status) &&
           filter_allows(q, "id", d.id);
  };
  auto key = [&](const DeviceRec& d) -> std::string {
    if (q.sort == "name") return d.name;
    if (q.sort == "platform") return d.platform;
    if (q.sort == "udid") return d.udid;
    if (q.sort == "status") return d.status;
    return d.id;
  };
  auto page = page_map<DeviceRec>(e.state.devices, q, !q.filters.empty(), keep, key);
  Renderer r(e.state, q, c.base_url);
  return collection_reply(c, r, page, [&](const DeviceRec& d) { return r.device(d); });
}

Reply get_device(Engine& e, Call& c) {
  auto it = e.state.devices.find(c.arg());
  if (it == e.state.devices.end()) return error_reply(not_found("devices", c.arg()));
  Renderer r(e.state, c.query, c.base_url);
  return single_reply(c, r, r.device(it->second));
}

Reply create_device(Engine& e, Call& c) {
  DocSpec spec;
  spec.type = "devices";
  spec.attributes_required = true;
  spec.attributes = {{"name", {AttrType::string, true, {}}},
                     {"platform", {AttrType::string, true, k_platforms}},
                     {"udid", {AttrType::string, true, {}}}};
  auto parsed = parse_document(c.req.body, spec);
  if (auto* errs = std::get_if<std::vector<ApiError>>(&parsed)) return error_reply(*errs);
  const auto& doc = std::get<RequestDoc>(parsed);
  const std::string udid = doc.attributes["udid"].get<std::string>();
  for (const auto& [id, d] : e.state.devices)
    if (util::iequals(d.udid, udid))
      return error_reply(duplicate_error("/data/attributes/udid",
                                         "A device with number '" + udid + "' already exists on this team."));
  DeviceRec d;
  d.id = e.state.new_short_id();
  d.name = doc.attributes["name"].get<std::string>();
  d.platform = doc.attributes["platform"].get<std::string>();
  d.udid = udid;
  d.device_class = d.platform == "MAC_OS" ? "MAC" : "IPHONE";
  d.added_date = e.now();
  const std::string id = d.id;
  e.state.devices[id] = std::move(d);
  Renderer r(e.state, c.query, c.base_url);
  return single_reply(c, r, r.device(e.state.devices.at(id)), 201);
}

Reply patch_device(Engine& e, Call& c) {
  auto it = e.state.devices.find(c.arg());
  if (it == e.state.devices.end()) return error_reply(not_found("devices", c.arg()));
  DocSpec spec;
  spec.type = "devices";
  spec.id_required = true;
  spec.attributes = {{"name", {AttrType::string}},
                     {"status", {AttrType::string, false, {"ENABLED", "DISABLED"}}}};
  auto parsed = parse_document(c.req.body, spec, c.arg());
  if (auto* errs = std::get_if<std::vector<ApiError>>(&parsed)) return error_reply(*errs);
  const auto& doc = std::get<RequestDoc>(parsed);
  if (doc.attributes.contains("name")) it->second.name = doc.attributes["name"].get<std::string>();
  if (doc.attributes.contains("status")) it->second.status = doc.attributes["status"].get<std::string>();
  Renderer r(e.state, c.query, c.base_url);
  return single_reply(c, r, r.device(it->second));
}

}  // namespace

void add_signing_routes(std::vector<Route>& routes) {
  const Access a = Access::signing;
  routes.push_back({"GET", "/v1/certificates", a, certificates_spec(true), list_certificates});
  routes.push_back({"POST", "/v1/certificates", a, {}, create_certificate});
  routes.push_back({"GET", "/v1/certificates/{id}", a, certificates_spec(false), get_certificate});
  routes.push_back({"PATCH", "/v1/certificates/{id}", a, {}, patch_certificate});
  routes.push_back({"DELETE", "/v1/certificates/{id}", a, {}, delete_certificate});

  routes.push_back({"GET", "/v1/profiles", a, profiles_spec(true), list_profiles});
  routes.push_back({"POST", "/v1/profiles", a, {}, create_profile});
  routes.push_back({"GET", "/v1/profiles/{id}", a, profiles_spec(false), get_profile});
  routes.push_back({"DELETE", "/v1/profiles/{id}", a, {}, delete_profile});
  routes.push_back(
      {"GET", "/v1/profiles/{id}/certificates", a, related("certificates"), profile_certificates});
  routes.push_back({"GET", "/v1/profiles/{id}/devices", a, related("devices"), profile_devices});
  QuerySpec bundle_related;
  bundle_related.fields = {"bundleIds"};
  routes.push_back({"GET", "/v1/profiles/{id}/bundleId", a, bundle_related, profile_bundle_id});

  routes.push_back({"GET", "/v1/bundleIds", a, bundle_ids_spec(true), list_bundle_ids});
  routes.push_back({"POST", "/v1/bundleIds", a, {}, create_bundle_id});
  routes.push_back({"GET", "/v1/bundleIds/{id}", a, bundle_ids_spec(false), get_bundle_id});
  routes.push_back({"PATCH", "/v1/bundleIds/{id}", a, {}, patch_bundle_id});
  routes.push_back({"DELETE", "/v1/bundleIds/{id}", a, {}, delete_bundle_id});

  routes.push_back({"GET", "/v1/devices", a, devices_spec(true), list_devices});
  routes.push_back({"POST", "/v1/devices", a, {}, create_device});
  routes.push_back({"GET", "/v1/devices/{id}", a, devices_spec(false), get_device});
  routes.push_back({"PATCH", "/v1/devices/{id}", a, {}, patch_device});
}

}  // namespace sim
