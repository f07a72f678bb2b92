#include "app/validate_keys.hpp"

#include "asc/credentials.hpp"
#include "asc/http_error.hpp"
#include "config/daemon_config.hpp"
#include "config/desired_state.hpp"
#include "reconcile/session.hpp"

namespace app {

namespace {

// One GET per kind the desired state needs, limit=1: does the key's role allow it?
struct Probe {
  const char* kind;
  const char* route;
  const char* path;
  bool required;  // false: a feature that is only used when allowed (the certificate watch)
};

// Sign in with the team's key and read one item of every kind the desired state manages.
void check_online(const config::DaemonConfig& cfg, const config::TeamConfig& team, config::Diagnostics& out,
                  std::vector<std::string>& lines) {
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
  lines.push_back("team " + team.name + ": key " + team.key_id + " can read " + readable);
}

}  // namespace

std::vector<std::string> check_keys(const std::string& config_path, bool online,
                                    config::ValidationReport& report) {
  std::vector<std::string> lines;
  config::Diagnostics ignored;
  auto cfg = config::load_daemon_config(config_path, config::Environment::from_process(), &ignored);
  if (!cfg) return lines;  // its problems are in the report already
  for (const auto& team : cfg->teams) {
    if (!team.enabled) continue;
    auto creds = asc::load_credentials(team.issuer_id, team.key_id, team.private_key_file);
    if (!creds) {
      report.diagnostics.error(team.loc, "team " + team.name + ": API key: " + creds.error().message);
      continue;
    }
    if (online) check_online(*cfg, team, report.diagnostics, lines);
  }
  report.diagnostics.sort();
  return lines;
}

}  // namespace app
