#include "app/daemon.hpp"

#include "app/daemon_alerts.hpp"
#include "app/team_runtime.hpp"
#include "service/service.hpp"

namespace app {

int run_daemon(const config::DaemonConfig& cfg, const std::string& admin_token,
               const std::shared_ptr<util::Clock>& clock) {
  TeamRuntime runtime(cfg.path, clock);
  // alerts (docs/alerts.md): evaluated after each team cycle; delivery workers run while the
  // service does. Declared before the service so it outlives every cycle.
  std::unique_ptr<DaemonAlerts> alerts;
  service::ServiceOptions options;
  options.admin.host = cfg.admin.host;
  options.admin.port = cfg.admin.port;
  options.admin.token = admin_token;
  options.alerts_status = [&alerts] { return alerts ? alerts->status() : nlohmann::json::array(); };
  service::Service svc(
      options,
      [&runtime, &alerts](const std::string& team, std::stop_token stop) {
        auto result = runtime.cycle(team, stop);
        if (alerts) alerts->after_cycle(team, result, runtime.config());  // alerts: one call per cycle
        return result;
      },
      [&runtime, &alerts]() {
        auto teams = runtime.reload();
        if (teams && alerts) alerts->set_teams(*runtime.config());  // alerts: follow the team list
        return teams;
      },
      clock);
  alerts = std::make_unique<DaemonAlerts>(cfg, clock, svc.metrics().registry());
  return svc.run();
}

}  // namespace app
