#include "asc/decode.hpp"

#include <algorithm>

namespace asc {

namespace {

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

// Linkages the listing included must be there; a write response may leave them out.
Need linkage_need(DecodeMode mode) {
  return mode == DecodeMode::listing ? Need::required : Need::optional;
}

template <typename T>
util::Result<T> finish(const ResourceReader& rd, T value) {
  if (auto ok = rd.status(); !ok) return std::move(ok).error();
  return value;
}

}  // namespace

// Members marked Need::required are those the planner or the certificate watcher decide on;
// Need::present accepts null (Apple's "none") but not absence; Need::optional tolerates both.

util::Result<core::App> decode_app(const Json& r, DecodeMode) {
  ResourceReader rd(r, "apps");
  core::App a;
  a.id = rd.id();
  a.bundle_id = rd.string("bundleId", Need::required);
  a.name = rd.string("name", Need::optional);
  a.sku = rd.string("sku", Need::optional);
  return finish(rd, std::move(a));
}

util::Result<core::User> decode_user(const Json& r, DecodeMode mode) {
  ResourceReader rd(r, "users");
  core::User u;
  u.id = rd.id();
  u.username = rd.string("username", Need::required);
  u.first_name = rd.string("firstName", Need::optional);
  u.last_name = rd.string("lastName", Need::optional);
  u.roles = sorted(rd.strings("roles", Need::required));
  u.all_apps_visible = rd.boolean("allAppsVisible", Need::required);
  u.provisioning_allowed = rd.boolean("provisioningAllowed", Need::required);
  u.visible_app_ids =
      sorted(rd.to_many("visibleApps", "apps", linkage_need(mode)).value_or(std::vector<std::string>{}));
  return finish(rd, std::move(u));
}

util::Result<core::Invitation> decode_invitation(const Json& r, DecodeMode mode) {
  ResourceReader rd(r, "userInvitations");
  core::Invitation i;
  i.id = rd.id();
  i.email = rd.string("email", Need::required);
  i.first_name = rd.string("firstName", Need::optional);
  i.last_name = rd.string("lastName", Need::optional);
  i.roles = sorted(rd.strings("roles", Need::required));
  i.all_apps_visible = rd.boolean("allAppsVisible", Need::required);
  i.provisioning_allowed = rd.boolean("provisioningAllowed", Need::required);
  i.expiration_date = rd.string("expirationDate", Need::optional);
  i.visible_app_ids =
      sorted(rd.to_many("visibleApps", "apps", linkage_need(mode)).value_or(std::vector<std::string>{}));
  return finish(rd, std::move(i));
}

util::Result<core::BetaGroup> decode_beta_group(const Json& r, DecodeMode mode) {
  ResourceReader rd(r, "betaGroups");
  core::BetaGroup g;
  g.id = rd.id();
  g.app_id = rd.to_one("app", "apps", linkage_need(mode)).value_or(std::string());
  g.name = rd.string("name", Need::required);
  g.created_date = rd.string("createdDate", Need::optional);
  // Fixed at creation: misreading either plans a delete and re-create of the group.
  g.is_internal = rd.boolean("isInternalGroup", Need::required);
  g.has_access_to_all_builds = rd.boolean("hasAccessToAllBuilds", Need::required);
  // Null on internal groups, which have no public link.
  g.public_link_enabled = rd.boolean("publicLinkEnabled", Need::present);
  g.public_link_limit_enabled = rd.boolean("publicLinkLimitEnabled", Need::present);
  // Apple sends null, the simulator leaves them out, when there is no link or no limit.
  g.public_link_limit = rd.integer("publicLinkLimit", Need::optional);
  g.public_link = rd.string("publicLink", Need::optional);
  g.feedback_enabled = rd.boolean("feedbackEnabled", Need::present);
  return finish(rd, std::move(g));
}

util::Result<core::BetaTester> decode_beta_tester(const Json& r, DecodeMode mode) {
  ResourceReader rd(r, "betaTesters");
  core::BetaTester t;
  t.id = rd.id();
  // Null for testers who joined through a public link without sharing an address; such a tester
  // is never declared, so it matches nothing in the desired state.
  t.email = rd.string("email", Need::present);
  t.first_name = rd.string("firstName", Need::optional);
  t.last_name = rd.string("lastName", Need::optional);
  t.invite_type = rd.string("inviteType", Need::optional);
  t.state = rd.string("state", Need::optional);
  t.group_ids =
      sorted(rd.to_many("betaGroups", "betaGroups", linkage_need(mode)).value_or(std::vector<std::string>{}));
  return finish(rd, std::move(t));
}

util::Result<core::Certificate> decode_certificate(const Json& r, DecodeMode) {
  ResourceReader rd(r, "certificates");
  core::Certificate c;
  c.id = rd.id();
  c.name = rd.string("name", Need::optional);
  c.certificate_type = rd.string("certificateType", Need::required);
  c.display_name = rd.string("displayName", Need::optional);
  c.serial_number = rd.string("serialNumber", Need::required);
  c.platform = rd.string("platform", Need::optional);
  c.expiration_date = rd.string("expirationDate", Need::required);
  c.activated = rd.boolean("activated", Need::optional);
  return finish(rd, std::move(c));
}

util::Result<core::Profile> decode_profile(const Json& r, DecodeMode mode) {
  ResourceReader rd(r, "profiles");
  core::Profile p;
  p.id = rd.id();
  p.name = rd.string("name", Need::required);
  p.platform = rd.string("platform", Need::optional);
  p.profile_type = rd.string("profileType", Need::required);
  p.profile_state = rd.string("profileState", Need::optional);
  p.uuid = rd.string("uuid", Need::optional);
  p.created_date = rd.string("createdDate", Need::optional);
  p.expiration_date = rd.string("expirationDate", Need::optional);
  // Only included when the profile has a bundle id (the simulator leaves data out otherwise).
  p.bundle_id_id = rd.to_one("bundleId", "bundleIds", Need::optional).value_or(std::string());
  p.certificate_ids = sorted(
      rd.to_many("certificates", "certificates", linkage_need(mode)).value_or(std::vector<std::string>{}));
  return finish(rd, std::move(p));
}

}  // namespace asc
