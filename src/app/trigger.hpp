#pragma once
// `ascsync trigger`: asks a running daemon for an immediate cycle.
#include <optional>
#include <string>

#include "config/daemon_config.hpp"
#include "util/result.hpp"

namespace app {

// POSTs /trigger (with ?team= when `team` is set) to the admin endpoint of the config (a
// wildcard host is asked on loopback), with `token` as the bearer when not empty. Returns the
// daemon's answer. An error's message is the whole line to show after "error: ": the daemon
// cannot be reached, or it answered with a non-2xx status.
util::Result<std::string> trigger_daemon(const config::DaemonConfig& config, const std::string& token,
                                         const std::optional<std::string>& team);

}  // namespace app
