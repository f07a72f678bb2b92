#include "kinds/group/group.hpp"

#include "kinds/json_reader.hpp"
#include "kinds/wording.hpp"

namespace kinds {
namespace {

using util::ErrorKind;

nlohmann::json attributes_json(const core::GroupAttributes& a) {
  nlohmann::json j = nlohmann::json::object();
  if (a.is_internal) j["isInternalGroup"] = *a.is_internal;
  if (a.has_access_to_all_builds) j["hasAccessToAllBuilds"] = *a.has_access_to_all_builds;
  if (a.public_link_enabled) j["publicLinkEnabled"] = *a.public_link_enabled;
  if (a.public_link_limit_enabled) j["publicLinkLimitEnabled"] = *a.public_link_limit_enabled;
  if (a.public_link_limit) j["publicLinkLimit"] = *a.public_link_limit;
  if (a.feedback_enabled) j["feedbackEnabled"] = *a.feedback_enabled;
  return j;
}

bool creates(const core::Change& c) {
  return c.action == core::Action::create || c.action == core::Action::replace;
}

util::Status delete_group(ApplyEnv& env, const std::string& id) {
  return deleted(env, env.api().delete_beta_group(id),
                 [id](store::Mirror& m, const std::string& team) { return m.delete_group(team, id); });
}

util::Result<Done> create_group(ApplyEnv& env, const std::string& key, const core::GroupPayload& p) {
  const core::GroupAttributes& a = p.attributes;  // from_json sets every creation attribute
  auto group = env.api().create_beta_group(
      p.app_id, p.name, a.is_internal.value_or(false), a.has_access_to_all_builds.value_or(false),
      a.public_link_enabled.value_or(false), a.public_link_limit, a.feedback_enabled.value_or(true));
  if (!group) {
    if (group.error().kind == ErrorKind::conflict || util::is_retryable(group.error().kind)) {
      auto found = env.api().find_beta_group(p.app_id, p.name);
      if (!found) return Done::unclear();
      if (*found) {
        env.mirror(
            [g = **found](store::Mirror& m, const std::string& team) { return m.upsert_group(team, g); });
        env.group_created(key, (*found)->id);
        return Done{{{"group_id", (*found)->id}, {"read_back", true}}, (*found)->id};
      }
      if (group.error().kind != ErrorKind::conflict) return Done::unclear();
    }
    return group.error();
  }
  env.wrote();
  env.mirror([g = *group](store::Mirror& m, const std::string& team) { return m.upsert_group(team, g); });
  env.group_created(key, group->id);
  return Done{{{"group_id", group->id}}, group->id};
}

util::Result<Done> update_group(ApplyEnv& env, const core::GroupPayload& p) {
  const core::BetaGroup* cur = nullptr;
  for (const auto& g : env.snapshot().groups)
    if (g.id == p.group_id) cur = &g;
  if (!cur) return util::make_error(ErrorKind::internal, "group " + p.group_id + " is not in the snapshot");
  // The PATCH carries every mutable attribute: the changed ones, the rest as they are now.
  const core::GroupAttributes& d = p.attributes;
  const bool link = d.public_link_enabled.value_or(cur->public_link_enabled);
  const bool limit_on = d.public_link_limit_enabled.value_or(cur->public_link_limit_enabled);
  std::optional<int> limit;
  if (limit_on) limit = d.public_link_limit ? d.public_link_limit : cur->public_link_limit;
  auto group = env.api().update_beta_group(*cur, cur->name, link, limit,
                                           d.feedback_enabled.value_or(cur->feedback_enabled));
  if (!group) return group.error();
  env.wrote();
  env.mirror([g = *group](store::Mirror& m, const std::string& team) { return m.upsert_group(team, g); });
  return Done{{{"group_id", group->id}}, group->id};
}

}  // namespace

nlohmann::json GroupKind::to_json(const core::Change& c, const Payload& p) {
  switch (c.action) {
    case core::Action::blocked:
      return nullptr;
    case core::Action::adopt:
      return {{"group_id", p.group_id}};
    case core::Action::update:
      return {{"group_id", p.group_id}, {"attributes", attributes_json(p.attributes)}};
    case core::Action::destroy:
      return {{"group_id", p.group_id}, {"app_id", p.app_id}, {"bundle_id", p.bundle_id}, {"name", p.name}};
    default:
      break;
  }
  nlohmann::json attrs = attributes_json(p.attributes);
  attrs["name"] = p.name;
  nlohmann::json j = {
      {"app_id", p.app_id}, {"bundle_id", p.bundle_id}, {"name", p.name}, {"attributes", attrs}};
  if (c.action == core::Action::replace) j["group_id"] = p.group_id;
  return j;
}

util::Result<GroupKind::Payload> GroupKind::from_json(const core::Change& c, const nlohmann::json& j) {
  Payload p;
  if (c.action == core::Action::blocked) return p;
  PayloadReader r(c, j);
  if (creates(c)) {
    if (c.action == core::Action::replace) p.group_id = r.str("group_id");
    p.app_id = r.str("app_id");
    p.bundle_id = r.str_if_present("bundle_id");
    p.name = r.str("name");
    PayloadReader a = r.object("attributes");
    p.attributes.is_internal = a.boolean("isInternalGroup");
    p.attributes.has_access_to_all_builds = a.boolean("hasAccessToAllBuilds");
    p.attributes.public_link_enabled = a.boolean("publicLinkEnabled");
    p.attributes.public_link_limit_enabled = a.opt_bool("publicLinkLimitEnabled");
    p.attributes.public_link_limit = a.opt_int("publicLinkLimit");
    p.attributes.feedback_enabled = a.boolean("feedbackEnabled");
    r.absorb(a);
    return r.finish(std::move(p));
  }
  switch (c.action) {
    case core::Action::update: {
      p.group_id = r.str("group_id");
      PayloadReader a = r.object("attributes");
      p.attributes.public_link_enabled = a.opt_bool("publicLinkEnabled");
      p.attributes.public_link_limit_enabled = a.opt_bool("publicLinkLimitEnabled");
      p.attributes.public_link_limit = a.opt_int("publicLinkLimit");
      p.attributes.feedback_enabled = a.opt_bool("feedbackEnabled");
      r.absorb(a);
      break;
    }
    case core::Action::destroy:
      p.group_id = r.str("group_id");
      p.app_id = r.str("app_id");
      p.bundle_id = r.str_if_present("bundle_id");
      p.name = r.str("name");
      break;
    case core::Action::adopt:
      p.group_id = r.str("group_id");
      break;
    default:
      return no_rule(c);
  }
  return r.finish(std::move(p));
}

Wording GroupKind::wording(const core::Change& c, const Payload&) {
  if (c.action == core::Action::destroy) return {"group", "will be deleted", {}};
  return default_wording(c);
}

util::Result<Done> GroupKind::apply(ApplyEnv& env, const core::Change& c, const Payload& p, Half half) {
  if (half == Half::create) return create_group(env, c.key, p);
  if (half == Half::destroy) {
    if (auto s = delete_group(env, p.group_id); !s) return s.error();
    return Done{{{"deleted", p.group_id}}};
  }
  switch (c.action) {
    case core::Action::create:
      return create_group(env, c.key, p);
    case core::Action::replace:
      if (auto s = delete_group(env, p.group_id); !s) return s.error();
      return create_group(env, c.key, p);
    case core::Action::update:
      return update_group(env, p);
    case core::Action::destroy:
      if (auto s = delete_group(env, p.group_id); !s) return s.error();
      return Done{};
    default:
      return no_rule(c);
  }
}

util::Result<std::optional<bool>> GroupKind::exists(const core::Change&, const Payload& p,
                                                    const core::Snapshot& s, Half half) {
  for (const auto& g : s.groups) {
    if (half == Half::destroy) {
      if (g.id == p.group_id) return std::optional<bool>(true);
    } else if (g.app_id == p.app_id && g.name == p.name && (half != Half::create || g.id != p.group_id)) {
      return std::optional<bool>(true);
    }
  }
  return std::optional<bool>(false);
}

}  // namespace kinds
