#include "kinds/membership/membership.hpp"

#include "kinds/json_reader.hpp"
#include "kinds/wording.hpp"

namespace kinds {

nlohmann::json MembershipKind::to_json(const core::Change& c, const Payload& p) {
  if (c.action == core::Action::blocked) return nullptr;
  nlohmann::json j = {{"group_id", p.group.id ? nlohmann::json(*p.group.id) : nlohmann::json(nullptr)},
                      {"group_key", p.group.key},
                      {"app_id", p.app_id},
                      {"bundle_id", p.bundle_id},
                      {"group_name", p.group_name}};
  if (c.action == core::Action::adopt) {
    j["emails"] = p.adopted_emails;
  } else {
    nlohmann::json testers = nlohmann::json::array();
    for (const auto& t : p.testers) testers.push_back({{"id", t.id}, {"email", t.email}});
    j["testers"] = std::move(testers);
  }
  return j;
}

util::Result<MembershipKind::Payload> MembershipKind::from_json(const core::Change& c,
                                                                const nlohmann::json& j) {
  Payload p;
  if (c.action == core::Action::blocked) return p;
  PayloadReader r(c, j);
  switch (c.action) {
    case core::Action::add_members:
    case core::Action::remove_members:
    case core::Action::adopt:
      p.group = {r.str("group_key"), r.str_or_null("group_id")};
      p.app_id = r.str_if_present("app_id");
      p.bundle_id = r.str_if_present("bundle_id");
      p.group_name = r.str_if_present("group_name");
      if (c.action == core::Action::adopt)
        p.adopted_emails = r.strings("emails");
      else
        r.each("testers", [&](PayloadReader& t) { p.testers.push_back({t.str("id"), t.str("email")}); });
      break;
    default:
      return no_rule(c);
  }
  return r.finish(std::move(p));
}

Wording MembershipKind::wording(const core::Change& c, const Payload& p) {
  std::vector<std::string> emails;
  emails.reserve(p.testers.size());
  for (const auto& t : p.testers) emails.push_back(t.email);
  switch (c.action) {
    case core::Action::adopt:
      return {"membership", "will adopt " + count_of(c.manage.size(), "member", "members"), {}};
    case core::Action::add_members:
      return {"membership", "will add " + count_of(p.testers.size(), "tester", "testers"), std::move(emails)};
    case core::Action::remove_members:
      return {"membership", "will remove " + count_of(p.testers.size(), "tester", "testers"),
              std::move(emails)};
    default:
      return default_wording(c);
  }
}

util::Result<Done> MembershipKind::apply(ApplyEnv& env, const core::Change& c, const Payload& p, Half) {
  const bool add = c.action == core::Action::add_members;
  if (!add && c.action != core::Action::remove_members) return no_rule(c);
  auto gid = env.group_id(p.group);
  if (!gid) return util::make_error(util::ErrorKind::client, "group " + p.group.key + " was not created");
  std::vector<std::string> ids;
  ids.reserve(p.testers.size());
  for (const auto& t : p.testers) ids.push_back(t.id);
  auto s = add ? env.api().add_testers_to_group(*gid, ids) : env.api().remove_testers_from_group(*gid, ids);
  if (!s) return s.error();
  env.wrote();
  env.mirror([add, g = *gid, ids](store::Mirror& m, const std::string& team) {
    return add ? m.add_memberships(team, g, ids) : m.remove_memberships(team, g, ids);
  });
  return Done{{{"group_id", *gid}, {"testers", ids.size()}}, *gid};
}

util::Result<std::optional<bool>> MembershipKind::exists(const core::Change&, const Payload&,
                                                         const core::Snapshot&, Half) {
  return std::optional<bool>();
}

}  // namespace kinds
