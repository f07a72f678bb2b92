#include "config/snapshot_check.hpp"

#include <map>
#include <set>

#include "config/desired_state.hpp"

namespace config {

Diagnostics check_against_snapshot(const core::DesiredState& desired, const core::Snapshot& snapshot) {
  Diagnostics diags;
  std::map<std::string, const core::App*> apps_by_bundle;
  for (const auto& a : snapshot.apps) apps_by_bundle.emplace(a.bundle_id, &a);
  const std::string known_hint = "the team's apps are: " + [&] {
    std::string list;
    for (const auto& [bundle, app] : apps_by_bundle) list += (list.empty() ? "" : ", ") + bundle;
    return list.empty() ? std::string("none") : list;
  }();

  for (const auto& app : desired.apps)
    if (!apps_by_bundle.count(app.bundle_id))
      diags.error(app.loc, "app " + app.bundle_id + " does not exist in the team", known_hint);
  for (const auto& u : desired.users)
    for (const auto& bundle : u.visible_bundle_ids.value_or(std::vector<std::string>{}))
      if (!apps_by_bundle.count(bundle))
        diags.error(u.loc, "visible app " + bundle + " of " + u.email + " does not exist in the team",
                    known_hint);

  std::set<std::string> declared_users;
  for (const auto& u : desired.users) declared_users.insert(u.email);
  std::set<std::string> team_users;
  for (const auto& u : snapshot.users) team_users.insert(core::email_key(u.username));
  std::set<std::string> invited;
  for (const auto& i : snapshot.invitations) invited.insert(core::email_key(i.email));

  for (const auto& g : desired.groups) {
    if (!g.is_internal.value_or(false)) continue;
    for (const auto& email : g.member_emails) {
      if (declared_users.count(email) || team_users.count(email)) continue;
      if (invited.count(email))
        diags.warning(g.loc, email + " in internal group '" + g.name + "' has only a pending invitation",
                      "they can join the group once they accept it");
      else
        diags.error(g.loc, email + " in internal group '" + g.name + "' is not a team user",
                    "invite them under users:, or move them to an external group");
    }
  }

  // Existing external testers per app that stay whatever the plan does.
  std::map<std::string, std::string> external_group_app;  // group id -> app id
  for (const auto& g : snapshot.groups)
    if (!g.is_internal) external_group_app.emplace(g.id, g.app_id);
  std::map<std::string, std::set<std::string>> testers_per_app;  // bundle -> emails
  for (const auto& app : desired.apps) testers_per_app[app.bundle_id];
  for (const auto& g : desired.groups)
    if (!g.is_internal.value_or(false))
      testers_per_app[g.bundle_id].insert(g.member_emails.begin(), g.member_emails.end());
  if (!desired.policy.prune.group_memberships) {
    std::map<std::string, std::string> bundle_of_app_id;
    for (const auto& a : snapshot.apps) bundle_of_app_id.emplace(a.id, a.bundle_id);
    for (const auto& t : snapshot.testers) {
      for (const auto& gid : t.group_ids) {
        auto g = external_group_app.find(gid);
        if (g == external_group_app.end()) continue;
        auto b = bundle_of_app_id.find(g->second);
        if (b == bundle_of_app_id.end()) continue;
        auto it = testers_per_app.find(b->second);
        if (it != testers_per_app.end()) it->second.insert(core::email_key(t.email));
      }
    }
  }
  for (const auto& app : desired.apps) {
    const size_t n = testers_per_app[app.bundle_id].size();
    if (n > static_cast<size_t>(k_max_external_testers_per_app))
      diags.error(app.loc,
                  "app " + app.bundle_id + " would have " + std::to_string(n) +
                      " external testers (declared and existing); Apple allows " +
                      std::to_string(k_max_external_testers_per_app),
                  "remove testers, or enable policy.prune.group_memberships to drop undeclared ones");
  }
  diags.sort();
  return diags;
}

}  // namespace config
