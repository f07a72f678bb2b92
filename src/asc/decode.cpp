#include "asc/decode.hpp"

#include <algorithm>

namespace asc {

namespace {

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

std::vector<std::string> ids_or_empty(const Json& r, const char* rel) {
  return sorted(to_many_ids(r, rel).value_or(std::vector<std::string>{}));
}

}  // namespace

util::Result<core::App> decode_app(const Json& r) {
  if (auto ok = check_resource(r, "apps"); !ok) return ok.error();
  core::App a;
  a.id = r.at("id").get<std::string>();
  a.bundle_id = str_attr(r, "bundleId");
  a.name = str_attr(r, "name");
  a.sku = str_attr(r, "sku");
  return a;
}

util::Result<core::User> decode_user(const Json& r) {
  if (auto ok = check_resource(r, "users"); !ok) return ok.error();
  core::User u;
  u.id = r.at("id").get<std::string>();
  u.username = str_attr(r, "username");
  u.first_name = str_attr(r, "firstName");
  u.last_name = str_attr(r, "lastName");
  u.roles = sorted(strings_attr(r, "roles"));
  u.all_apps_visible = bool_attr(r, "allAppsVisible");
  u.provisioning_allowed = bool_attr(r, "provisioningAllowed");
  u.visible_app_ids = ids_or_empty(r, "visibleApps");
  return u;
}

util::Result<core::Invitation> decode_invitation(const Json& r) {
  if (auto ok = check_resource(r, "userInvitations"); !ok) return ok.error();
  core::Invitation i;
  i.id = r.at("id").get<std::string>();
  i.email = str_attr(r, "email");
  i.first_name = str_attr(r, "firstName");
  i.last_name = str_attr(r, "lastName");
  i.roles = sorted(strings_attr(r, "roles"));
  i.all_apps_visible = bool_attr(r, "allAppsVisible");
  i.provisioning_allowed = bool_attr(r, "provisioningAllowed");
  i.expiration_date = str_attr(r, "expirationDate");
  i.visible_app_ids = ids_or_empty(r, "visibleApps");
  return i;
}

util::Result<core::BetaGroup> decode_beta_group(const Json& r) {
  if (auto ok = check_resource(r, "betaGroups"); !ok) return ok.error();
  core::BetaGroup g;
  g.id = r.at("id").get<std::string>();
  g.app_id = to_one_id(r, "app").value_or(std::string());
  g.name = str_attr(r, "name");
  g.created_date = str_attr(r, "createdDate");
  g.is_internal = bool_attr(r, "isInternalGroup");
  g.has_access_to_all_builds = bool_attr(r, "hasAccessToAllBuilds");
  g.public_link_enabled = bool_attr(r, "publicLinkEnabled");
  g.public_link_limit_enabled = bool_attr(r, "publicLinkLimitEnabled");
  g.public_link_limit = int_attr(r, "publicLinkLimit");
  g.public_link = str_attr(r, "publicLink");
  g.feedback_enabled = bool_attr(r, "feedbackEnabled");
  return g;
}

util::Result<core::BetaTester> decode_beta_tester(const Json& r) {
  if (auto ok = check_resource(r, "betaTesters"); !ok) return ok.error();
  core::BetaTester t;
  t.id = r.at("id").get<std::string>();
  t.email = str_attr(r, "email");
  t.first_name = str_attr(r, "firstName");
  t.last_name = str_attr(r, "lastName");
  t.invite_type = str_attr(r, "inviteType");
  t.state = str_attr(r, "state");
  t.group_ids = ids_or_empty(r, "betaGroups");
  return t;
}

util::Result<core::Certificate> decode_certificate(const Json& r) {
  if (auto ok = check_resource(r, "certificates"); !ok) return ok.error();
  core::Certificate c;
  c.id = r.at("id").get<std::string>();
  c.name = str_attr(r, "name");
  c.certificate_type = str_attr(r, "certificateType");
  c.display_name = str_attr(r, "displayName");
  c.serial_number = str_attr(r, "serialNumber");
  c.platform = str_attr(r, "platform");
  c.expiration_date = str_attr(r, "expirationDate");
  c.activated = bool_attr(r, "activated");
  return c;
}

util::Result<core::Profile> decode_profile(const Json& r) {
  if (auto ok = check_resource(r, "profiles"); !ok) return ok.error();
  core::Profile p;
  p.id = r.at("id").get<std::string>();
  p.name = str_attr(r, "name");
  p.platform = str_attr(r, "platform");
  p.profile_type = str_attr(r, "profileType");
  p.profile_state = str_attr(r, "profileState");
  p.uuid = str_attr(r, "uuid");
  p.created_date = str_attr(r, "createdDate");
  p.expiration_date = str_attr(r, "expirationDate");
  p.bundle_id_id = to_one_id(r, "bundleId").value_or(std::string());
  p.certificate_ids = ids_or_empty(r, "certificates");
  return p;
}

}  // namespace asc
