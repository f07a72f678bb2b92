#include <algorithm>

#include "asc/api.hpp"
#include "asc/decode.hpp"
#include "util/crypto.hpp"
#include "util/strings.hpp"

namespace asc {

namespace {

Json linkages(const char* type, const std::vector<std::string>& ids) {
  Json data = Json::array();
  for (const auto& id : ids) data.push_back({{"type", type}, {"id", id}});
  return data;
}

std::vector<std::string> sorted_unique(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

std::string instance_path(const std::string& collection, const std::string& id,
                          const std::string& rest = "") {
  return "/v1/" + collection + "/" + util::url_encode(id) + rest;
}

Request write(std::string method, std::string route, std::string path, Json body,
              Replay replay = Replay::never) {
  Request r;
  r.method = std::move(method);
  r.route = std::move(route);
  r.path_and_query = std::move(path);
  r.body = std::move(body);
  r.replay = replay;
  return r;
}

// The `data` resource of a 200/201 document, decoded.
template <typename T>
util::Result<T> decode_single(const util::Result<Response>& response,
                              util::Result<T> (*decode)(const Json&, DecodeMode)) {
  if (!response) return response.error();
  if (auto ok = check_single(response->body); !ok) return ok.error();
  return decode(response->body.at("data"), DecodeMode::write_response);
}

util::Status status_of(util::Result<Response> response) {
  if (!response) return std::move(response).error();
  return util::ok_status();
}

// True when the (already decoded) response carries the relationship's linkage.
bool has_linkage(const util::Result<Response>& response, const char* relationship) {
  if (!response || !response->body.is_object()) return false;
  const auto data = response->body.find("data");
  if (data == response->body.end() || !data->is_object()) return false;
  const auto rels = data->find("relationships");
  if (rels == data->end() || !rels->is_object()) return false;
  const auto rel = rels->find(relationship);
  return rel != rels->end() && rel->is_object() && rel->contains("data") && rel->at("data").is_array();
}

}  // namespace

util::Result<core::Invitation> Api::create_user_invitation(const std::string& email,
                                                           const std::string& first_name,
                                                           const std::string& last_name,
                                                           const std::vector<std::string>& roles,
                                                           bool all_apps_visible, bool provisioning_allowed,
                                                           const std::vector<std::string>& visible_app_ids) {
  Json data = {{"type", "userInvitations"},
               {"attributes",
                {{"email", email},
                 {"firstName", first_name},
                 {"lastName", last_name},
                 {"roles", roles},
                 {"allAppsVisible", all_apps_visible},
                 {"provisioningAllowed", provisioning_allowed}}}};
  if (!all_apps_visible && !visible_app_ids.empty())
    data["relationships"] = {{"visibleApps", {{"data", linkages("apps", visible_app_ids)}}}};
  auto response =
      m_client->send(write("POST", "POST /v1/userInvitations", "/v1/userInvitations", {{"data", data}}));
  auto inv = decode_single(response, decode_invitation);
  // Apple answers a create without included linkages; what we asked for is what was stored.
  if (inv && !has_linkage(response, "visibleApps") && !all_apps_visible)
    inv->visible_app_ids = sorted_unique(visible_app_ids);
  return inv;
}

util::Status Api::delete_user_invitation(const std::string& id) {
  return status_of(m_client->send(
      write("DELETE", "DELETE /v1/userInvitations/{id}", instance_path("userInvitations", id), nullptr)));
}

util::Result<core::User> Api::update_user(const std::string& id, const std::vector<std::string>& roles,
                                          bool all_apps_visible, bool provisioning_allowed,
                                          const std::vector<std::string>& visible_app_ids) {
  Json data = {{"type", "users"},
               {"id", id},
               {"attributes",
                {{"roles", roles},
                 {"allAppsVisible", all_apps_visible},
                 {"provisioningAllowed", provisioning_allowed}}}};
  if (!all_apps_visible)
    data["relationships"] = {{"visibleApps", {{"data", linkages("apps", visible_app_ids)}}}};
  auto response =
      m_client->send(write("PATCH", "PATCH /v1/users/{id}", instance_path("users", id), {{"data", data}}));
  auto user = decode_single(response, decode_user);
  if (user && !has_linkage(response, "visibleApps") && !all_apps_visible)
    user->visible_app_ids = sorted_unique(visible_app_ids);
  return user;
}

util::Status Api::delete_user(const std::string& id) {
  return status_of(
      m_client->send(write("DELETE", "DELETE /v1/users/{id}", instance_path("users", id), nullptr)));
}

util::Result<core::BetaGroup> Api::create_beta_group(const std::string& app_id, const std::string& name,
                                                     bool is_internal, bool has_access_to_all_builds,
                                                     bool public_link_enabled,
                                                     std::optional<int> public_link_limit,
                                                     bool feedback_enabled) {
  Json attributes = {{"name", name},
                     {"isInternalGroup", is_internal},
                     {"hasAccessToAllBuilds", has_access_to_all_builds},
                     {"feedbackEnabled", feedback_enabled}};
  // Internal groups have no public link; Apple rejects the attributes there.
  if (!is_internal) {
    attributes["publicLinkEnabled"] = public_link_enabled;
    attributes["publicLinkLimitEnabled"] = public_link_limit.has_value();
    if (public_link_limit) attributes["publicLinkLimit"] = *public_link_limit;
  }
  const Json body = {{"data",
                      {{"type", "betaGroups"},
                       {"attributes", attributes},
                       {"relationships", {{"app", {{"data", {{"type", "apps"}, {"id", app_id}}}}}}}}}};
  auto group = decode_single(m_client->send(write("POST", "POST /v1/betaGroups", "/v1/betaGroups", body)),
                             decode_beta_group);
  if (group && group->app_id.empty()) group->app_id = app_id;
  return group;
}

util::Result<core::BetaGroup> Api::update_beta_group(const core::BetaGroup& current, const std::string& name,
                                                     bool public_link_enabled,
                                                     std::optional<int> public_link_limit,
                                                     bool feedback_enabled) {
  Json attributes = {{"name", name}, {"feedbackEnabled", feedback_enabled}};
  if (!current.is_internal) {
    attributes["publicLinkEnabled"] = public_link_enabled;
    attributes["publicLinkLimitEnabled"] = public_link_limit.has_value();
    if (public_link_limit) attributes["publicLinkLimit"] = *public_link_limit;
  }
  const Json body = {{"data", {{"type", "betaGroups"}, {"id", current.id}, {"attributes", attributes}}}};
  auto group = decode_single(m_client->send(write("PATCH", "PATCH /v1/betaGroups/{id}",
                                                  instance_path("betaGroups", current.id), body)),
                             decode_beta_group);
  if (group && group->app_id.empty()) group->app_id = current.app_id;
  return group;
}

util::Status Api::delete_beta_group(const std::string& id) {
  return status_of(m_client->send(
      write("DELETE", "DELETE /v1/betaGroups/{id}", instance_path("betaGroups", id), nullptr)));
}

util::Result<core::BetaTester> Api::create_beta_tester(const std::string& email,
                                                       const std::string& first_name,
                                                       const std::string& last_name,
                                                       const std::vector<std::string>& group_ids) {
  Json data = {{"type", "betaTesters"},
               {"attributes", {{"email", email}, {"firstName", first_name}, {"lastName", last_name}}}};
  if (!group_ids.empty())
    data["relationships"] = {{"betaGroups", {{"data", linkages("betaGroups", group_ids)}}}};
  auto response = m_client->send(write("POST", "POST /v1/betaTesters", "/v1/betaTesters", {{"data", data}}));
  auto tester = decode_single(response, decode_beta_tester);
  if (tester && !has_linkage(response, "betaGroups")) tester->group_ids = sorted_unique(group_ids);
  return tester;
}

util::Status Api::change_membership(const std::string& method, const std::string& group_id,
                                    const std::vector<std::string>& tester_ids) {
  const std::vector<std::string> ids = sorted_unique(tester_ids);
  for (size_t done = 0; done < ids.size(); done += k_linkage_chunk) {
    const size_t end = std::min(ids.size(), done + k_linkage_chunk);
    const std::vector<std::string> chunk(ids.begin() + static_cast<std::ptrdiff_t>(done),
                                         ids.begin() + static_cast<std::ptrdiff_t>(end));
    auto response = m_client->send(write(method, method + " /v1/betaGroups/{id}/relationships/betaTesters",
                                         instance_path("betaGroups", group_id, "/relationships/betaTesters"),
                                         {{"data", linkages("betaTesters", chunk)}}, Replay::safe));
    if (!response) {
      util::Error err = std::move(response).error();
      err.message += " (" + std::to_string(done) + " of " + std::to_string(ids.size()) + " testers done)";
      return err;
    }
  }
  return util::ok_status();
}

util::Status Api::add_testers_to_group(const std::string& group_id,
                                       const std::vector<std::string>& tester_ids) {
  return change_membership("POST", group_id, tester_ids);
}

util::Status Api::remove_testers_from_group(const std::string& group_id,
                                            const std::vector<std::string>& tester_ids) {
  return change_membership("DELETE", group_id, tester_ids);
}

util::Status Api::delete_beta_tester(const std::string& id) {
  return status_of(m_client->send(
      write("DELETE", "DELETE /v1/betaTesters/{id}", instance_path("betaTesters", id), nullptr)));
}

util::Result<CreatedCertificate> Api::create_certificate(const std::string& csr_pem,
                                                         const std::string& type) {
  const Json body = {
      {"data",
       {{"type", "certificates"}, {"attributes", {{"csrContent", csr_pem}, {"certificateType", type}}}}}};
  auto response = m_client->send(write("POST", "POST /v1/certificates", "/v1/certificates", body));
  auto cert = decode_single(response, decode_certificate);
  if (!cert) return cert.error();
  ResourceReader rd(response->body.at("data"), "certificates");
  const std::string content = rd.string("certificateContent", Need::optional);
  if (auto ok = rd.status(); !ok) return std::move(ok).error();
  if (content.empty())
    return util::make_error(
        util::ErrorKind::client,
        "certificate " + cert->id + " was created but the response has no certificateContent");
  auto der = util::base64_decode(content);
  if (!der)
    return util::make_error(util::ErrorKind::client,
                            "certificate " + cert->id + ": certificateContent is not base64");
  return CreatedCertificate{std::move(*cert), std::move(*der)};
}

util::Status Api::delete_certificate(const std::string& id) {
  return status_of(m_client->send(
      write("DELETE", "DELETE /v1/certificates/{id}", instance_path("certificates", id), nullptr)));
}

util::Result<core::Profile> Api::create_profile(const std::string& name, const std::string& profile_type,
                                                const std::string& bundle_id_id,
                                                const std::vector<std::string>& certificate_ids,
                                                const std::vector<std::string>& device_ids) {
  Json relationships = {
      {"bundleId", {{"data", {{"type", "bundleIds"}, {"id", bundle_id_id}}}}},
      {"certificates", {{"data", linkages("certificates", sorted_unique(certificate_ids))}}}};
  if (!device_ids.empty())
    relationships["devices"] = {{"data", linkages("devices", sorted_unique(device_ids))}};
  const Json body = {{"data",
                      {{"type", "profiles"},
                       {"attributes", {{"name", name}, {"profileType", profile_type}}},
                       {"relationships", relationships}}}};
  auto response = m_client->send(write("POST", "POST /v1/profiles", "/v1/profiles", body));
  auto profile = decode_single(response, decode_profile);
  if (!profile) return profile.error();
  // The response may leave relationship data out: what was sent is what Apple made.
  if (profile->bundle_id_id.empty()) profile->bundle_id_id = bundle_id_id;
  if (profile->certificate_ids.empty()) profile->certificate_ids = sorted_unique(certificate_ids);
  return profile;
}

util::Status Api::delete_profile(const std::string& id) {
  return status_of(
      m_client->send(write("DELETE", "DELETE /v1/profiles/{id}", instance_path("profiles", id), nullptr)));
}

}  // namespace asc
