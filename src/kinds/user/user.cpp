#include "kinds/user/user.hpp"

#include "core/keys.hpp"
#include "kinds/json_reader.hpp"
#include "kinds/wording.hpp"

namespace kinds {

nlohmann::json UserKind::to_json(const core::Change& c, const Payload& p) {
  if (c.action == core::Action::blocked) return nullptr;
  nlohmann::json j = {{"user_id", p.user_id}, {"email", p.email}};
  if (p.access) {
    j["roles"] = p.access->roles;
    j["allAppsVisible"] = p.access->all_apps_visible;
    j["provisioningAllowed"] = p.access->provisioning_allowed;
    if (p.access->visible_app_ids) j["visible_app_ids"] = *p.access->visible_app_ids;
  }
  return j;
}

util::Result<UserKind::Payload> UserKind::from_json(const core::Change& c, const nlohmann::json& j) {
  Payload p;
  if (c.action == core::Action::blocked) return p;
  PayloadReader r(c, j);
  switch (c.action) {
    case core::Action::update: {
      p.user_id = r.str("user_id");
      p.email = r.str("email");
      core::UserAccess a;
      a.roles = r.strings("roles");
      a.all_apps_visible = r.boolean("allAppsVisible");
      a.provisioning_allowed = r.boolean("provisioningAllowed");
      a.visible_app_ids = r.opt_strings("visible_app_ids");
      p.access = std::move(a);
      break;
    }
    case core::Action::destroy:
    case core::Action::adopt:
      p.user_id = r.str("user_id");
      p.email = r.str("email");
      break;
    default:
      return no_rule(c);
  }
  return r.finish(std::move(p));
}

Wording UserKind::wording(const core::Change& c, const Payload&) {
  if (c.action == core::Action::destroy) return {"user", "will be removed from the team", {}};
  return default_wording(c);
}

util::Result<Done> UserKind::apply(ApplyEnv& env, const core::Change& c, const Payload& p, Half) {
  if (c.action == core::Action::update) {
    if (!p.access) return no_rule(c);  // an update always carries the access it sets
    const core::UserAccess& a = *p.access;
    auto user = env.api().update_user(p.user_id, a.roles, a.all_apps_visible, a.provisioning_allowed,
                                      a.visible_app_ids.value_or(std::vector<std::string>{}));
    if (!user) return user.error();
    env.wrote();
    env.mirror([u = *user](store::Mirror& m, const std::string& team) { return m.upsert_user(team, u); });
    return Done{{{"user_id", user->id}}, user->id};
  }
  if (c.action == core::Action::destroy) {
    auto s = deleted(
        env, env.api().delete_user(p.user_id),
        [id = p.user_id](store::Mirror& m, const std::string& team) { return m.delete_user(team, id); });
    if (!s) return s.error();
    return Done{};
  }
  return no_rule(c);
}

util::Result<std::optional<bool>> UserKind::exists(const core::Change&, const Payload& p,
                                                   const core::Snapshot& s, Half) {
  const std::string want = core::email_key(p.email);
  for (const auto& u : s.users)
    if (core::email_key(u.username) == want) return std::optional<bool>(true);
  return std::optional<bool>(false);
}

}  // namespace kinds
