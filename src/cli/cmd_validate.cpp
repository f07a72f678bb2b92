#include <cstdio>

#include "asc/credentials.hpp"
#include "asc/http_error.hpp"
#include "cli/cli.hpp"
#include "cli/commands.hpp"
#include "config/daemon_config.hpp"
#include "config/desired_state.hpp"
#include "config/validate.hpp"
#include "reconcile/session.hpp"

namespace cli {

namespace {

// One GET per kind the desired state needs, limit=1: does the key's role allow it?
struct Probe {
  const char* kind;
  const char* route;
  const char* path;
  bool required;  // false: a feature that is only used when allowed (the certificate watch)
};

// Sign in with the team's key and read one item of every kind the desired state manages.
void check_online(const config::DaemonConfig& cfg, const config::TeamConfig& team, config::Diagnostics& out) {
  auto desired = config::load_desired_state(team.desired_state);
  if (!desired) return;  // already reported by the offline checks
  auto api = reconcile::connect(team, cfg.defaults);
  if (!api) return;  // the key problem is already reported
  std::vector<Probe> probes = {{"apps", "GET /v1/apps", "/v1/apps?limit=1", true}};
  if (desired->manage_users) {
    probes.push_back({"users", "GET /v1/users", "/v1/users?limit=1", true});
    probes.push_back({"invitations", "GET /v1/userInvitations", "/v1/userInvitations?limit=1", true});
  }
  if (desired->manage_testflight) {
    probes.push_back({"beta groups", "GET /v1/betaGroups", "/v1/betaGroups?limit=1", true});
    probes.push_back({"beta testers", "GET /v1/betaTesters", "/v1/betaTesters?limit=1", true});
  }
  probes.push_back({"certificates", "GET /v1/certificates", "/v1/certificates?limit=1", false});
  std::string readable;
  for (const auto& p : probes) {
    asc::Request req;
    req.route = p.route;
    req.path_and_query = p.path;
    auto res = (*api)->client().send(req);
    if (res) {
      readable += (readable.empty() ? "" : ", ") + std::string(p.kind);
      continue;
    }
    const util::Error& e = res.error();
    if (e.http_status == 401) {
      out.error(team.loc,
                "team " + team.name + ": App Store Connect refused key " + team.key_id + ": " + e.message);
      return;  // every other probe would say the same
    }
    if (e.http_status == 403) {
      const auto need = asc::access_for_route(p.route);
      if (p.required)
        out.error(team.loc,
                  "team " + team.name + ": key " + team.key_id + " may not read " + p.kind +
                      ", which the desired state manages (" + need.kind + " need the " + need.role + " role)",
                  "give the key that role in Users and Access > Integrations, or remove that section from " +
                      team.desired_state);
      else
        out.warning(team.loc, "team " + team.name + ": key " + team.key_id + " may not read " + p.kind +
                                  ": the certificate expiry watch is off for this team (needs " + need.role +
                                  ")");
      continue;
    }
    out.error(team.loc, "team " + team.name + ": checking key " + team.key_id + " failed: " + e.describe());
    return;
  }
  std::printf("team %s: key %s can read %s\n", team.name.c_str(), team.key_id.c_str(), readable.c_str());
}

// Key files of every enabled team (permissions, readable, PKCS#8 EC P-256), and with `online`
// what the key's role may read.
void check_keys(const std::string& config_path, bool online, config::ValidationReport& report) {
  config::Diagnostics ignored;
  auto cfg = config::load_daemon_config(config_path, config::Environment::from_process(), &ignored);
  if (!cfg) return;  // its problems are in the report already
  for (const auto& team : cfg->teams) {
    if (!team.enabled) continue;
    auto creds = asc::load_credentials(team.issuer_id, team.key_id, team.private_key_file);
    if (!creds) {
      report.diagnostics.error(team.loc, "team " + team.name + ": API key: " + creds.error().message);
      continue;
    }
    if (online) check_online(*cfg, team, report.diagnostics);
  }
  report.diagnostics.sort();
}

}  // namespace

Runner add_validate(CLI::App& app, GlobalOptions& global) {
  auto paths = std::make_shared<std::vector<std::string>>();
  auto online = std::make_shared<bool>(false);
  auto* sub =
      app.add_subcommand("validate",
                         "Check the daemon config, every team's key file (permissions, readable, PKCS#8 EC) "
                         "and desired-state files without touching the network. Exit 0 when valid, 1 when "
                         "not.");
  sub->add_option(
      "paths", *paths,
      "daemon config or desired-state files/directories (default: the daemon config and its teams' "
      "desired state)");
  sub->add_flag(
      "--online", *online,
      "also sign in to App Store Connect with each team's key and check that its role may read every "
      "kind the desired state manages (one GET with limit=1 per kind; nothing is written)");
  return [paths, online, &global]() {
    // Without paths the daemon config is checked as one, whatever it holds (a config missing
    // `teams:` is reported as such, not read as a desired state).
    const std::string config_path = resolve_config_path(global.config_path);
    auto report = paths->empty() ? config::validate_config(config_path) : config::validate_paths(*paths);
    if (paths->empty()) {
      check_keys(config_path, *online, report);
    } else {
      for (const auto& p : *paths) check_keys(p, *online, report);
    }
    if (!report.diagnostics.empty()) std::fprintf(stderr, "%s", report.diagnostics.render().c_str());
    std::printf("%s\n", report.summary().c_str());
    return report.ok() ? k_exit_ok : k_exit_error;
  };
}

}  // namespace cli
