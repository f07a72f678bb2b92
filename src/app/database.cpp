#include "app/database.hpp"

namespace app {

util::Result<store::Database> open_command_database(const config::DaemonConfig& config, bool create) {
  store::OpenOptions options;
  options.create = create;
  options.snapshot_memo = false;  // one-shot commands commit at most one snapshot: no copy to keep
  return store::Database::open(config.database, options);
}

}  // namespace app
