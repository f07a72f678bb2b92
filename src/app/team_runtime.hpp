#pragma once
// What `ascsync run` keeps per team between cycles, and the cycle function it hands to the
// service: the last good configuration and desired state (swapped whole on a successful
// reload), a client per team (token cache, keep-alive, rate budget survive between cycles) and a
// database connection per team (cycles of one team never overlap).
#include <map>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>

#include "asc/api.hpp"
#include "config/daemon_config.hpp"
#include "core/desired.hpp"
#include "service/cycle_result.hpp"
#include "store/database.hpp"
#include "util/clock.hpp"

namespace app {

class TeamRuntime {
 public:
  TeamRuntime(std::string config_path, std::shared_ptr<util::Clock> clock);

  // Re-reads the daemon config and every enabled team's desired state. All or nothing: on any
  // error the last good state stays and the error lists every problem with file:line:col.
  // Never throws: an unexpected exception is returned as an internal error.
  util::Result<std::vector<service::TeamSchedule>> reload();

  // One reconcile cycle (refresh → plan → guard → apply) for `team`.
  service::CycleResult cycle(const std::string& team, std::stop_token stop);

  // The current configuration (valid after the first successful reload).
  std::shared_ptr<const config::DaemonConfig> config() const;
  nlohmann::json team_status(const std::string& team);

 private:
  struct Loaded {
    std::shared_ptr<const config::DaemonConfig> config;
    std::map<std::string, std::shared_ptr<const core::DesiredState>> desired;
    std::map<std::string, std::string> desired_stamp;  // team -> files_stamp() when loaded
  };

  util::Result<std::vector<service::TeamSchedule>> reload_files();

  // The team's desired state, re-read first when its files changed since they were loaded (so an
  // edit plus `ascsync trigger` is enough). An invalid edit keeps the last good state.
  std::shared_ptr<const core::DesiredState> current_desired(const config::TeamConfig& team);
  // A cycle that failed before it started (key file, desired state), recorded for `status`.
  service::CycleResult record_failure(const std::string& team, const std::string& error);
  struct Worker {
    std::string fingerprint;  // the connection settings the client was built with
    std::unique_ptr<asc::Api> api;
    std::optional<store::Database> db;
    std::map<std::pair<std::string, int>, long long> last_requests;  // cumulative, for per-cycle deltas
  };

  std::string m_config_path;
  std::shared_ptr<util::Clock> m_clock;
  mutable std::mutex m_mutex;
  Loaded m_loaded;
  std::map<std::string, std::shared_ptr<Worker>> m_workers;
};

}  // namespace app
