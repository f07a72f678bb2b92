#include "kinds/invitation/invitation.hpp"

#include "core/keys.hpp"
#include "kinds/json_reader.hpp"
#include "kinds/wording.hpp"

namespace kinds {
namespace {

util::Status delete_invitation(ApplyEnv& env, const std::string& id) {
  return deleted(env, env.api().delete_user_invitation(id),
                 [id](store::Mirror& m, const std::string& team) { return m.delete_invitation(team, id); });
}

util::Result<Done> create_invitation(ApplyEnv& env, const core::InvitationPayload& p) {
  using util::ErrorKind;
  if (!p.terms)
    return util::make_error(ErrorKind::internal, "invitation for " + p.email + " has no terms to send");
  const core::InvitationTerms& t = *p.terms;
  auto inv = env.api().create_user_invitation(p.email, t.first_name, t.last_name, t.roles, t.all_apps_visible,
                                              t.provisioning_allowed, t.visible_app_ids);
  if (!inv) {
    // 409 (already invited / already a user) or an unclear outcome: read back by email.
    if (inv.error().kind == ErrorKind::conflict || util::is_retryable(inv.error().kind)) {
      auto found = env.api().find_user_invitation_by_email(p.email);
      if (!found) return Done::unclear();
      if (*found) {
        env.mirror([i = **found](store::Mirror& m, const std::string& team) {
          return m.upsert_invitation(team, i);
        });
        return Done{{{"invitation_id", (*found)->id}, {"read_back", true}}, (*found)->id};
      }
      if (inv.error().kind != ErrorKind::conflict) return Done::unclear();
    }
    return inv.error();
  }
  env.wrote();
  env.mirror([i = *inv](store::Mirror& m, const std::string& team) { return m.upsert_invitation(team, i); });
  return Done{{{"invitation_id", inv->id}}, inv->id};
}

}  // namespace

nlohmann::json InvitationKind::to_json(const core::Change& c, const Payload& p) {
  if (c.action == core::Action::blocked) return nullptr;
  nlohmann::json j = {{"email", p.email}};
  if (!p.invitation_id.empty()) j["invitation_id"] = p.invitation_id;
  if (p.terms) {
    j["firstName"] = p.terms->first_name;
    j["lastName"] = p.terms->last_name;
    j["roles"] = p.terms->roles;
    j["allAppsVisible"] = p.terms->all_apps_visible;
    j["provisioningAllowed"] = p.terms->provisioning_allowed;
    j["visible_app_ids"] = p.terms->visible_app_ids;
  }
  return j;
}

util::Result<InvitationKind::Payload> InvitationKind::from_json(const core::Change& c,
                                                                const nlohmann::json& j) {
  Payload p;
  if (c.action == core::Action::blocked) return p;
  PayloadReader r(c, j);
  switch (c.action) {
    case core::Action::replace:
      p.invitation_id = r.str("invitation_id");
      [[fallthrough]];
    case core::Action::create: {
      p.email = r.str("email");
      core::InvitationTerms t;
      t.first_name = r.str("firstName");
      t.last_name = r.str("lastName");
      t.roles = r.strings("roles");
      t.all_apps_visible = r.boolean("allAppsVisible");
      t.provisioning_allowed = r.boolean("provisioningAllowed");
      t.visible_app_ids = r.strings("visible_app_ids");
      p.terms = std::move(t);
      break;
    }
    case core::Action::destroy:
    case core::Action::adopt:
      p.invitation_id = r.str("invitation_id");
      p.email = r.str("email");
      break;
    default:
      return no_rule(c);
  }
  return r.finish(std::move(p));
}

Wording InvitationKind::wording(const core::Change& c, const Payload&) {
  if (c.action == core::Action::create) return {"user", "will be invited", {}};
  if (c.action == core::Action::replace && c.order == core::ReplaceOrder::destroy_before_create)
    return {"invitation", "will be re-issued", {}};
  if (c.action == core::Action::destroy) return {"invitation", "will be cancelled", {}};
  return default_wording(c);
}

util::Result<Done> InvitationKind::apply(ApplyEnv& env, const core::Change& c, const Payload& p, Half half) {
  if (half == Half::create) return create_invitation(env, p);
  if (half == Half::destroy) {
    if (auto s = delete_invitation(env, p.invitation_id); !s) return s.error();
    return Done{{{"deleted", p.invitation_id}}};
  }
  switch (c.action) {
    case core::Action::create:
      return create_invitation(env, p);
    case core::Action::replace:
      if (auto s = delete_invitation(env, p.invitation_id); !s) return s.error();
      return create_invitation(env, p);
    case core::Action::destroy:
      if (auto s = delete_invitation(env, p.invitation_id); !s) return s.error();
      return Done{};
    default:
      return no_rule(c);
  }
}

util::Result<std::optional<bool>> InvitationKind::exists(const core::Change&, const Payload& p,
                                                         const core::Snapshot& s, Half half) {
  if (half == Half::destroy) {
    for (const auto& i : s.invitations)
      if (i.id == p.invitation_id) return std::optional<bool>(true);
    return std::optional<bool>(false);
  }
  // The new invitation of a create-first replace is any but the old one. An accepted invitation
  // became a user: the write happened either way.
  const std::string except = half == Half::create ? p.invitation_id : std::string();
  const std::string want = core::email_key(p.email);
  for (const auto& i : s.invitations)
    if (i.id != except && core::email_key(i.email) == want) return std::optional<bool>(true);
  for (const auto& u : s.users)
    if (core::email_key(u.username) == want) return std::optional<bool>(true);
  return std::optional<bool>(false);
}

}  // namespace kinds
