#include "store/snapshot_diff.hpp"

#include <algorithm>
#include <map>

#include "store/keys.hpp"

namespace store {

namespace {

template <typename T>
std::vector<const T*> by_id(const std::vector<T>& items) {
  std::vector<const T*> out;
  out.reserve(items.size());
  for (const auto& item : items) out.push_back(&item);
  std::sort(out.begin(), out.end(), [](const T* a, const T* b) { return a->id < b->id; });
  return out;
}

template <typename T>
KindDelta<T> diff_kind(const std::vector<T>& before, const std::vector<T>& after) {
  const auto old_items = by_id(before);
  const auto new_items = by_id(after);
  KindDelta<T> delta;
  size_t i = 0;
  size_t j = 0;
  while (i < old_items.size() || j < new_items.size()) {
    if (j == new_items.size() || (i < old_items.size() && old_items[i]->id < new_items[j]->id)) {
      delta.removed.push_back(old_items[i++]);
    } else if (i == old_items.size() || new_items[j]->id < old_items[i]->id) {
      delta.added.push_back(new_items[j++]);
    } else {
      if (!(*old_items[i] == *new_items[j])) delta.changed.emplace_back(old_items[i], new_items[j]);
      ++i;
      ++j;
    }
  }
  return delta;
}

nlohmann::json opt_json(const std::optional<int>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

// Adds {field: {before, after}} to `changes` when the values differ.
template <typename V>
void note(nlohmann::json& changes, const char* field, const V& before, const V& after) {
  if (before == after) return;
  changes[field] = {{"before", before}, {"after", after}};
}

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

// Names groups by "<bundleId>/<name>" using whichever snapshot knows them.
class GroupNames {
 public:
  GroupNames(const core::Snapshot& before, const core::Snapshot& after) {
    add(before);
    add(after);  // the newer name wins
  }
  std::pair<std::string, std::string> bundle_and_name(const std::string& group_id) const {
    auto it = m_groups.find(group_id);
    if (it == m_groups.end()) return {"?", group_id};
    return it->second;
  }
  std::string key(const std::string& group_id) const {
    const auto [bundle, name] = bundle_and_name(group_id);
    return group_key(bundle, name);
  }
  std::string bundle_of_app(const std::string& app_id) const {
    auto it = m_bundles.find(app_id);
    return it == m_bundles.end() ? app_id : it->second;
  }

 private:
  void add(const core::Snapshot& snapshot) {
    for (const auto& app : snapshot.apps) m_bundles[app.id] = app.bundle_id;
    for (const auto& group : snapshot.groups) m_groups[group.id] = {bundle_of_app(group.app_id), group.name};
  }
  std::map<std::string, std::string> m_bundles;
  std::map<std::string, std::pair<std::string, std::string>> m_groups;
};

void user_events(const KindDelta<core::User>& delta, std::vector<DriftEvent>& out) {
  for (const auto* u : delta.added)
    out.push_back(
        {"user_added", user_key(u->username), {{"id", u->id}, {"email", u->username}, {"roles", u->roles}}});
  for (const auto* u : delta.removed)
    out.push_back({"user_removed", user_key(u->username), {{"id", u->id}, {"email", u->username}}});
  for (const auto& [b, a] : delta.changed) {
    nlohmann::json changes = nlohmann::json::object();
    note(changes, "username", b->username, a->username);
    note(changes, "first_name", b->first_name, a->first_name);
    note(changes, "last_name", b->last_name, a->last_name);
    note(changes, "roles", sorted(b->roles), sorted(a->roles));
    note(changes, "all_apps_visible", b->all_apps_visible, a->all_apps_visible);
    note(changes, "provisioning_allowed", b->provisioning_allowed, a->provisioning_allowed);
    note(changes, "visible_app_ids", sorted(b->visible_app_ids), sorted(a->visible_app_ids));
    if (changes.empty()) continue;
    out.push_back({"user_changed", user_key(a->username), {{"id", a->id}, {"changes", std::move(changes)}}});
  }
}

void invitation_events(const KindDelta<core::Invitation>& delta, std::vector<DriftEvent>& out) {
  for (const auto* i : delta.added)
    out.push_back({"invitation_added",
                   invitation_key(i->email),
                   {{"id", i->id}, {"email", i->email}, {"roles", i->roles}}});
  for (const auto* i : delta.removed)
    out.push_back({"invitation_removed", invitation_key(i->email), {{"id", i->id}, {"email", i->email}}});
  for (const auto& [b, a] : delta.changed) {
    nlohmann::json changes = nlohmann::json::object();
    note(changes, "email", b->email, a->email);
    note(changes, "first_name", b->first_name, a->first_name);
    note(changes, "last_name", b->last_name, a->last_name);
    note(changes, "roles", sorted(b->roles), sorted(a->roles));
    note(changes, "all_apps_visible", b->all_apps_visible, a->all_apps_visible);
    note(changes, "provisioning_allowed", b->provisioning_allowed, a->provisioning_allowed);
    note(changes, "expiration_date", b->expiration_date, a->expiration_date);
    note(changes, "visible_app_ids", sorted(b->visible_app_ids), sorted(a->visible_app_ids));
    if (changes.empty()) continue;
    out.push_back(
        {"invitation_changed", invitation_key(a->email), {{"id", a->id}, {"changes", std::move(changes)}}});
  }
}

void group_events(const KindDelta<core::BetaGroup>& delta, const GroupNames& names,
                  std::vector<DriftEvent>& out) {
  auto key_of = [&](const core::BetaGroup& g) { return group_key(names.bundle_of_app(g.app_id), g.name); };
  for (const auto* g : delta.added)
    out.push_back(
        {"group_added", key_of(*g), {{"id", g->id}, {"name", g->name}, {"is_internal", g->is_internal}}});
  for (const auto* g : delta.removed)
    out.push_back({"group_removed", key_of(*g), {{"id", g->id}, {"name", g->name}}});
  for (const auto& [b, a] : delta.changed) {
    nlohmann::json changes = nlohmann::json::object();
    note(changes, "name", b->name, a->name);
    note(changes, "app_id", b->app_id, a->app_id);
    note(changes, "is_internal", b->is_internal, a->is_internal);
    note(changes, "has_access_to_all_builds", b->has_access_to_all_builds, a->has_access_to_all_builds);
    note(changes, "public_link_enabled", b->public_link_enabled, a->public_link_enabled);
    note(changes, "public_link_limit_enabled", b->public_link_limit_enabled, a->public_link_limit_enabled);
    note(changes, "public_link_limit", opt_json(b->public_link_limit), opt_json(a->public_link_limit));
    note(changes, "public_link", b->public_link, a->public_link);
    note(changes, "feedback_enabled", b->feedback_enabled, a->feedback_enabled);
    note(changes, "created_date", b->created_date, a->created_date);
    if (changes.empty()) continue;
    out.push_back({"group_changed", key_of(*a), {{"id", a->id}, {"changes", std::move(changes)}}});
  }
}

nlohmann::json group_keys(const std::vector<std::string>& group_ids, const GroupNames& names) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& id : sorted(group_ids)) out.push_back(names.key(id));
  return out;
}

void tester_events(const KindDelta<core::BetaTester>& delta, const GroupNames& names,
                   std::vector<DriftEvent>& out) {
  for (const auto* t : delta.added)
    out.push_back({"tester_added",
                   tester_key(t->email),
                   {{"id", t->id}, {"email", t->email}, {"groups", group_keys(t->group_ids, names)}}});
  for (const auto* t : delta.removed)
    out.push_back({"tester_removed",
                   tester_key(t->email),
                   {{"id", t->id}, {"email", t->email}, {"groups", group_keys(t->group_ids, names)}}});
  for (const auto& [b, a] : delta.changed) {
    nlohmann::json changes = nlohmann::json::object();
    note(changes, "email", b->email, a->email);
    note(changes, "first_name", b->first_name, a->first_name);
    note(changes, "last_name", b->last_name, a->last_name);
    note(changes, "invite_type", b->invite_type, a->invite_type);
    note(changes, "state", b->state, a->state);
    if (!changes.empty())
      out.push_back(
          {"tester_changed", tester_key(a->email), {{"id", a->id}, {"changes", std::move(changes)}}});

    const auto old_groups = sorted(b->group_ids);
    const auto new_groups = sorted(a->group_ids);
    std::vector<std::string> joined;
    std::vector<std::string> left;
    std::set_difference(new_groups.begin(), new_groups.end(), old_groups.begin(), old_groups.end(),
                        std::back_inserter(joined));
    std::set_difference(old_groups.begin(), old_groups.end(), new_groups.begin(), new_groups.end(),
                        std::back_inserter(left));
    for (const auto& gid : joined) {
      const auto [bundle, name] = names.bundle_and_name(gid);
      out.push_back({"membership_added",
                     membership_key(bundle, name, a->email),
                     {{"group_id", gid}, {"tester_id", a->id}}});
    }
    for (const auto& gid : left) {
      const auto [bundle, name] = names.bundle_and_name(gid);
      out.push_back({"membership_removed",
                     membership_key(bundle, name, a->email),
                     {{"group_id", gid}, {"tester_id", a->id}}});
    }
  }
}

void certificate_events(const KindDelta<core::Certificate>& delta, std::vector<DriftEvent>& out) {
  auto summary = [](const core::Certificate& c) {
    return nlohmann::json{{"id", c.id},
                          {"name", c.name},
                          {"certificate_type", c.certificate_type},
                          {"serial_number", c.serial_number},
                          {"expiration_date", c.expiration_date}};
  };
  for (const auto* c : delta.added) out.push_back({"certificate_added", certificate_key(c->id), summary(*c)});
  for (const auto* c : delta.removed)
    out.push_back({"certificate_revoked", certificate_key(c->id), summary(*c)});
  for (const auto& [b, a] : delta.changed) {
    nlohmann::json changes = nlohmann::json::object();
    note(changes, "name", b->name, a->name);
    note(changes, "certificate_type", b->certificate_type, a->certificate_type);
    note(changes, "display_name", b->display_name, a->display_name);
    note(changes, "serial_number", b->serial_number, a->serial_number);
    note(changes, "platform", b->platform, a->platform);
    note(changes, "expiration_date", b->expiration_date, a->expiration_date);
    note(changes, "activated", b->activated, a->activated);
    if (changes.empty()) continue;
    out.push_back(
        {"certificate_changed", certificate_key(a->id), {{"id", a->id}, {"changes", std::move(changes)}}});
  }
}

}  // namespace

bool SnapshotDelta::empty() const {
  return apps.empty() && users.empty() && invitations.empty() && groups.empty() && testers.empty() &&
         certificates.empty() && profiles.empty();
}

SnapshotDelta diff_snapshots(const core::Snapshot& before, const core::Snapshot& after) {
  SnapshotDelta delta;
  delta.apps = diff_kind(before.apps, after.apps);
  delta.users = diff_kind(before.users, after.users);
  delta.invitations = diff_kind(before.invitations, after.invitations);
  delta.groups = diff_kind(before.groups, after.groups);
  delta.testers = diff_kind(before.testers, after.testers);
  delta.certificates = diff_kind(before.certificates, after.certificates);
  delta.profiles = diff_kind(before.profiles, after.profiles);
  return delta;
}

std::vector<DriftEvent> drift_events(const core::Snapshot& before, const core::Snapshot& after,
                                     const SnapshotDelta& delta) {
  const GroupNames names(before, after);
  std::vector<DriftEvent> out;
  user_events(delta.users, out);
  invitation_events(delta.invitations, out);
  group_events(delta.groups, names, out);
  tester_events(delta.testers, names, out);
  certificate_events(delta.certificates, out);
  return out;
}

}  // namespace store
