// Team users and user invitations (ENDPOINTS.md §1).
#include <chrono>

#include "core/model.hpp"
#include "sim/engine.hpp"
#include "util/time.hpp"

namespace sim {

namespace {

QuerySpec users_collection() {
  QuerySpec s;
  s.collection = true;
  s.filters = {{"username", {}}, {"roles", core::k_user_roles}, {"visibleApps", {}}};
  s.fields = {"users", "apps"};
  s.includes = {"visibleApps"};
  s.include_limits = {{"visibleApps", 50}};
  s.sorts = {"username", "lastName"};
  return s;
}

QuerySpec users_instance() {
  QuerySpec s;
  s.fields = {"users", "apps"};
  s.includes = {"visibleApps"};
  s.include_limits = {{"visibleApps", 50}};
  return s;
}

QuerySpec invitations_collection() {
  QuerySpec s;
  s.collection = true;
  s.filters = {{"email", {}}, {"roles", core::k_user_roles}, {"visibleApps", {}}};
  s.fields = {"userInvitations", "apps"};
  s.includes = {"visibleApps"};
  s.include_limits = {{"visibleApps", 50}};
  s.sorts = {"email", "lastName"};
  return s;
}

QuerySpec invitations_instance() {
  QuerySpec s;
  s.fields = {"userInvitations", "apps"};
  s.includes = {"visibleApps"};
  s.include_limits = {{"visibleApps", 50}};
  return s;
}

bool roles_match(const Query& q, const std::vector<std::string>& roles) {
  auto it = q.filters.find("roles");
  if (it == q.filters.end()) return true;
  for (const auto& r : it->second)
    if (std::find(roles.begin(), roles.end(), r) != roles.end()) return true;
  return false;
}

bool visible_apps_match(const Query& q, const std::set<std::string>& apps) {
  auto it = q.filters.find("visibleApps");
  if (it == q.filters.end()) return true;
  for (const auto& a : it->second)
    if (apps.contains(a)) return true;
  return false;
}

std::optional<ApiError> check_apps_exist(const State& st, const std::vector<std::string>& ids,
                                         const std::string& pointer) {
  for (size_t i = 0; i < ids.size(); ++i)
    if (!st.apps.contains(ids[i]))
      return relationship_invalid(pointer + "/" + std::to_string(i),
                                  "There is no resource of type 'apps' with id '" + ids[i] + "'");
  return std::nullopt;
}

std::vector<std::string> sorted_roles(const nlohmann::json& roles) {
  std::vector<std::string> out = roles.get<std::vector<std::string>>();
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

bool has_role(const std::vector<std::string>& roles, const std::string& role) {
  return std::find(roles.begin(), roles.end(), role) != roles.end();
}

// --- users ---------------------------------------------------------------------------------

Reply list_users(Engine& e, Call& c) {
  const auto& q = c.query;
  const bool filtered = !q.filters.empty();
  auto keep = [&](const UserRec& u) {
    return filter_allows_email(q, "username", u.username) && roles_match(q, u.roles) &&
           visible_apps_match(q, u.visible_apps);
  };
  auto key = [&](const UserRec& u) {
    return q.sort == "lastName" ? u.last_name : core::email_key(u.username);
  };
  auto page = page_map<UserRec>(e.state.users, q, filtered, keep, key);
  Renderer r(e.state, q, c.base_url);
  return collection_reply(c, r, page, [&](const UserRec& u) { return r.user(u); });
}

Reply get_user(Engine& e, Call& c) {
  auto it = e.state.users.find(c.arg());
  if (it == e.state.users.end()) return error_reply(not_found("users", c.arg()));
  Renderer r(e.state, c.query, c.base_url);
  return single_reply(c, r, r.user(it->second));
}

DocSpec user_update_spec() {
  DocSpec s;
  s.type = "users";
  s.id_required = true;
  s.attributes = {{"roles", {AttrType::string_array, false, core::k_user_roles}},
                  {"allAppsVisible", {AttrType::boolean}},
                  {"provisioningAllowed", {AttrType::boolean}}};
  s.relationships = {{"visibleApps", {RelKind::to_many, "apps", false}}};
  return s;
}

Reply patch_user(Engine& e, Call& c) {
  auto it = e.state.users.find(c.arg());
  if (it == e.state.users.end()) return error_reply(not_found("users", c.arg()));
  auto parsed = parse_document(c.req.body, user_update_spec(), c.arg());
  if (auto* errs = std::get_if<std::vector<ApiError>>(&parsed)) return error_reply(*errs);
  const auto& doc = std::get<RequestDoc>(parsed);
  UserRec& u = it->second;
  const bool holder = has_role(u.roles, "ACCOUNT_HOLDER");
  std::vector<std::string> roles = u.roles;
  if (doc.attributes.contains("roles")) {
    roles = sorted_roles(doc.attributes["roles"]);
    if (roles.empty())
      return error_reply(attribute_invalid("/data/attributes/roles", "A user must have at least one role."));
    if (holder && !has_role(roles, "ACCOUNT_HOLDER"))
      return error_reply(state_error("The Account Holder role cannot be removed from the Account Holder.",
                                     "/data/attributes/roles"));
    if (!holder && has_role(roles, "ACCOUNT_HOLDER"))
      return error_reply(
          attribute_invalid("/data/attributes/roles", "The Account Holder role cannot be assigned."));
  }
  if (doc.has_relationship("visibleApps"))
    if (auto err = check_apps_exist(e.state, doc.relationships.at("visibleApps"),
                                    "/data/relationships/visibleApps/data"))
      return error_reply(*err);
  u.roles = roles;
  if (doc.attributes.contains("allAppsVisible"))
    u.all_apps_visible = doc.attributes["allAppsVisible"].get<bool>();
  if (doc.attributes.contains("provisioningAllowed"))
    u.provisioning_allowed = doc.attributes["provisioningAllowed"].get<bool>();
  if (doc.has_relationship("visibleApps")) {
    const auto& ids = doc.relationships.at("visibleApps");
    u.visible_apps = {ids.begin(), ids.end()};
  }
  Renderer r(e.state, c.query, c.base_url);
  return single_reply(c, r, r.user(u));
}

Reply delete_user(Engine& e, Call& c) {
  auto it = e.state.users.find(c.arg());
  if (it == e.state.users.end()) return error_reply(not_found("users", c.arg()));
  if (has_role(it->second.roles, "ACCOUNT_HOLDER"))
    return error_reply(state_error("The Account Holder cannot be removed from the team."));
  e.state.erase_user(c.arg());
  return no_content();
}

Reply user_visible_apps(Engine& e, Call& c) {
  auto it = e.state.users.find(c.arg());
  if (it == e.state.users.end()) return error_reply(not_found("users", c.arg()));
  auto page = page_ids<AppRec>(e.state.apps, {it->second.visible_apps.begin(), it->second.visible_apps.end()},
                               c.query);
  Renderer r(e.state, c.query, c.base_url);
  return collection_reply(c, r, page, [&](const AppRec& a) { return r.app(a); });
}

Reply user_visible_apps_linkage(Engine& e, Call& c) {
  auto it = e.state.users.find(c.arg());
  if (it == e.state.users.end()) return error_reply(not_found("users", c.arg()));
  return linkage_reply(c, "apps", {it->second.visible_apps.begin(), it->second.visible_apps.end()});
}

enum class LinkOp { add, replace, remove };

Reply change_user_visible_apps(Engine& e, Call& c, LinkOp op) {
  auto it = e.state.users.find(c.arg());
  if (it == e.state.users.end()) return error_reply(not_found("users", c.arg()));
  auto parsed = parse_linkages(c.req.body, "apps");
  if (auto* err = std::get_if<ApiError>(&parsed)) return error_reply(*err);
  const auto& ids = std::get<std::vector<std::string>>(parsed);
  if (auto err = check_apps_exist(e.state, ids, "/data")) return error_reply(*err);
  auto& apps = it->second.visible_apps;
  if (op == LinkOp::replace) apps.clear();
  for (const auto& id : ids) {
    if (op == LinkOp::remove)
      apps.erase(id);
    else
      apps.insert(id);
  }
  return no_content();
}

// --- invitations ---------------------------------------------------------------------------

Reply list_invitations(Engine& e, Call& c) {
  const auto& q = c.query;
  auto keep = [&](const InvitationRec& i) {
    return filter_allows_email(q, "email", i.email) && roles_match(q, i.roles) &&
           visible_apps_match(q, i.visible_apps);
  };
  auto key = [&](const InvitationRec& i) {
    return q.sort == "lastName" ? i.last_name : core::email_key(i.email);
  };
  auto page = page_map<InvitationRec>(e.state.invitations, q, !q.filters.empty(), keep, key);
  Renderer r(e.state, q, c.base_url);
  return collection_reply(c, r, page, [&](const InvitationRec& i) { return r.invitation(i); });
}

Reply get_invitation(Engine& e, Call& c) {
  auto it = e.state.invitations.find(c.arg());
  if (it == e.state.invitations.end()) return error_reply(not_found("userInvitations", c.arg()));
  Renderer r(e.state, c.query, c.base_url);
  return single_reply(c, r, r.invitation(it->second));
}

DocSpec invitation_create_spec() {
  DocSpec s;
  s.type = "userInvitations";
  s.attributes_required = true;
  s.attributes = {{"email", {AttrType::string, true, {}}},
                  {"firstName", {AttrType::string, true, {}}},
                  {"lastName", {AttrType::string, true, {}}},
                  {"roles", {AttrType::string_array, true, core::k_user_roles}},
                  {"allAppsVisible", {AttrType::boolean}},
                  {"provisioningAllowed", {AttrType::boolean}}};
  s.relationships = {{"visibleApps", {RelKind::to_many, "apps", false}}};
  return s;
}

Reply create_invitation(Engine& e, Call& c) {
  auto parsed = parse_document(c.req.body, invitation_create_spec());
  if (auto* errs = std::get_if<std::vector<ApiError>>(&parsed)) return error_reply(*errs);
  const auto& doc = std::get<RequestDoc>(parsed);
  const std::string email = doc.attributes["email"].get<std::string>();
  if (!plausible_email(email))
    return error_reply(
        attribute_invalid("/data/attributes/email", "'" + email + "' is not a valid email address."));
  const auto roles = sorted_roles(doc.attributes["roles"]);
  if (roles.empty())
    return error_reply(
        attribute_invalid("/data/attributes/roles", "An invitation must have at least one role."));
  if (has_role(roles, "ACCOUNT_HOLDER"))
    return error_reply(
        attribute_invalid("/data/attributes/roles", "The Account Holder role cannot be assigned."));
  const std::string key = core::email_key(email);
  if (e.state.user_by_email.contains(key))
    return error_reply(duplicate_error("/data/attributes/email", "The user with the email '" + email +
                                                                     "' is already a member of this team."));
  if (e.state.invitation_by_email.contains(key))
    return error_reply(duplicate_error("/data/attributes/email",
                                       "An invitation for the email '" + email + "' already exists."));
  std::vector<std::string> apps;
  if (doc.has_relationship("visibleApps")) {
    apps = doc.relationships.at("visibleApps");
    if (auto err = check_apps_exist(e.state, apps, "/data/relationships/visibleApps/data"))
      return error_reply(*err);
  }
  InvitationRec inv;
  inv.id = e.state.new_uuid();
  inv.email = email;
  inv.first_name = doc.attributes["firstName"].get<std::string>();
  inv.last_name = doc.attributes["lastName"].get<std::string>();
  inv.roles = roles;
  inv.all_apps_visible = doc.attributes.value("allAppsVisible", false);
  inv.provisioning_allowed = doc.attributes.value("provisioningAllowed", false);
  inv.expiration_date = e.now() + std::chrono::hours(24 * 30);
  inv.visible_apps = {apps.begin(), apps.end()};
  const std::string id = inv.id;
  e.state.put_invitation(std::move(inv));
  Renderer r(e.state, c.query, c.base_url);
  return single_reply(c, r, r.invitation(e.state.invitations.at(id)), 201);
}

Reply delete_invitation(Engine& e, Call& c) {
  if (!e.state.invitations.contains(c.arg())) return error_reply(not_found("userInvitations", c.arg()));
  e.state.erase_invitation(c.arg());
  return no_content();
}

Reply invitation_visible_apps(Engine& e, Call& c) {
  auto it = e.state.invitations.find(c.arg());
  if (it == e.state.invitations.end()) return error_reply(not_found("userInvitations", c.arg()));
  auto page = page_ids<AppRec>(e.state.apps, {it->second.visible_apps.begin(), it->second.visible_apps.end()},
                               c.query);
  Renderer r(e.state, c.query, c.base_url);
  return collection_reply(c, r, page, [&](const AppRec& a) { return r.app(a); });
}

}  // namespace

void add_user_routes(std::vector<Route>& routes) {
  const Access a = Access::admin;
  routes.push_back({"GET", "/v1/users", a, users_collection(), list_users});
  routes.push_back({"GET", "/v1/users/{id}", a, users_instance(), get_user});
  routes.push_back({"PATCH", "/v1/users/{id}", a, {}, patch_user});
  routes.push_back({"DELETE", "/v1/users/{id}", a, {}, delete_user});
  routes.push_back({"GET", "/v1/users/{id}/visibleApps", a, related("apps"), user_visible_apps});
  routes.push_back({"GET", "/v1/users/{id}/relationships/visibleApps", a, linkage_collection(),
                    user_visible_apps_linkage});
  routes.push_back({"POST", "/v1/users/{id}/relationships/visibleApps", a, {}, [](Engine& e, Call& c) {
                      return change_user_visible_apps(e, c, LinkOp::add);
                    }});
  routes.push_back({"PATCH", "/v1/users/{id}/relationships/visibleApps", a, {}, [](Engine& e, Call& c) {
                      return change_user_visible_apps(e, c, LinkOp::replace);
                    }});
  routes.push_back({"DELETE", "/v1/users/{id}/relationships/visibleApps", a, {}, [](Engine& e, Call& c) {
                      return change_user_visible_apps(e, c, LinkOp::remove);
                    }});
  routes.push_back({"GET", "/v1/userInvitations", a, invitations_collection(), list_invitations});
  routes.push_back({"POST", "/v1/userInvitations", a, {}, create_invitation});
  routes.push_back({"GET", "/v1/userInvitations/{id}", a, invitations_instance(), get_invitation});
  routes.push_back({"DELETE", "/v1/userInvitations/{id}", a, {}, delete_invitation});
  routes.push_back(
      {"GET", "/v1/userInvitations/{id}/visibleApps", a, related("apps"), invitation_visible_apps});
}

}  // namespace sim
