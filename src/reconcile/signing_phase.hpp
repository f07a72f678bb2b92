#pragma once
// The certificate and profile kinds inside a cycle (docs/certificates.md): settle what a crash
// left (before the generic journal recovery, which does not read these entries), assess the
// declared certificates and profiles against the fresh snapshot, and apply the assessment after
// the rest of the plan. Only when the desired state manages signing.
#include <optional>
#include <string>
#include <vector>

#include "asc/api.hpp"
#include "core/desired.hpp"
#include "core/model.hpp"
#include "signing/assess.hpp"
#include "signing/changes.hpp"
#include "signing/converge.hpp"
#include "signing/steps.hpp"
#include "store/database.hpp"
#include "util/clock.hpp"

namespace reconcile {

struct SigningOptions {
  // Where the custody directory lives: <state_dir>/custody/<team>. Empty: the database's directory.
  std::string state_dir;
  // $CREDENTIALS_DIRECTORY for p12 passwords named as systemd credentials; empty: the environment's.
  std::string credentials_directory;
  // Crash tests: stop the process (SIGKILL) at this named step (signing::k_step_*), or after this
  // many successful writes of the cycle (shared with the executor's count).
  std::string crash_at_step;
  // The team's custody_passphrase_file: keys are written encrypted with it (and read with it).
  // Empty: keys are written unencrypted.
  std::string custody_passphrase_file;
};

struct SigningReport {
  signing::Assessment assessment;
  std::vector<signing::SigningChange> changes;  // what the plan shows
  std::optional<signing::Settled> settled;      // apply: what a crash had left
  std::optional<signing::ConvergeReport> applied;

  bool has_changes() const;  // any change that sends requests
  bool has_blocked() const;  // a certificate or profile that cannot be reached
  // "signing: 1 to renew, 1 profile to regenerate, 1 blocked"
  std::string summary() const;
  // The plan lines, one per change, for `ascsync plan`/`apply` (and the slot summary).
  std::string text() const;
  nlohmann::json to_json() const;
};

// The custody directory's key store for the team (created 0700 when missing).
util::Result<custody::KeyStore> open_key_store(const std::string& team, store::Database& db,
                                               const SigningOptions& options);

// True when a crash left certificate or profile work to settle (a pending journal entry of those
// kinds, or a "requested" signing record): settle_signing must run even if the desired state no
// longer manages signing, or the generic recovery would find entries it cannot decode.
bool has_signing_intents(const std::string& team, store::Database& db);

// Apply mode, right after the refresh and before reconcile::resolve_pending.
util::Result<signing::Settled> settle_signing(const std::string& team, const core::DesiredState& desired,
                                              asc::Api& api, store::Database& db, const util::Clock& clock,
                                              const core::Snapshot& fresh, const SigningOptions& options);

// The assessment and its plan lines. `api` null (plan --no-refresh): only the local view, and
// profiles are not assessed (their bundle ids and devices need Apple).
util::Result<SigningReport> plan_signing(const core::DesiredState& desired, const core::Snapshot& snapshot,
                                         asc::Api* api, store::Database& db, const std::string& team,
                                         const util::Clock& clock);

// Applies report.assessment (certificates, then profiles, then revocations); fills report.applied.
// `writes` is the cycle's write count so far (crash_after_writes counts across both).
util::Status apply_signing(SigningReport& report, const std::string& team, const core::DesiredState& desired,
                           asc::Api& api, store::Database& db, const util::Clock& clock,
                           const SigningOptions& options, std::optional<int64_t> plan_id,
                           long long crash_after_writes, long long writes_so_far);

// Slots, certificates (owner, seconds to expiry) and profiles of the team's mirrored snapshot,
// as signing::status_json; no request. `desired` supplies slot limits and adopted certificates
// (an empty one: default limits, adoption by record only).
util::Result<nlohmann::json> signing_status(store::Database& db, const std::string& team,
                                            const core::DesiredState& desired, util::TimePoint now);

}  // namespace reconcile
