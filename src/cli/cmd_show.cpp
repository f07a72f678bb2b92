#include <algorithm>
#include <cstdio>
#include <map>

#include "cli/cli.hpp"
#include "cli/commands.hpp"
#include "cli/table.hpp"
#include "config/desired_state.hpp"
#include "core/model.hpp"
#include "signing/report.hpp"
#include "store/mirror.hpp"
#include "util/strings.hpp"
#include "util/time.hpp"

namespace cli {

namespace {

std::string yes_no(bool b) {
  return b ? "yes" : "no";
}

// Prints one kind of object from a team's mirrored snapshot, sorted by natural key.
// "in 21 days" / "expired" for the EXPIRES IN column.
std::string days_left(const std::optional<util::TimePoint>& t, util::TimePoint now) {
  if (!t) return "?";
  const auto days = std::chrono::duration_cast<std::chrono::hours>(*t - now).count() / 24;
  if (*t <= now) return "expired";
  return std::to_string(days) + "d";
}

int show_kind(const std::string& kind, const std::string& team, const core::Snapshot& s, bool json,
              const core::DesiredState& desired, const signing::View& view, util::TimePoint now) {
  std::map<std::string, const core::App*> apps;
  for (const auto& a : s.apps) apps[a.id] = &a;
  auto bundle = [&](const std::string& app_id) {
    auto it = apps.find(app_id);
    return it == apps.end() ? app_id : it->second->bundle_id;
  };
  auto bundles = [&](const std::vector<std::string>& ids) {
    std::vector<std::string> out;
    out.reserve(ids.size());
    for (const auto& id : ids) out.push_back(bundle(id));
    std::sort(out.begin(), out.end());
    return out;
  };
  std::map<std::string, std::string> group_names;
  for (const auto& g : s.groups) group_names[g.id] = bundle(g.app_id) + "/" + g.name;

  nlohmann::json rows = nlohmann::json::array();
  std::vector<std::string> header;
  std::vector<std::pair<std::string, std::vector<std::string>>> table_rows;  // sort key, cells

  if (kind == "users") {
    header = {"EMAIL", "NAME", "ROLES", "ALL APPS", "VISIBLE APPS", "PROVISIONING"};
    for (const auto& u : s.users) {
      const auto vis = bundles(u.visible_app_ids);
      rows.push_back({{"id", u.id},
                      {"email", u.username},
                      {"first_name", u.first_name},
                      {"last_name", u.last_name},
                      {"roles", u.roles},
                      {"all_apps_visible", u.all_apps_visible},
                      {"visible_apps", vis},
                      {"provisioning_allowed", u.provisioning_allowed}});
      table_rows.push_back({core::email_key(u.username),
                            {u.username, u.first_name + " " + u.last_name, util::join(u.roles, ","),
                             yes_no(u.all_apps_visible), u.all_apps_visible ? "-" : util::join(vis, ","),
                             yes_no(u.provisioning_allowed)}});
    }
  } else if (kind == "invitations") {
    header = {"EMAIL", "NAME", "ROLES", "ALL APPS", "VISIBLE APPS", "EXPIRES"};
    for (const auto& i : s.invitations) {
      const auto vis = bundles(i.visible_app_ids);
      rows.push_back({{"id", i.id},
                      {"email", i.email},
                      {"first_name", i.first_name},
                      {"last_name", i.last_name},
                      {"roles", i.roles},
                      {"all_apps_visible", i.all_apps_visible},
                      {"visible_apps", vis},
                      {"provisioning_allowed", i.provisioning_allowed},
                      {"expiration_date", i.expiration_date}});
      table_rows.push_back(
          {core::email_key(i.email),
           {i.email, i.first_name + " " + i.last_name, util::join(i.roles, ","), yes_no(i.all_apps_visible),
            i.all_apps_visible ? "-" : util::join(vis, ","), i.expiration_date}});
    }
  } else if (kind == "groups") {
    header = {"APP", "GROUP", "INTERNAL", "ALL BUILDS", "PUBLIC LINK", "FEEDBACK", "TESTERS"};
    std::map<std::string, int> members;
    for (const auto& t : s.testers)
      for (const auto& g : t.group_ids) ++members[g];
    for (const auto& g : s.groups) {
      std::string link = "off";
      if (g.public_link_enabled)
        link = g.public_link_limit_enabled && g.public_link_limit
                   ? "on (limit " + std::to_string(*g.public_link_limit) + ")"
                   : "on";
      rows.push_back({{"id", g.id},
                      {"bundle_id", bundle(g.app_id)},
                      {"name", g.name},
                      {"is_internal", g.is_internal},
                      {"has_access_to_all_builds", g.has_access_to_all_builds},
                      {"public_link_enabled", g.public_link_enabled},
                      {"public_link_limit",
                       g.public_link_limit ? nlohmann::json(*g.public_link_limit) : nlohmann::json(nullptr)},
                      {"feedback_enabled", g.feedback_enabled},
                      {"testers", members[g.id]}});
      table_rows.push_back(
          {bundle(g.app_id) + "\x1f" + g.name,
           {bundle(g.app_id), g.name, yes_no(g.is_internal), yes_no(g.has_access_to_all_builds), link,
            yes_no(g.feedback_enabled), std::to_string(members[g.id])}});
    }
  } else if (kind == "testers") {
    header = {"EMAIL", "NAME", "STATE", "INVITE", "GROUPS"};
    for (const auto& t : s.testers) {
      std::vector<std::string> groups;
      for (const auto& g : t.group_ids) groups.push_back(group_names.count(g) ? group_names[g] : g);
      std::sort(groups.begin(), groups.end());
      rows.push_back({{"id", t.id},
                      {"email", t.email},
                      {"first_name", t.first_name},
                      {"last_name", t.last_name},
                      {"state", t.state},
                      {"invite_type", t.invite_type},
                      {"groups", groups}});
      table_rows.push_back(
          {core::email_key(t.email),
           {t.email, t.first_name + " " + t.last_name, t.state, t.invite_type, util::join(groups, ",")}});
    }
  } else if (kind == "profiles") {
    header = {"NAME", "TYPE", "STATE", "EXPIRES", "IN", "DECLARED", "CERTIFICATES", "ID"};
    for (const auto& p : signing::profile_rows(desired, s)) {
      rows.push_back({{"id", p.id},
                      {"name", p.name},
                      {"type", p.profile_type},
                      {"state", p.profile_state},
                      {"expiration_date", p.expiration_date},
                      {"declared", p.declared},
                      {"certificate_ids", p.certificate_ids}});
      table_rows.push_back(
          {p.name + "\x1f" + p.id,
           {p.name, p.profile_type, p.profile_state, p.expiration_date.substr(0, 10),
            days_left(p.expires, now), yes_no(p.declared), util::join(p.certificate_ids, ","), p.id}});
    }
  } else {  // certificates
    // OWNER: owned (ascsync made it and holds the key), adopted (declared with adopt:) or
    // foreign (never touched); NAME: the declared name it serves (or served: "replaced").
    header = {"TYPE", "OWNER", "NAME", "SERIAL", "EXPIRES", "IN", "ID"};
    for (const auto& c : signing::certificate_rows(desired, s, view)) {
      std::string name = c.name;
      if (!name.empty() && !c.current) name += " (replaced)";
      rows.push_back({{"id", c.id},
                      {"display_name", c.display_name},
                      {"type", c.certificate_type},
                      {"serial_number", c.serial_number},
                      {"expiration_date", c.expiration_date},
                      {"owner", signing::to_string(c.owner)},
                      {"declared_name", c.name},
                      {"current", c.current}});
      table_rows.push_back(
          {c.certificate_type + "\x1f" + c.expiration_date + "\x1f" + c.id,
           {c.certificate_type, signing::to_string(c.owner), name.empty() ? "-" : name, c.serial_number,
            c.expiration_date.substr(0, 10), days_left(c.expires, now), c.id}});
    }
  }

  // Stable order: rows sorted by natural key, JSON in the same order.
  std::vector<size_t> order(table_rows.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return table_rows[a].first < table_rows[b].first; });
  if (json) {
    nlohmann::json sorted = nlohmann::json::array();
    for (size_t i : order) sorted.push_back(rows[i]);
    std::printf("%s\n", nlohmann::json{{"team", team}, {kind, sorted}}.dump(2).c_str());
    return k_exit_ok;
  }
  Table table(header);
  for (size_t i : order) table.add(table_rows[i].second);
  std::printf("%s", table.render().c_str());
  std::printf("(%zu %s in team %s)\n", table.size(), kind.c_str(), team.c_str());
  return k_exit_ok;
}

}  // namespace

Runner add_show(CLI::App& app, GlobalOptions& global) {
  auto kind = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  auto* sub = app.add_subcommand("show",
                                 "List mirrored objects of one kind, sorted. Reads the mirror only (no API "
                                 "calls); run `ascsync mirror` first for fresh data.");
  sub->add_option("kind", *kind, "users, invitations, groups, testers, certificates or profiles")
      ->required()
      ->check(CLI::IsMember({"users", "invitations", "groups", "testers", "certificates", "profiles"}));
  sub->add_flag("--json", *json, "machine-readable output");
  return [kind, json, &global]() {
    setup_cli_logging(global);
    auto cfg = load_config(global);
    if (!cfg) return k_exit_error;
    auto teams = select_teams(*cfg, global);
    if (!teams) return k_exit_error;
    auto db = open_database(*cfg);
    if (!db) return k_exit_error;
    store::Mirror mirror(*db);
    for (const auto* team : *teams) {
      auto has = mirror.has_snapshot(team->name);
      if (has && !*has)
        std::fprintf(stderr, "team %s has not been mirrored yet: run `ascsync mirror --team %s`\n",
                     team->name.c_str(), team->name.c_str());
      auto snapshot = mirror.load_snapshot(team->name);
      if (!snapshot) {
        std::fprintf(stderr, "error: %s\n", snapshot.error().describe().c_str());
        return k_exit_error;
      }
      // Ownership needs the declared certificates (adopt:) and ascsync's signing records.
      core::DesiredState desired;
      if (*kind == "certificates" || *kind == "profiles") {
        if (auto d = config::load_desired_state(team->desired_state))
          desired = std::move(*d);
        else
          std::fprintf(stderr,
                       "team %s: desired state unreadable, adopted certificates show as foreign: %s\n",
                       team->name.c_str(), d.error().message.c_str());
      }
      auto view = signing::local_view(*db, team->name);
      if (!view) {
        std::fprintf(stderr, "error: %s\n", view.error().describe().c_str());
        return k_exit_error;
      }
      show_kind(*kind, team->name, *snapshot, *json, desired, *view, std::chrono::system_clock::now());
    }
    return k_exit_ok;
  };
}

}  // namespace cli
