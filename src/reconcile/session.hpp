#pragma once
// A team's connection to App Store Connect, built from its daemon-config entry.
#include <memory>

#include "asc/api.hpp"
#include "config/daemon_config.hpp"
#include "util/clock.hpp"

namespace reconcile {

// Loads the team's key (refusing group/world-readable files) and builds its client with the
// configured base URL, CA file, parallelism and rate-budget reserve. `clock` null = system clock.
util::Result<std::unique_ptr<asc::Api>> connect(const config::TeamConfig& team,
                                                const config::Defaults& defaults,
                                                std::shared_ptr<util::Clock> clock = nullptr);

}  // namespace reconcile
