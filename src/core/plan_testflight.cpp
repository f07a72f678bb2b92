// TestFlight: beta groups per app, testers, and group memberships (batched per group).
#include <map>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "core/plan_context.hpp"
#include "util/strings.hpp"

namespace core::detail {
namespace {

constexpr int k_max_public_link_limit = 10000;
constexpr size_t k_max_external_testers_per_app = 10000;

std::string app_group_index(const std::string& app_id, const std::string& name) {
  return app_id + '\n' + name;
}

AttrValue limit_value(const std::optional<int>& limit) {
  return limit ? AttrValue(static_cast<int64_t>(*limit)) : AttrValue();
}

Attributes group_attrs(const BetaGroup& g) {
  return {{"isInternalGroup", g.is_internal},
          {"hasAccessToAllBuilds", g.has_access_to_all_builds},
          {"publicLinkEnabled", g.public_link_enabled},
          {"publicLinkLimitEnabled", g.public_link_limit_enabled},
          {"publicLinkLimit", limit_value(g.public_link_limit)},
          {"feedbackEnabled", g.feedback_enabled}};
}

// The declared limit state: unset when the limit is not managed.
std::optional<bool> limit_enabled(const DesiredGroup& g) {
  if (g.public_link_limit) return true;
  return g.public_link_limit_enabled;
}

// The group as ascsync would create it: what is declared, creation defaults for the rest.
BetaGroup group_to_create(const DesiredGroup& g) {
  BetaGroup b;
  b.name = g.name;
  b.is_internal = g.is_internal.value_or(creation_default::group_internal);
  b.has_access_to_all_builds = g.has_access_to_all_builds.value_or(creation_default::access_to_all_builds);
  b.public_link_enabled = g.public_link_enabled.value_or(creation_default::public_link_enabled);
  b.public_link_limit_enabled = limit_enabled(g).value_or(false);
  if (b.public_link_limit_enabled) b.public_link_limit = g.public_link_limit;
  b.feedback_enabled = g.feedback_enabled.value_or(creation_default::feedback_enabled);
  return b;
}

// The existing group with the declared attributes applied (undeclared ones kept).
BetaGroup group_after(const BetaGroup& have, const DesiredGroup& g) {
  BetaGroup b = have;
  if (g.is_internal) b.is_internal = *g.is_internal;
  if (g.has_access_to_all_builds) b.has_access_to_all_builds = *g.has_access_to_all_builds;
  if (g.public_link_enabled) b.public_link_enabled = *g.public_link_enabled;
  if (const auto on = limit_enabled(g)) {
    b.public_link_limit_enabled = *on;
    if (g.public_link_limit) b.public_link_limit = g.public_link_limit;
  }
  if (g.feedback_enabled) b.feedback_enabled = *g.feedback_enabled;
  // Apple refuses a public link on an internal group.
  if (b.is_internal) {
    b.public_link_enabled = false;
    b.public_link_limit_enabled = false;
  }
  return b;
}

// Attributes as POST /v1/betaGroups takes them.
GroupPayload group_create_payload(const App& app, const BetaGroup& g) {
  GroupPayload p;
  p.app_id = app.id;
  p.bundle_id = app.bundle_id;
  p.name = g.name;
  p.attributes.is_internal = g.is_internal;
  p.attributes.has_access_to_all_builds = g.has_access_to_all_builds;
  p.attributes.public_link_enabled = g.public_link_enabled;
  p.attributes.public_link_limit_enabled = g.public_link_limit_enabled;
  if (g.public_link_limit_enabled && g.public_link_limit)
    p.attributes.public_link_limit = *g.public_link_limit;
  p.attributes.feedback_enabled = g.feedback_enabled;
  return p;
}

// The PATCH attributes that differ from what is declared; empty when the group matches.
// Undeclared attributes are not compared (invariant 9). A limit declared off ("no cap") does
// not compare the number Apple still stores.
// Also returns the same attributes by name, for the plan's before/after.
GroupAttributes group_mutable_diff(const BetaGroup& have, const DesiredGroup& want, Attributes& named) {
  GroupAttributes d;
  if (want.public_link_enabled && have.public_link_enabled != *want.public_link_enabled) {
    d.public_link_enabled = *want.public_link_enabled;
    named.set("publicLinkEnabled", *want.public_link_enabled);
  }
  if (const auto on = limit_enabled(want); on && have.public_link_limit_enabled != *on) {
    d.public_link_limit_enabled = *on;
    named.set("publicLinkLimitEnabled", *on);
  }
  if (want.public_link_limit && have.public_link_limit != want.public_link_limit) {
    d.public_link_limit = *want.public_link_limit;
    named.set("publicLinkLimit", static_cast<int64_t>(*want.public_link_limit));
  }
  if (want.feedback_enabled && have.feedback_enabled != *want.feedback_enabled) {
    d.feedback_enabled = *want.feedback_enabled;
    named.set("feedbackEnabled", *want.feedback_enabled);
  }
  return d;
}

std::vector<std::string> fixed_diff(const BetaGroup& have, const DesiredGroup& want) {
  std::vector<std::string> out;
  if (want.is_internal && have.is_internal != *want.is_internal) out.emplace_back("isInternalGroup");
  if (want.has_access_to_all_builds && have.has_access_to_all_builds != *want.has_access_to_all_builds) {
    out.emplace_back("hasAccessToAllBuilds");
  }
  return out;
}

// A tester that does not exist yet, created with every group it belongs to in one request.
struct TesterCreate {
  std::string email;
  std::vector<GroupRef> groups;
  std::vector<std::string> group_names;  // "<bundleId>/<name>", for display
  std::vector<std::string> manage;
};

class TestFlightPlanner {
 public:
  explicit TestFlightPlanner(PlanContext& ctx) : m_ctx(ctx), m_policy(ctx.desired.policy) { index(); }

  void run() {
    check_apps();
    plan_tester_removals();
    for (const auto& g : m_ctx.desired.groups) plan_group(g);
    plan_tester_creates();
    plan_tester_adoptions();
    plan_undeclared_groups();
    check_external_limits();
  }

 private:
  void index() {
    const auto& snap = m_ctx.snapshot;
    m_group_by_id.reserve(snap.groups.size());
    for (const auto& g : snap.groups) {
      m_group_by_id.emplace(g.id, &g);
      m_group_by_app_name.emplace(app_group_index(g.app_id, g.name), &g);
    }
    m_tester_by_email.reserve(snap.testers.size());
    for (const auto& t : snap.testers) {
      m_tester_by_email.emplace(email_key(t.email), &t);
      for (const auto& gid : t.group_ids) m_members_of[gid].push_back(&t);
    }
    for (const auto& t : m_ctx.desired.testers) {
      const std::string ek = email_key(t.email);
      m_desired_tester.emplace(ek, &t);
      m_declared_testers.insert(ek);
    }
    for (const auto& g : m_ctx.desired.groups) {
      for (const auto& m : g.member_emails) m_declared_testers.insert(email_key(m));
      if (const App* app = m_ctx.app_by_bundle_id(g.bundle_id)) {
        m_declared_groups.insert(app_group_index(app->id, g.name));
        m_declared_app_ids.insert(app->id);
      }
    }
    for (const auto& bundle_id : m_ctx.desired.bundle_ids) {
      if (const App* app = m_ctx.app_by_bundle_id(bundle_id)) m_declared_app_ids.insert(app->id);
    }
  }

  void check_apps() {
    const std::string hint =
        " is not an app of this team in App Store Connect; create the app first or fix the bundle id";
    for (const auto& bundle_id : m_ctx.desired.bundle_ids) {
      if (!m_ctx.app_by_bundle_id(bundle_id))
        m_ctx.error("app:" + bundle_id, "app \"" + bundle_id + "\"" + hint);
    }
    for (const auto& g : m_ctx.desired.groups) {
      if (!m_ctx.app_by_bundle_id(g.bundle_id))
        m_ctx.error("app:" + g.bundle_id, "app \"" + g.bundle_id + "\"" + hint, g.loc);
    }
  }

  // Every membership key of an existing tester, for bookkeeping when the tester goes away.
  std::vector<std::string> membership_keys_of(const BetaTester& t) const {
    std::vector<std::string> keys;
    for (const auto& gid : t.group_ids) {
      const auto it = m_group_by_id.find(gid);
      if (it != m_group_by_id.end()) {
        keys.push_back(membership_key(m_ctx.bundle_id_of(it->second->app_id), it->second->name, t.email));
      }
    }
    return keys;
  }

  // Testers not declared anywhere go only with prune.testers, when managed and not protected.
  void plan_tester_removals() {
    for (const auto& t : m_ctx.snapshot.testers) {
      const std::string ek = email_key(t.email);
      if (m_declared_testers.count(ek)) continue;
      const std::string key = tester_key(ek);
      if (m_ctx.is_protected(ek)) {
        m_ctx.note(key, "not declared; listed in policy.protected_emails, left alone");
      } else if (!m_policy.prune.testers) {
        m_ctx.note(key, "not declared; prune.testers is off, left alone");
      } else if (!m_ctx.is_managed(key)) {
        m_ctx.note(key, "not declared; unmanaged, left alone");
      } else {
        m_removed_testers.insert(ek);
        Change c{
            Action::destroy,
            key,
            "not declared; prune.testers, managed",
            Attributes{
                {"firstName", t.first_name}, {"lastName", t.last_name}, {"groups", group_names(t.group_ids)}},
            std::nullopt,
            TesterPayload{t.id, t.email, "", "", {}},
            {},
            membership_keys_of(t),
            {key}};
        c.unmanage.insert(c.unmanage.begin(), key);
        m_ctx.add(std::move(c));
      }
    }
  }

  std::vector<std::string> group_names(const std::vector<std::string>& group_ids) const {
    std::vector<std::string> names;
    for (const auto& gid : group_ids) {
      const auto it = m_group_by_id.find(gid);
      names.push_back(
          it == m_group_by_id.end() ? gid : m_ctx.bundle_id_of(it->second->app_id) + "/" + it->second->name);
    }
    return sorted_unique(std::move(names));
  }

  bool validate_group(const DesiredGroup& g, bool internal, const std::string& key) {
    bool ok = true;
    if (internal && g.public_link_enabled.value_or(false)) {
      m_ctx.error(key,
                  "a public link is only possible on an external group; disable public_link or make the "
                  "group external",
                  g.loc);
      ok = false;
    }
    if (g.public_link_limit && (*g.public_link_limit < 1 || *g.public_link_limit > k_max_public_link_limit)) {
      m_ctx.error(key, "public link limit " + std::to_string(*g.public_link_limit) + " is outside 1..10,000",
                  g.loc);
      ok = false;
    }
    return ok;
  }

  void plan_group(const DesiredGroup& g) {
    const App* app = m_ctx.app_by_bundle_id(g.bundle_id);
    if (!app) return;  // reported by check_apps()
    const std::string key = group_key(g.bundle_id, g.name);
    const auto found = m_group_by_app_name.find(app_group_index(app->id, g.name));
    const BetaGroup* existing = found == m_group_by_app_name.end() ? nullptr : found->second;
    // An undeclared `internal` is the existing group's (not managed) or the creation default.
    const bool internal =
        g.is_internal.value_or(existing ? existing->is_internal : creation_default::group_internal);
    if (!validate_group(g, internal, key)) return;

    // A group that is (re)created in this plan has no members yet and no id until the executor
    // creates it; changes that need it carry its key instead.
    bool fresh = existing == nullptr;
    if (!existing) {
      const BetaGroup created = group_to_create(g);
      m_ctx.add({Action::create,
                 key,
                 "declared at " + g.loc.str() + ", not in App Store Connect",
                 std::nullopt,
                 group_attrs(created),
                 group_create_payload(*app, created),
                 {key},
                 {},
                 {}});
    } else {
      fresh = plan_existing_group(*app, g, *existing, key);
    }
    plan_memberships(*app, g, internal, fresh ? nullptr : existing, key);
  }

  // Returns true when the group is replaced (deleted and created again).
  bool plan_existing_group(const App& app, const DesiredGroup& g, const BetaGroup& existing,
                           const std::string& key) {
    const bool managed = m_ctx.is_managed(key);
    const auto fixed = fixed_diff(existing, g);
    if (!fixed.empty()) {
      const std::string what = util::join(fixed, ", ");
      // The replacement keeps every attribute the YAML leaves out.
      const BetaGroup replacement = group_after(existing, g);
      Change c{Action::replace, key, "", group_attrs(existing), group_attrs(replacement), GroupPayload{},
               {key},           {},  {}};
      if (m_policy.prune.groups && managed) {
        c.reason = what + " can only be set at creation (prune.groups, managed)";
        GroupPayload p = group_create_payload(app, replacement);
        p.group_id = existing.id;
        c.payload = std::move(p);
        c.removes = {key};
        c.unmanage = existing_membership_keys(existing, g.bundle_id);
        m_ctx.add(std::move(c));
        return true;
      }
      c.action = Action::blocked;
      c.manage.clear();
      c.reason =
          what + " can only be set at creation; replacing the group needs prune.groups and a managed group";
      m_ctx.add(std::move(c));
    }
    if (!managed && m_policy.adopt_existing) {
      GroupPayload adopted;
      adopted.group_id = existing.id;
      m_ctx.add({Action::adopt,
                 key,
                 "exists in App Store Connect and is declared at " + g.loc.str(),
                 std::nullopt,
                 std::nullopt,
                 std::move(adopted),
                 {key},
                 {},
                 {}});
    }
    Attributes changed;
    GroupPayload update;
    update.group_id = existing.id;
    update.attributes = group_mutable_diff(existing, g, changed);
    if (!changed.empty()) {
      Attributes before = group_attrs(existing);
      Attributes after = before;
      std::vector<std::string> names;
      for (const auto& [name, value] : changed) {
        after.set(name, value);
        names.push_back(name);
      }
      m_ctx.add({Action::update,
                 key,
                 util::join(names, ", ") + " differ from the declaration at " + g.loc.str(),
                 std::move(before),
                 std::move(after),
                 std::move(update),
                 {},
                 {},
                 {}});
    }
    return false;
  }

  std::vector<std::string> existing_membership_keys(const BetaGroup& group,
                                                    const std::string& bundle_id) const {
    std::vector<std::string> keys;
    const auto it = m_members_of.find(group.id);
    if (it == m_members_of.end()) return keys;
    for (const BetaTester* t : it->second) keys.push_back(membership_key(bundle_id, group.name, t->email));
    return keys;
  }

  // Internal groups accept only team users. Returns false when the member cannot be added now.
  bool internal_member_ok(const DesiredGroup& g, const std::string& ek, const std::string& key) {
    if (m_ctx.user_by_email(ek)) return true;
    const std::string mkey = membership_key(g.bundle_id, g.name, ek);
    if (m_ctx.desired.manage_users && m_ctx.desired_user(ek)) {
      m_ctx.note(
          mkey, "waits until " + ek + " accepts the team invitation: internal groups accept only team users");
    } else {
      m_ctx.error(mkey,
                  "internal group \"" + key.substr(6) + "\" accepts only team users; " + ek +
                      " is neither a team user nor declared under users",
                  g.loc);
    }
    return false;
  }

  void plan_memberships(const App& app, const DesiredGroup& g, bool internal, const BetaGroup* existing,
                        const std::string& key) {
    const std::optional<std::string> group_id =
        existing ? std::optional<std::string>(existing->id) : std::nullopt;
    std::unordered_set<std::string> current;
    if (existing) {
      const auto it = m_members_of.find(existing->id);
      if (it != m_members_of.end()) {
        for (const BetaTester* t : it->second) current.insert(email_key(t->email));
      }
    }
    auto& external = m_external_by_app[app.id];
    std::unordered_set<std::string> declared;
    std::vector<MemberRef> adds;
    std::vector<std::string> add_keys;
    std::vector<std::string> adopt_keys;
    std::vector<std::string> adopt_emails;
    for (const auto& email : g.member_emails) {
      const std::string ek = email_key(email);
      if (!declared.insert(ek).second) continue;
      if (internal && !internal_member_ok(g, ek, key)) continue;
      if (!internal) external.insert(ek);
      const std::string mkey = membership_key(g.bundle_id, g.name, ek);
      const auto t = m_tester_by_email.find(ek);
      if (t == m_tester_by_email.end()) {
        auto& create = m_creates[ek];
        if (create.email.empty()) create.email = email;
        create.groups.push_back(GroupRef{key, group_id});
        create.group_names.push_back(g.bundle_id + "/" + g.name);
        create.manage.push_back(mkey);
      } else if (current.count(ek)) {
        if (!m_ctx.is_managed(mkey) && m_policy.adopt_existing) {
          adopt_keys.push_back(mkey);
          adopt_emails.push_back(t->second->email);
        }
      } else {
        adds.push_back({t->second->id, t->second->email});
        add_keys.push_back(mkey);
      }
    }
    const std::string mkey_all = members_key(g.bundle_id, g.name);
    MembershipPayload group_fields;
    group_fields.group = GroupRef{key, group_id};
    group_fields.app_id = app.id;
    group_fields.bundle_id = g.bundle_id;
    group_fields.group_name = g.name;
    if (!adopt_keys.empty()) {
      MembershipPayload payload = group_fields;
      payload.adopted_emails = std::move(adopt_emails);
      m_ctx.add({Action::adopt,
                 mkey_all,
                 "members are in the group and declared at " + g.loc.str(),
                 std::nullopt,
                 std::nullopt,
                 std::move(payload),
                 std::move(adopt_keys),
                 {},
                 {}});
    }
    if (!adds.empty()) {
      std::vector<std::string> emails;
      emails.reserve(adds.size());
      for (const auto& a : adds) emails.push_back(a.email);
      MembershipPayload payload = group_fields;
      payload.testers = std::move(adds);
      m_ctx.add({Action::add_members,
                 mkey_all,
                 "declared members at " + g.loc.str() + " are not in the group",
                 std::nullopt,
                 Attributes{{"testers", std::move(emails)}},
                 std::move(payload),
                 std::move(add_keys),
                 {},
                 {}});
    }
    if (existing) plan_member_removals(app, g, *existing, key, declared, group_fields);
  }

  void plan_member_removals(const App& app, const DesiredGroup& g, const BetaGroup& existing,
                            const std::string& key, const std::unordered_set<std::string>& declared,
                            const MembershipPayload& group_fields) {
    const auto it = m_members_of.find(existing.id);
    if (it == m_members_of.end()) return;
    auto& external = m_external_by_app[app.id];
    const bool group_managed = m_ctx.is_managed(key);
    std::vector<MemberRef> removes;
    std::vector<std::string> remove_keys;
    for (const BetaTester* t : it->second) {
      const std::string ek = email_key(t->email);
      if (declared.count(ek) || m_removed_testers.count(ek)) continue;  // kept, or goes with its tester
      const std::string mkey = membership_key(g.bundle_id, g.name, ek);
      std::string keep;
      if (m_ctx.is_protected(ek)) {
        keep = "not declared; listed in policy.protected_emails, left alone";
      } else if (!m_policy.prune.group_memberships) {
        keep = "not declared; prune.group_memberships is off, left alone";
      } else if (!group_managed && !m_ctx.is_managed(mkey)) {
        keep = "not declared; unmanaged membership of an unmanaged group, left alone";
      }
      if (!keep.empty()) {
        m_ctx.note(mkey, keep);
        if (!existing.is_internal) external.insert(ek);
        continue;
      }
      removes.push_back({t->id, t->email});
      remove_keys.push_back(mkey);
    }
    if (remove_keys.empty()) return;
    std::vector<std::string> emails;
    emails.reserve(removes.size());
    for (const auto& r : removes) emails.push_back(r.email);
    MembershipPayload payload = group_fields;
    payload.testers = std::move(removes);
    m_ctx.add({Action::remove_members,
               members_key(g.bundle_id, g.name),
               std::string("not declared at ") + g.loc.str() + "; prune.group_memberships, " +
                   (group_managed ? "group managed" : "managed"),
               Attributes{{"testers", std::move(emails)}},
               std::nullopt,
               std::move(payload),
               {},
               remove_keys,
               remove_keys});
  }

  void plan_tester_creates() {
    for (auto& [ek, create] : m_creates) {
      std::string first;
      std::string last;
      std::string email = create.email;
      if (const auto t = m_desired_tester.find(ek); t != m_desired_tester.end()) {
        first = t->second->first_name;
        last = t->second->last_name;
        email = t->second->email;
      } else if (const DesiredUser* u = m_ctx.desired_user(ek)) {
        first = u->first_name;
        last = u->last_name;
      }
      const std::string key = tester_key(ek);
      std::vector<std::string> manage = {key};
      manage.insert(manage.end(), create.manage.begin(), create.manage.end());
      m_ctx.add({Action::create,
                 key,
                 "declared member of " + std::to_string(create.group_names.size()) +
                     (create.group_names.size() == 1 ? " group" : " groups") + ", not a tester yet",
                 std::nullopt,
                 Attributes{
                     {"firstName", first}, {"lastName", last}, {"groups", sorted_unique(create.group_names)}},
                 TesterPayload{"", email, first, last, create.groups},
                 std::move(manage),
                 {},
                 {}});
    }
    for (const auto& t : m_ctx.desired.testers) {
      const std::string ek = email_key(t.email);
      if (!m_tester_by_email.count(ek) && !m_creates.count(ek)) {
        m_ctx.note(tester_key(ek),
                   "declared at " + t.loc.str() + " but member of no group; nothing to create");
      }
    }
  }

  void plan_tester_adoptions() {
    if (!m_policy.adopt_existing) return;
    for (const auto& t : m_ctx.snapshot.testers) {
      const std::string ek = email_key(t.email);
      const std::string key = tester_key(ek);
      if (!m_declared_testers.count(ek) || m_ctx.is_managed(key) || m_ctx.is_protected(ek)) continue;
      m_ctx.add({Action::adopt,
                 key,
                 "exists in App Store Connect and is declared",
                 std::nullopt,
                 std::nullopt,
                 TesterPayload{t.id, t.email, "", "", {}},
                 {key},
                 {},
                 {}});
    }
  }

  // Groups of declared apps that no declaration names.
  void plan_undeclared_groups() {
    for (const auto& g : m_ctx.snapshot.groups) {
      if (!m_declared_app_ids.count(g.app_id) || m_declared_groups.count(app_group_index(g.app_id, g.name)))
        continue;
      const std::string bundle_id = m_ctx.bundle_id_of(g.app_id);
      const std::string key = group_key(bundle_id, g.name);
      std::string keep;
      if (!m_policy.prune.groups) {
        keep = "not declared; prune.groups is off, left alone";
      } else if (!m_ctx.is_managed(key)) {
        keep = "not declared; unmanaged, left alone";
      }
      if (!keep.empty()) {
        m_ctx.note(key, keep);
        if (!g.is_internal) {
          auto& external = m_external_by_app[g.app_id];
          const auto it = m_members_of.find(g.id);
          if (it != m_members_of.end()) {
            for (const BetaTester* t : it->second) {
              const std::string ek = email_key(t->email);
              if (!m_removed_testers.count(ek)) external.insert(ek);
            }
          }
        }
        continue;
      }
      std::vector<std::string> unmanage = existing_membership_keys(g, bundle_id);
      unmanage.insert(unmanage.begin(), key);
      GroupPayload gone;
      gone.group_id = g.id;
      gone.app_id = g.app_id;
      gone.bundle_id = bundle_id;
      gone.name = g.name;
      m_ctx.add({Action::destroy,
                 key,
                 "not declared; prune.groups, managed",
                 group_attrs(g),
                 std::nullopt,
                 std::move(gone),
                 {},
                 std::move(unmanage),
                 {key}});
    }
  }

  void check_external_limits() {
    for (const auto& [app_id, emails] : m_external_by_app) {
      if (emails.size() <= k_max_external_testers_per_app) continue;
      const std::string bundle_id = m_ctx.bundle_id_of(app_id);
      m_ctx.error("app:" + bundle_id,
                  "app \"" + bundle_id + "\" would have " + std::to_string(emails.size()) +
                      " external testers after this plan; Apple allows at most 10,000 per app");
    }
  }

  PlanContext& m_ctx;
  const Policy& m_policy;
  std::unordered_map<std::string, const BetaGroup*> m_group_by_id;
  std::unordered_map<std::string, const BetaGroup*> m_group_by_app_name;
  std::unordered_map<std::string, const BetaTester*> m_tester_by_email;
  std::unordered_map<std::string, std::vector<const BetaTester*>> m_members_of;
  std::unordered_map<std::string, const DesiredTester*> m_desired_tester;
  std::unordered_set<std::string> m_declared_testers;
  std::unordered_set<std::string> m_declared_groups;
  std::unordered_set<std::string> m_declared_app_ids;
  std::unordered_set<std::string> m_removed_testers;
  std::map<std::string, TesterCreate> m_creates;  // by email key; ordered for determinism
  std::unordered_map<std::string, std::unordered_set<std::string>> m_external_by_app;
};

}  // namespace

void plan_testflight(PlanContext& ctx) {
  TestFlightPlanner(ctx).run();
}

}  // namespace core::detail
