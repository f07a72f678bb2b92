#pragma once
#include <nlohmann/json.hpp>

#include "kinds/dispatch.hpp"
// Test helpers for the planner: terse builders for desired state and snapshots, and a tiny
// in-test model of what the executor's API calls do to App Store Connect, so tests can apply a
// plan to a snapshot and plan again. Header-only.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/desired.hpp"
#include "core/guard.hpp"
#include "core/model.hpp"
#include "core/plan.hpp"
#include "util/time.hpp"

// Shows string lists in failed checks instead of "{?}".
namespace doctest {
template <>
struct StringMaker<std::vector<std::string>> {
  static String convert(const std::vector<std::string>& v) {
    std::string out = "[";
    for (size_t i = 0; i < v.size(); ++i) out += (i ? ",\n \"" : "\"") + v[i] + "\"";
    return (out + "]").c_str();
  }
};
}  // namespace doctest

namespace plan_fixture {

inline util::TimePoint fixed_now() {
  return *util::parse_rfc3339("2026-11-21T10:00:00Z");
}

inline core::SourceLoc loc(int line) {
  return {"team.yaml", line, 3};
}

inline core::App app(const std::string& id, const std::string& bundle_id) {
  return {id, bundle_id, bundle_id, "sku-" + id};
}

inline core::User user(const std::string& id, const std::string& email, std::vector<std::string> roles,
                       std::vector<std::string> visible_app_ids = {}, bool all_apps = false,
                       bool provisioning = false) {
  core::User u;
  u.id = id;
  u.username = email;
  u.first_name = "F" + id;
  u.last_name = "L" + id;
  u.roles = std::move(roles);
  u.all_apps_visible = all_apps;
  u.provisioning_allowed = provisioning;
  u.visible_app_ids = std::move(visible_app_ids);
  return u;
}

inline core::DesiredUser desired_user(const std::string& email, std::vector<std::string> roles,
                                      std::vector<std::string> visible_bundle_ids = {}, bool all_apps = false,
                                      bool provisioning = false) {
  core::DesiredUser u;
  u.email = email;
  u.first_name = "First";
  u.last_name = "Last";
  u.roles = std::move(roles);
  u.all_apps_visible = all_apps;
  u.visible_bundle_ids = std::move(visible_bundle_ids);
  u.provisioning_allowed = provisioning;
  u.loc = loc(10);
  return u;
}

inline core::Invitation invitation(const std::string& id, const core::DesiredUser& from,
                                   std::vector<std::string> visible_app_ids = {}) {
  core::Invitation i;
  i.id = id;
  i.email = from.email;
  i.first_name = from.first_name;
  i.last_name = from.last_name;
  i.roles = from.roles;
  i.all_apps_visible = from.all_apps_visible.value_or(false);
  i.provisioning_allowed = from.provisioning_allowed.value_or(false);
  i.expiration_date = "2026-12-01T00:00:00.000+00:00";
  i.visible_app_ids = std::move(visible_app_ids);
  return i;
}

inline core::DesiredGroup desired_group(const std::string& bundle_id, const std::string& name,
                                        std::vector<std::string> members, bool internal = false) {
  core::DesiredGroup g;
  g.bundle_id = bundle_id;
  g.name = name;
  g.is_internal = internal;
  g.feedback_enabled = true;
  g.member_emails = std::move(members);
  std::sort(g.member_emails.begin(), g.member_emails.end());
  g.loc = loc(20);
  return g;
}

// The existing group that matches `g` exactly.
inline core::BetaGroup group(const std::string& id, const std::string& app_id, const core::DesiredGroup& g) {
  core::BetaGroup b;
  b.id = id;
  b.app_id = app_id;
  b.name = g.name;
  b.created_date = "2026-01-01T00:00:00.000+00:00";
  b.is_internal = g.is_internal.value_or(core::creation_default::group_internal);
  b.has_access_to_all_builds =
      g.has_access_to_all_builds.value_or(core::creation_default::access_to_all_builds);
  b.public_link_enabled = g.public_link_enabled.value_or(core::creation_default::public_link_enabled);
  b.public_link_limit_enabled = g.public_link_limit.has_value();
  b.public_link_limit = g.public_link_limit;
  b.feedback_enabled = g.feedback_enabled.value_or(core::creation_default::feedback_enabled);
  return b;
}

inline core::BetaTester tester(const std::string& id, const std::string& email,
                               std::vector<std::string> group_ids) {
  core::BetaTester t;
  t.id = id;
  t.email = email;
  t.first_name = "T";
  t.last_name = id;
  t.invite_type = "EMAIL";
  t.state = "INVITED";
  t.group_ids = std::move(group_ids);
  std::sort(t.group_ids.begin(), t.group_ids.end());
  return t;
}

// A desired state that manages both users and TestFlight, with nothing declared yet.
inline core::DesiredState desired_state() {
  core::DesiredState d;
  d.team = "acme";
  d.manage_users = true;
  d.manage_testflight = true;
  return d;
}

inline core::Plan plan(const core::DesiredState& d, const core::Snapshot& s, const core::ManagedSet& m = {}) {
  return core::make_plan(d, s, m, fixed_now());
}

// Changes of one action, in plan order.
inline std::vector<core::Change> of(const core::Plan& p, core::Action a) {
  std::vector<core::Change> out;
  for (const auto& c : p.changes) {
    if (c.action == a) out.push_back(c);
  }
  return out;
}

inline const core::Change* find(const core::Plan& p, core::Action a, const std::string& key) {
  for (const auto& c : p.changes) {
    if (c.action == a && c.key == key) return &c;
  }
  return nullptr;
}

inline bool has_note(const core::Plan& p, const std::string& key, const std::string& part) {
  return std::any_of(p.notes.begin(), p.notes.end(), [&](const core::PlanNote& n) {
    return n.key == key && n.message.find(part) != std::string::npos;
  });
}

inline bool has_error(const core::Plan& p, const std::string& part) {
  return std::any_of(p.errors.begin(), p.errors.end(),
                     [&](const core::PlanError& e) { return e.message.find(part) != std::string::npos; });
}

// What App Store Connect does when the executor sends each change's requests, modelled directly on
// the snapshot; independent of the planner so the idempotence tests can catch its mistakes.
class EffectModel {
 public:
  void apply(const core::Plan& p, core::Snapshot& s, core::ManagedSet& managed) {
    for (const auto& c : p.changes) {
      apply(c, s);
      for (const auto& k : c.unmanage) managed.erase(k);
      for (const auto& k : c.manage) managed.insert(k);
    }
    s.normalize();
  }

 private:
  std::string next_id(const char* prefix) {
    return std::string(prefix) + "-new-" + std::to_string(++m_counter);
  }

  std::string group_id(const nlohmann::json& id, const std::string& key) {
    if (id.is_string()) return id.get<std::string>();
    const auto it = m_created_groups.find(key);
    REQUIRE_MESSAGE(it != m_created_groups.end(), "reference to a group not created earlier: " << key);
    return it->second;
  }

  template <typename T>
  static void erase_id(std::vector<T>& v, const std::string& id) {
    const auto before = v.size();
    v.erase(std::remove_if(v.begin(), v.end(), [&](const T& x) { return x.id == id; }), v.end());
    REQUIRE_MESSAGE(v.size() + 1 == before, "no object with id " << id);
  }

  template <typename T>
  static T& by_id(std::vector<T>& v, const std::string& id) {
    const auto it = std::find_if(v.begin(), v.end(), [&](const T& x) { return x.id == id; });
    REQUIRE_MESSAGE(it != v.end(), "no object with id " << id);
    return *it;
  }

  static void drop_group_from_testers(core::Snapshot& s, const std::string& gid) {
    for (auto& t : s.testers)
      t.group_ids.erase(std::remove(t.group_ids.begin(), t.group_ids.end(), gid), t.group_ids.end());
  }

  void create_group(const nlohmann::json& p, const std::string& key, core::Snapshot& s) {
    core::BetaGroup g;
    g.id = next_id("group");
    g.app_id = p.at("app_id");
    g.name = p.at("name");
    const auto& a = p.at("attributes");
    g.is_internal = a.at("isInternalGroup");
    g.has_access_to_all_builds = a.at("hasAccessToAllBuilds");
    g.public_link_enabled = a.at("publicLinkEnabled");
    g.public_link_limit_enabled = a.at("publicLinkLimitEnabled");
    if (a.contains("publicLinkLimit")) g.public_link_limit = a.at("publicLinkLimit").get<int>();
    g.feedback_enabled = a.at("feedbackEnabled");
    s.groups.push_back(g);
    m_created_groups[key] = g.id;
  }

  void invite(const nlohmann::json& p, core::Snapshot& s) {
    core::Invitation i;
    i.id = next_id("invitation");
    i.email = p.at("email");
    i.first_name = p.at("firstName");
    i.last_name = p.at("lastName");
    i.roles = p.at("roles").get<std::vector<std::string>>();
    i.all_apps_visible = p.at("allAppsVisible");
    i.provisioning_allowed = p.at("provisioningAllowed");
    i.visible_app_ids = p.at("visible_app_ids").get<std::vector<std::string>>();
    i.expiration_date = "2026-12-21T10:00:00.000+00:00";
    s.invitations.push_back(i);
  }

  void apply(const core::Change& c, core::Snapshot& s) {
    using core::Action;
    using core::ChangeKind;
    const nlohmann::json p = kinds::payload_to_json(c);
    switch (c.action) {
      case Action::adopt:
      case Action::blocked:
        return;
      case Action::create:
        if (c.kind() == ChangeKind::invitation) return invite(p, s);
        if (c.kind() == ChangeKind::group) return create_group(p, c.key, s);
        if (c.kind() == ChangeKind::tester) {
          core::BetaTester t;
          t.id = next_id("tester");
          t.email = p.at("email");
          t.first_name = p.at("firstName");
          t.last_name = p.at("lastName");
          for (const auto& ref : p.at("groups")) t.group_ids.push_back(group_id(ref.at("id"), ref.at("key")));
          s.testers.push_back(t);
          return;
        }
        break;
      case Action::replace:
        if (c.kind() == ChangeKind::invitation) {
          erase_id(s.invitations, p.at("invitation_id"));
          return invite(p, s);
        }
        if (c.kind() == ChangeKind::group) {
          erase_id(s.groups, p.at("group_id"));
          drop_group_from_testers(s, p.at("group_id"));
          return create_group(p, c.key, s);
        }
        break;
      case Action::update:
        if (c.kind() == ChangeKind::user) {
          auto& u = by_id(s.users, p.at("user_id"));
          u.roles = p.at("roles").get<std::vector<std::string>>();
          u.all_apps_visible = p.at("allAppsVisible");
          u.provisioning_allowed = p.at("provisioningAllowed");
          if (p.contains("visible_app_ids"))
            u.visible_app_ids = p.at("visible_app_ids").get<std::vector<std::string>>();
          return;
        }
        if (c.kind() == ChangeKind::group) {
          auto& g = by_id(s.groups, p.at("group_id"));
          const auto& a = p.at("attributes");
          if (a.contains("publicLinkEnabled")) g.public_link_enabled = a.at("publicLinkEnabled");
          if (a.contains("publicLinkLimitEnabled"))
            g.public_link_limit_enabled = a.at("publicLinkLimitEnabled");
          if (a.contains("publicLinkLimit")) g.public_link_limit = a.at("publicLinkLimit").get<int>();
          if (a.contains("feedbackEnabled")) g.feedback_enabled = a.at("feedbackEnabled");
          return;
        }
        break;
      case Action::add_members: {
        const std::string gid = group_id(p.at("group_id"), p.at("group_key"));
        for (const auto& t : p.at("testers")) by_id(s.testers, t.at("id")).group_ids.push_back(gid);
        return;
      }
      case Action::remove_members: {
        const std::string gid = p.at("group_id");
        for (const auto& t : p.at("testers")) {
          auto& ids = by_id(s.testers, t.at("id")).group_ids;
          ids.erase(std::remove(ids.begin(), ids.end(), gid), ids.end());
        }
        return;
      }
      case Action::destroy:
        if (c.kind() == ChangeKind::user) return erase_id(s.users, p.at("user_id"));
        if (c.kind() == ChangeKind::invitation) return erase_id(s.invitations, p.at("invitation_id"));
        if (c.kind() == ChangeKind::tester) return erase_id(s.testers, p.at("tester_id"));
        if (c.kind() == ChangeKind::group) {
          erase_id(s.groups, p.at("group_id"));
          return drop_group_from_testers(s, p.at("group_id"));
        }
        break;
    }
    FAIL("the effect model does not know " << core::to_string(c.kind()) << " " << core::to_string(c.action));
  }

  int m_counter = 0;
  std::map<std::string, std::string> m_created_groups;
};

}  // namespace plan_fixture
