#include "app/export_identity.hpp"

#include "app/command_error.hpp"
#include "app/database.hpp"
#include "reconcile/session.hpp"
#include "reconcile/signing_phase.hpp"
#include "signing/steps.hpp"
#include "util/clock.hpp"

namespace app {

util::Status export_identity(const config::DaemonConfig& config, const config::TeamConfig& team,
                             const std::string& name, const std::string& p12_path,
                             const custody::Passphrase& password) {
  auto db = open_command_database(config);
  if (!db) return command_error(db.error(), db.error().message);
  auto clock = util::system_clock();
  auto api = reconcile::connect(team, config.defaults, clock);
  if (!api) return command_error(api.error(), "team " + team.name + ": " + api.error().describe());
  reconcile::SigningOptions signing_options;
  signing_options.custody_passphrase_file = team.custody_passphrase_file;
  auto keys = reconcile::open_key_store(team.name, *db, signing_options);
  if (!keys) return command_error(keys.error(), keys.error().describe());
  signing::Context ctx;
  ctx.team = team.name;
  ctx.api = api->get();
  ctx.db = &*db;
  ctx.keys = &*keys;
  ctx.clock = clock.get();
  if (auto st = signing::export_identity_to(ctx, name, p12_path, password); !st)
    return command_error(st.error(), "team " + team.name + ": " + st.error().describe());
  return util::ok_status();
}

}  // namespace app
