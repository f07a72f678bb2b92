#pragma once
// The signing side effects, in the order docs/certificates.md ("How renewal works") gives:
// every write is journaled before it is sent, the key is durable before its intent, an unclear
// certificate request is settled by reading certificates back and matching the public key (never
// a second POST), a new certificate is verified before it is trusted. The certificate and
// profile kinds call these; they know nothing of plans.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "asc/api.hpp"
#include "core/desired.hpp"
#include "core/model.hpp"
#include "custody/key_store.hpp"
#include "custody/passphrase.hpp"
#include "signing/assess.hpp"
#include "store/database.hpp"
#include "util/clock.hpp"
#include "util/result.hpp"

namespace signing {

// Journal and condition keys: "certificate:<name>" (a renewal), "certificate:<name>/<id>" (a
// revocation), "profile:<name>".
std::string renewal_key(const std::string& name);
std::string revocation_key(const std::string& name, const std::string& certificate_id);
std::string profile_key(const std::string& name);

// Named points of the steps, for crash tests (ASCSYNC_CRASH_AT): after the key is durable,
// after the intent is journaled, after the certificate is stored, after the old profile is
// deleted, after the new one is created, before a revocation.
inline constexpr const char* k_step_key_written = "key-written";
inline constexpr const char* k_step_intent = "intent";
inline constexpr const char* k_step_certificate_stored = "certificate-stored";
inline constexpr const char* k_step_profile_deleted = "profile-deleted";
inline constexpr const char* k_step_profile_created = "profile-created";
inline constexpr const char* k_step_before_revoke = "before-revoke";

struct Context {
  std::string team;
  asc::Api* api = nullptr;
  store::Database* db = nullptr;
  custody::KeyStore* keys = nullptr;
  const util::Clock* clock = nullptr;
  std::optional<int64_t> plan_id;
  // Where systemd credentials are ($CREDENTIALS_DIRECTORY), for p12 passwords given by name.
  std::string credentials_directory;
  // Called after every write request that succeeded (the executor counts writes and may stop
  // the process there in crash tests).
  std::function<void()> on_write;
  // Called at each named step (k_step_*); crash tests stop the process there.
  std::function<void(const char* step)> on_step;
};

// The certificate a renewal produced, verified against its key.
struct Renewed {
  core::Certificate certificate;
  std::string fingerprint;
  bool read_back = false;  // the request's answer was lost; found by its public key
};

// The outcome of a step whose write may or may not have happened: the journal entry stays
// pending, and the next cycle settles it by reading back (settle_requests).
struct Unknown {
  std::string message;
};

// ---- Reads ------------------------------------------------------------------------------

// Reads what the signing planner needs besides the snapshot: the team's signing records, and
// (when profiles are declared) bundle ids, devices and the devices of declared development/ad hoc
// profiles. Fails whole when any listing fails.
util::Result<View> read_view(asc::Api& api, store::Database& db, const std::string& team,
                             const core::DesiredState& desired, const core::Snapshot& snapshot);

// ---- Recovery ---------------------------------------------------------------------------

struct Settled {
  int activated = 0;  // requests whose certificate was found by public key, verified and stored
  int abandoned = 0;  // requests Apple never turned into a certificate
  int resolved = 0;   // other pending journal entries (revocations, profiles) settled by read-back
  int orphan_keys_removed = 0;
  std::vector<core::Certificate> stored;  // certificates activated by read-back (add to the snapshot)
  std::vector<std::string> messages;
};

// Settles what a crash left: every "requested" record (between the intent and the stored
// certificate) is read back by public key among the certificates of its type: found, it is
// verified and activated (and exported when declared); not found, the request never made a
// certificate: the record is abandoned and its key removed. Pending certificate and profile
// journal entries are completed from the fresh snapshot (a revocation whose certificate is gone
// happened; a profile that exists by name was created). Keys that no record and no pending
// intent claims, and that no certificate at Apple carries, are removed (a crash between the key
// and its intent). A failed read-back settles nothing (the next cycle tries again). Call under
// the team's apply lock, before planning.
util::Result<Settled> settle_requests(Context& ctx, const core::DesiredState& desired,
                                      const core::Snapshot& fresh);

// ---- Certificates -----------------------------------------------------------------------

// Steps 1-4 (and the p12 export) for one due certificate: revokes the owned, replaced
// certificates in `a.make_room`, makes a key (durable 0600 in custody), journals the intent with
// its fingerprint and records the request, POSTs the CSR, settles an unclear answer by reading
// back by public key, verifies the certificate (key matches, not expired), stores it (the
// predecessor becomes "replaced", with revoke_after from revoke_replaced) and exports the
// identity when declared. 403 becomes an auth error naming the permission the key lacks.
// std::variant-free: an unclear outcome is Unknown in `unknown` with no certificate.
struct RenewResult {
  std::optional<Renewed> renewed;
  std::optional<Unknown> unknown;
};
util::Result<RenewResult> renew_certificate(Context& ctx, const core::DesiredCertificate& declared,
                                            const CertificateAssessment& a);

// Writes the declared export (p12 + PEM chain beside it) for the name's active certificate.
util::Status export_identity(Context& ctx, const core::DesiredCertificate& declared,
                             const std::string& fingerprint, const std::string& certificate_der);
// `ascsync export-identity NAME --out FILE.p12`: the active certificate of declared name `name`
// (read from Apple with its content, checked against the key) and its key as a p12 at `p12_path`
// (0600, legacy PBE-SHA1-3DES) plus the PEM chain beside it. Errors name what is missing: no
// such name, no certificate yet, an adopted one (ascsync holds no key), the key file.
util::Status export_identity_to(Context& ctx, const std::string& name, const std::string& p12_path,
                                const custody::Passphrase& password);
// Where the PEM chain goes: the p12 path with ".p12" replaced by ".pem" (or ".pem" appended).
std::string chain_path_for(const std::string& p12_path);

// Revokes (DELETE) an owned certificate and forgets its key. Refuses anything not owned.
util::Status revoke_certificate(Context& ctx, const store::SigningRecord& record, const std::string& why);

// ---- Profiles ---------------------------------------------------------------------------

// The certificate ids a profile is made from now: the active certificate of each named
// certificate (renewed ones included), else the one the assessment saw (adopted ones).
util::Result<std::vector<std::string>> profile_certificate_ids(
    Context& ctx, const ProfileAssessment& p, const std::vector<CertificateAssessment>& certs);

// Makes the declared profile anew: Apple has no PATCH and refuses a second profile with the same
// name, so the old ones (same name) are deleted first, then the new one is created with the same
// name, bundle id, devices and the current certificates. An unclear create is read back by name.
struct ProfileResult {
  std::optional<core::Profile> profile;
  std::optional<Unknown> unknown;
};
util::Result<ProfileResult> regenerate_profile(Context& ctx, const ProfileAssessment& p,
                                               const std::vector<std::string>& certificate_ids);

}  // namespace signing
