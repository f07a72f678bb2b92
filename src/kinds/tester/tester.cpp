#include "kinds/tester/tester.hpp"

#include <algorithm>

#include "core/keys.hpp"
#include "kinds/json_reader.hpp"
#include "kinds/wording.hpp"

namespace kinds {
namespace {

using util::ErrorKind;

util::Result<Done> create_tester(ApplyEnv& env, const core::TesterPayload& p) {
  std::vector<std::string> group_ids;
  for (const auto& ref : p.groups) {
    auto id = env.group_id(ref);
    if (!id)
      return util::make_error(ErrorKind::client,
                              "group " + ref.key + " was not created; the tester waits for it");
    group_ids.push_back(*id);
  }
  auto tester = env.api().create_beta_tester(p.email, p.first_name, p.last_name, group_ids);
  if (!tester) {
    if (tester.error().kind == ErrorKind::conflict || util::is_retryable(tester.error().kind)) {
      auto found = env.api().find_beta_tester_by_email(p.email);
      if (!found) return Done::unclear();
      if (*found) {
        // The tester exists (e.g. created before a crash): make sure it is in every group.
        core::BetaTester t = **found;
        std::vector<std::string> missing;
        for (const auto& g : group_ids)
          if (std::find(t.group_ids.begin(), t.group_ids.end(), g) == t.group_ids.end()) missing.push_back(g);
        for (const auto& g : missing) {
          if (auto s = env.api().add_testers_to_group(g, {t.id}); !s) return s.error();
          env.wrote();
          t.group_ids.push_back(g);
        }
        env.mirror([t](store::Mirror& m, const std::string& team) { return m.upsert_tester(team, t); });
        return Done{{{"tester_id", t.id}, {"read_back", true}}, t.id};
      }
      if (tester.error().kind != ErrorKind::conflict) return Done::unclear();
    }
    return tester.error();
  }
  env.wrote();
  core::BetaTester t = *tester;
  if (t.group_ids.empty()) t.group_ids = group_ids;
  env.mirror([t](store::Mirror& m, const std::string& team) { return m.upsert_tester(team, t); });
  return Done{{{"tester_id", t.id}}, t.id};
}

}  // namespace

nlohmann::json TesterKind::to_json(const core::Change& c, const Payload& p) {
  if (c.action == core::Action::blocked) return nullptr;
  if (c.action != core::Action::create) return {{"tester_id", p.tester_id}, {"email", p.email}};
  nlohmann::json groups = nlohmann::json::array();
  for (const auto& g : p.groups)
    groups.push_back({{"key", g.key}, {"id", g.id ? nlohmann::json(*g.id) : nlohmann::json(nullptr)}});
  return {{"email", p.email},
          {"firstName", p.first_name},
          {"lastName", p.last_name},
          {"groups", std::move(groups)}};
}

util::Result<TesterKind::Payload> TesterKind::from_json(const core::Change& c, const nlohmann::json& j) {
  Payload p;
  if (c.action == core::Action::blocked) return p;
  PayloadReader r(c, j);
  switch (c.action) {
    case core::Action::create:
      p.email = r.str("email");
      p.first_name = r.str("firstName");
      p.last_name = r.str("lastName");
      r.each("groups", [&](PayloadReader& g) { p.groups.push_back({g.str("key"), g.str_or_null("id")}); });
      break;
    case core::Action::destroy:
    case core::Action::adopt:
      p.tester_id = r.str("tester_id");
      p.email = r.str("email");
      break;
    default:
      return no_rule(c);
  }
  return r.finish(std::move(p));
}

Wording TesterKind::wording(const core::Change& c, const Payload&) {
  return default_wording(c);
}

util::Result<Done> TesterKind::apply(ApplyEnv& env, const core::Change& c, const Payload& p, Half) {
  if (c.action == core::Action::create) return create_tester(env, p);
  if (c.action == core::Action::destroy) {
    auto s = deleted(
        env, env.api().delete_beta_tester(p.tester_id),
        [id = p.tester_id](store::Mirror& m, const std::string& team) { return m.delete_tester(team, id); });
    if (!s) return s.error();
    return Done{};
  }
  return no_rule(c);
}

util::Result<std::optional<bool>> TesterKind::exists(const core::Change&, const Payload& p,
                                                     const core::Snapshot& s, Half) {
  const std::string want = core::email_key(p.email);
  for (const auto& t : s.testers)
    if (core::email_key(t.email) == want) return std::optional<bool>(true);
  return std::optional<bool>(false);
}

}  // namespace kinds
