#pragma once
// `ascsync run` ↔ alerts: turns a finished team cycle into alert facts, owns the AlertService
// (delivery workers start and stop with the daemon), and exports alert metrics.
#include <memory>
#include <mutex>
#include <string>

#include "alerts/service.hpp"
#include "config/daemon_config.hpp"
#include "service/cycle_result.hpp"
#include "service/metrics.hpp"
#include "util/clock.hpp"

namespace app {

// The facts the alert rules read from a cycle's result (the rest comes from the database).
alerts::CycleFacts cycle_facts(const service::CycleResult& result);

class DaemonAlerts {
 public:
  DaemonAlerts(const config::DaemonConfig& cfg, const std::shared_ptr<util::Clock>& clock,
               service::Registry& registry, alerts::DeliveryOptions options = {});
  ~DaemonAlerts();
  DaemonAlerts(const DaemonAlerts&) = delete;
  DaemonAlerts& operator=(const DaemonAlerts&) = delete;

  // Call after each team cycle (from the team's worker thread). Never throws; never blocks on a
  // channel. `config` is the configuration the cycle ran with (for the desired-state check).
  void after_cycle(const std::string& team, const service::CycleResult& result,
                   const std::shared_ptr<const config::DaemonConfig>& config);
  // Call after each reload: the stale check follows the configured teams.
  void set_teams(const config::DaemonConfig& cfg);
  nlohmann::json status();
  alerts::AlertService& service() { return m_service; }

 private:
  void update_gauges();

  std::shared_ptr<util::Clock> m_clock;
  alerts::AlertService m_service;
  service::GaugeFamily& m_firing;
  service::CounterFamily& m_notifications;
  std::mutex m_gauge_mutex;
};

}  // namespace app
