// Team users and pending invitations: invite, update, re-issue, adopt, prune.
#include <algorithm>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "core/plan_context.hpp"
#include "util/strings.hpp"
#include "util/time.hpp"

namespace core::detail {
namespace {

constexpr const char* k_account_holder = "ACCOUNT_HOLDER";

// What a user or an invitation grants, in comparable form.
struct Terms {
  std::string first_name;
  std::string last_name;
  std::vector<std::string> roles;  // sorted
  bool all_apps_visible = false;
  bool provisioning_allowed = false;
  std::vector<std::string> visible_app_ids;  // sorted
};

// What the YAML declares. Unset attributes were not written and are not managed (invariant 9):
// they are never compared, and an update or re-issue keeps the current value.
struct DesiredTerms {
  std::string first_name;
  std::string last_name;
  std::vector<std::string> roles;  // sorted
  std::optional<bool> all_apps_visible;
  std::optional<bool> provisioning_allowed;
  std::optional<std::vector<std::string>> visible_app_ids;  // sorted

  // The terms after applying the declaration to `have` (or to the creation defaults).
  Terms merged(const Terms* have) const {
    Terms t;
    t.first_name = first_name;
    t.last_name = last_name;
    t.roles = roles;
    t.all_apps_visible =
        all_apps_visible.value_or(have ? have->all_apps_visible : creation_default::all_apps_visible);
    t.provisioning_allowed = provisioning_allowed.value_or(have ? have->provisioning_allowed
                                                                : creation_default::provisioning_allowed);
    if (visible_app_ids) {
      t.visible_app_ids = *visible_app_ids;
    } else if (have) {
      t.visible_app_ids = have->visible_app_ids;
    }
    return t;
  }
};

// Nullopt (with errors recorded) when a visible app is not in App Store Connect.
std::optional<DesiredTerms> desired_terms(PlanContext& ctx, const DesiredUser& du) {
  DesiredTerms t{du.first_name,           du.last_name, sorted_unique(du.roles), du.all_apps_visible,
                 du.provisioning_allowed, std::nullopt};
  // Why: a list of visible apps means "these apps only"; writing one implies all_apps_visible: false.
  if (du.visible_bundle_ids && !t.all_apps_visible) t.all_apps_visible = false;
  bool ok = true;
  if (du.visible_bundle_ids && !*t.all_apps_visible) {
    std::vector<std::string> ids;
    for (const auto& bundle_id : *du.visible_bundle_ids) {
      if (const App* app = ctx.app_by_bundle_id(bundle_id)) {
        ids.push_back(app->id);
      } else {
        ctx.error(user_key(du.email),
                  "visible app \"" + bundle_id + "\" is not an app of this team in App Store Connect",
                  du.loc);
        ok = false;
      }
    }
    t.visible_app_ids = sorted_unique(std::move(ids));
  }
  if (!ok) return std::nullopt;
  return t;
}

Terms user_terms(const User& u) {
  return {u.first_name,           u.last_name,
          sorted_unique(u.roles), u.all_apps_visible,
          u.provisioning_allowed, sorted_unique(u.visible_app_ids)};
}

Terms invitation_terms(const Invitation& i) {
  return {i.first_name,           i.last_name,
          sorted_unique(i.roles), i.all_apps_visible,
          i.provisioning_allowed, sorted_unique(i.visible_app_ids)};
}

std::vector<std::string> visible_apps_of(const PlanContext& ctx, const std::vector<std::string>& app_ids) {
  std::vector<std::string> bundle_ids;
  bundle_ids.reserve(app_ids.size());
  for (const auto& id : app_ids) bundle_ids.push_back(ctx.bundle_id_of(id));
  return sorted_unique(std::move(bundle_ids));
}

// Display form. Names are shown for invitations only: a user's name cannot be changed.
Attributes terms_attrs(const PlanContext& ctx, const Terms& t, bool with_names) {
  Attributes a;
  if (with_names) {
    a.set("firstName", t.first_name);
    a.set("lastName", t.last_name);
  }
  a.set("roles", t.roles);
  a.set("allAppsVisible", t.all_apps_visible);
  a.set("provisioningAllowed", t.provisioning_allowed);
  a.set("visibleApps", visible_apps_of(ctx, t.visible_app_ids));
  return a;
}

// Attribute names (as in the JSON) where `have` differs from what `want` declares; undeclared
// attributes are not compared. Visible apps only matter when not every app is visible.
std::vector<std::string> differing(const Terms& have, const DesiredTerms& want, bool with_names) {
  std::vector<std::string> out;
  if (with_names && have.first_name != want.first_name) out.emplace_back("firstName");
  if (with_names && have.last_name != want.last_name) out.emplace_back("lastName");
  if (have.roles != want.roles) out.emplace_back("roles");
  if (want.all_apps_visible && have.all_apps_visible != *want.all_apps_visible)
    out.emplace_back("allAppsVisible");
  if (want.provisioning_allowed && have.provisioning_allowed != *want.provisioning_allowed) {
    out.emplace_back("provisioningAllowed");
  }
  if (want.visible_app_ids && have.visible_app_ids != *want.visible_app_ids) out.emplace_back("visibleApps");
  return out;
}

// The invitation as POST /v1/userInvitations needs it.
InvitationPayload invitation_payload(const std::string& email, const Terms& t) {
  InvitationPayload p;
  p.email = email;
  p.terms = InvitationTerms{t.first_name,
                            t.last_name,
                            t.roles,
                            t.all_apps_visible,
                            t.provisioning_allowed,
                            t.all_apps_visible ? std::vector<std::string>{} : t.visible_app_ids};
  return p;
}

bool has_role(const std::vector<std::string>& roles, const char* role) {
  return std::find(roles.begin(), roles.end(), role) != roles.end();
}

// The holder's roles as ascsync compares them: ACCOUNT_HOLDER itself cannot be declared (the
// loader refuses it), so the declaration is compared with the holder's other roles.
std::vector<std::string> without_holder(std::vector<std::string> roles) {
  roles.erase(std::remove(roles.begin(), roles.end(), k_account_holder), roles.end());
  return roles;
}

void plan_declared_user(PlanContext& ctx, const DesiredUser& du, const User& user,
                        const DesiredTerms& declared, bool invitation_pending) {
  const std::string ek = email_key(du.email);
  const std::string key = user_key(ek);
  const bool holder = has_role(user.roles, k_account_holder);
  const bool protected_email = ctx.is_protected(ek);
  const Terms have = user_terms(user);
  // The holder keeps ACCOUNT_HOLDER whatever is declared: compare the other roles only.
  Terms have_cmp = have;
  DesiredTerms want_cmp = declared;
  if (holder) {
    have_cmp.roles = without_holder(have.roles);
    want_cmp.roles = without_holder(declared.roles);
  }

  if (!ctx.is_managed(key) && !holder && !protected_email) {
    const std::string inv_key = invitation_key(ek);
    Change c{Action::adopt, key,          "",
             std::nullopt,  std::nullopt, UserPayload{user.id, user.username, std::nullopt},
             {key},         {},           {}};
    if (ctx.is_managed(inv_key) && !invitation_pending) {
      // Our invitation was accepted: the user it became is ours, whatever adopt_existing says.
      c.reason = "accepted the invitation ascsync sent";
      c.unmanage.push_back(inv_key);
      ctx.add(std::move(c));
    } else if (ctx.desired.policy.adopt_existing) {
      c.reason = "exists in App Store Connect and is declared at " + du.loc.str();
      ctx.add(std::move(c));
    }
  }

  const auto diff = differing(have_cmp, want_cmp, false);
  if (diff.empty()) return;
  // The PATCH carries every attribute; the undeclared ones keep their current values.
  Terms want = declared.merged(&have);
  if (holder) {
    want.roles = want_cmp.roles;
    want.roles.emplace_back(k_account_holder);  // never taken away
    want.roles = sorted_unique(std::move(want.roles));
  }
  Change c{Action::update,
           key,
           "",
           terms_attrs(ctx, have, false),
           terms_attrs(ctx, want, false),
           UserPayload{},
           {},
           {},
           {}};
  if (want.all_apps_visible) c.after->set("visibleApps", *c.before->find("visibleApps"));
  const std::string what = util::join(diff, ", ");
  if (holder) {
    c.action = Action::blocked;
    c.reason = "ACCOUNT_HOLDER is never changed by ascsync (declared " + what + " differ)";
  } else if (protected_email) {
    c.action = Action::blocked;
    c.reason = "listed in policy.protected_emails, never changed (declared " + what + " differ)";
  } else {
    c.reason = what + " differ from the declaration at " + du.loc.str();
    UserAccess access{want.roles, want.all_apps_visible, want.provisioning_allowed, std::nullopt};
    // PATCH /v1/users/{id} replaces visibleApps only when the relationship is sent.
    if (!want.all_apps_visible) access.visible_app_ids = want.visible_app_ids;
    c.payload = UserPayload{user.id, user.username, std::move(access)};
  }
  ctx.add(std::move(c));
}

void plan_pending_invitation(PlanContext& ctx, const DesiredUser& du, const Invitation& inv,
                             const DesiredTerms& declared) {
  const std::string ek = email_key(du.email);
  const std::string key = invitation_key(ek);
  const bool protected_email = ctx.is_protected(ek);
  const Terms have = invitation_terms(inv);
  const auto diff = differing(have, declared, true);
  // A re-issued invitation keeps what the declaration leaves out.
  const Terms want = declared.merged(&have);
  const auto expires = util::parse_rfc3339(inv.expiration_date);
  const bool expired = expires && *expires <= ctx.now;

  if (diff.empty() && !expired) {
    if (!ctx.is_managed(key) && ctx.desired.policy.adopt_existing && !protected_email) {
      Change c{Action::adopt, key,          "pending invitation matches the declaration at " + du.loc.str(),
               std::nullopt,  std::nullopt, InvitationPayload{inv.id, inv.email, std::nullopt},
               {key},         {},           {}};
      ctx.add(std::move(c));
    }
    return;
  }
  // Apple has no PATCH on invitations: changing one means deleting it and inviting again.
  Change c{Action::replace,
           key,
           "",
           terms_attrs(ctx, have, true),
           terms_attrs(ctx, want, true),
           InvitationPayload{},
           {key},
           {},
           {}};
  if (want.all_apps_visible) c.after->set("visibleApps", *c.before->find("visibleApps"));
  std::string why =
      diff.empty() ? "" : util::join(diff, ", ") + " differ from the declaration at " + du.loc.str();
  if (expired) why += (why.empty() ? "" : "; ") + std::string("expired on ") + inv.expiration_date;
  if (protected_email) {
    c.action = Action::blocked;
    c.manage.clear();
    c.reason = "listed in policy.protected_emails, never changed (" + why + ")";
  } else {
    c.reason = why;
    InvitationPayload p = invitation_payload(du.email, want);
    p.invitation_id = inv.id;
    c.payload = std::move(p);
  }
  ctx.add(std::move(c));
}

void plan_new_invitation(PlanContext& ctx, const DesiredUser& du, const DesiredTerms& declared) {
  const std::string key = invitation_key(du.email);
  const Terms want = declared.merged(nullptr);  // creation: the documented defaults
  Change c{Action::create,
           key,
           "declared at " + du.loc.str() + ", neither a team user nor invited yet",
           std::nullopt,
           terms_attrs(ctx, want, true),
           invitation_payload(du.email, want),
           {key},
           {},
           {}};
  if (want.all_apps_visible) c.after->erase("visibleApps");
  ctx.add(std::move(c));
}

// Why an undeclared user or invitation stays, or an empty string when it goes.
std::string keep_reason(const PlanContext& ctx, const std::string& ek, bool prune_on, const char* prune_name,
                        bool managed) {
  if (ctx.is_protected(ek)) return "not declared; listed in policy.protected_emails, left alone";
  if (!prune_on) return std::string("not declared; ") + prune_name + " is off, left alone";
  if (!managed) return "not declared; unmanaged, left alone";
  return "";
}

}  // namespace

void plan_users(PlanContext& ctx) {
  const auto& desired = ctx.desired;
  const auto& prune = desired.policy.prune;
  std::unordered_map<std::string, const Invitation*> invitation_by_email;
  invitation_by_email.reserve(ctx.snapshot.invitations.size());
  for (const auto& inv : ctx.snapshot.invitations) invitation_by_email.emplace(email_key(inv.email), &inv);

  std::unordered_set<std::string> declared;
  declared.reserve(desired.users.size());
  for (const auto& du : desired.users) {
    const std::string ek = email_key(du.email);
    declared.insert(ek);
    const auto want = desired_terms(ctx, du);
    if (!want) continue;
    const User* user = ctx.user_by_email(ek);
    const auto inv = invitation_by_email.find(ek);
    const bool pending = inv != invitation_by_email.end();
    const bool is_holder = user && has_role(user->roles, k_account_holder);
    if (has_role(want->roles, k_account_holder) && !is_holder) {
      ctx.error(user_key(ek), "the ACCOUNT_HOLDER role cannot be granted through the API; remove it", du.loc);
      continue;
    }
    if (user) {
      plan_declared_user(ctx, du, *user, *want, pending);
    } else if (pending) {
      plan_pending_invitation(ctx, du, *inv->second, *want);
    } else {
      plan_new_invitation(ctx, du, *want);
    }
  }

  for (const auto& user : ctx.snapshot.users) {
    const std::string ek = email_key(user.username);
    if (declared.count(ek)) continue;
    const std::string key = user_key(ek);
    if (has_role(user.roles, k_account_holder)) {
      ctx.note(key, "not declared; ACCOUNT_HOLDER is never removed");
      continue;
    }
    // A user who accepted an invitation ascsync sent is ascsync's even before the key moved.
    const bool managed = ctx.is_managed(key) || ctx.is_managed(invitation_key(ek));
    const std::string keep = keep_reason(ctx, ek, prune.users, "prune.users", managed);
    if (!keep.empty()) {
      ctx.note(key, keep);
      continue;
    }
    Change c{Action::destroy,
             key,
             "not declared; prune.users, managed",
             terms_attrs(ctx, user_terms(user), false),
             std::nullopt,
             UserPayload{user.id, user.username, std::nullopt},
             {},
             {key, invitation_key(ek)},
             {key}};
    ctx.add(std::move(c));
  }

  for (const auto& inv : ctx.snapshot.invitations) {
    const std::string ek = email_key(inv.email);
    // An invitation for someone already on the team is stale even when the email is declared.
    if (declared.count(ek) && !ctx.user_by_email(ek)) continue;
    const std::string key = invitation_key(ek);
    const std::string keep =
        keep_reason(ctx, ek, prune.invitations, "prune.invitations", ctx.is_managed(key));
    if (!keep.empty()) {
      ctx.note(key, keep);
      continue;
    }
    Change c{Action::destroy,
             key,
             "not declared; prune.invitations, managed",
             terms_attrs(ctx, invitation_terms(inv), true),
             std::nullopt,
             InvitationPayload{inv.id, inv.email, std::nullopt},
             {},
             {key},
             {key}};
    ctx.add(std::move(c));
  }
}

}  // namespace core::detail
