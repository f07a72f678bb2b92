#pragma once
// `ascsync run` once its configuration is read: the team runtime (the cycle and reload the
// service runs), alerts after each cycle, and the service itself until it stops.
#include <memory>
#include <string>

#include "config/daemon_config.hpp"
#include "util/clock.hpp"

namespace app {

// Runs the daemon with `cfg` (already loaded and valid; its path is re-read on each reload) and
// the admin endpoint's bearer token (empty = none). Returns the process exit code
// (service::k_exit_*).
int run_daemon(const config::DaemonConfig& cfg, const std::string& admin_token,
               const std::shared_ptr<util::Clock>& clock);

}  // namespace app
