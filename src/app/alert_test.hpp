#pragma once
// `ascsync alerts test --channel NAME`: a test notification through one configured channel.
#include <string>

#include "config/daemon_config.hpp"
#include "util/result.hpp"

namespace app {

// Sends an info-level "AscsyncTest" alert (nothing is wrong; it says so) through the channel
// named `channel`, now. An error's message is the whole line to show after "error: ": an
// unknown name lists the configured channels; a failed delivery says why.
util::Status send_test_notification(const config::DaemonConfig& config, const std::string& channel);

}  // namespace app
