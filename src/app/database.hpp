#pragma once
// The database connection of a one-shot command (`ascsync plan`, `apply`, `show`, ...).
#include "config/daemon_config.hpp"
#include "store/database.hpp"
#include "util/result.hpp"

namespace app {

// Opens the config's database (created and migrated when `create`), without the snapshot copy a
// daemon keeps between cycles: a one-shot command commits at most one snapshot.
util::Result<store::Database> open_command_database(const config::DaemonConfig& config, bool create = true);

}  // namespace app
