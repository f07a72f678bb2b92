#pragma once
// The certificates ascsync renews, per team and declared name (migrations/0007_signing.sql):
// which certificate serves a name now, which ones it replaced, which keys it holds. Keys never
// come here, only their public-key fingerprints. The reconciler writes a "requested" row right
// after the key is in the custody directory and before the certificate request is sent.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "store/database.hpp"
#include "store/signing_record.hpp"
#include "util/result.hpp"

namespace store {

class SigningRecords {
 public:
  explicit SigningRecords(Database& db) : m_db(&db) {}

  // Records that a key with `fingerprint` was made for the name and a certificate is about to be
  // requested for it. Returns the row id. A fingerprint already recorded is an error.
  util::Result<int64_t> add_requested(const std::string& team, const std::string& name,
                                      const std::string& certificate_type, const std::string& fingerprint,
                                      util::TimePoint at);

  // The certificate for `fingerprint` exists and was verified: the row becomes "active" with the
  // certificate's facts. In the same transaction every other active row of the name becomes
  // "replaced" (replaced_by = the new id, revoke_after as given, nullopt = never), and
  // `adopted_predecessor`, when given and not yet recorded, is recorded as an adopted,
  // replaced row. Fails when no requested or active row has the fingerprint.
  util::Status activate(const std::string& team, const std::string& fingerprint,
                        const CertificateFacts& facts, util::TimePoint at,
                        std::optional<util::TimePoint> revoke_after,
                        const std::optional<CertificateFacts>& adopted_predecessor);

  // A request that never produced a certificate (its read-back found none): "abandoned".
  util::Status abandon(const std::string& team, const std::string& fingerprint, util::TimePoint at);

  // ascsync revoked (deleted) the certificate at Apple, or found it gone: "revoked".
  util::Status mark_revoked(const std::string& team, const std::string& certificate_id, util::TimePoint at);

  // Apple refused a request of `certificate_type` for want of a slot while `slot_limit`
  // certificates of the type were held: remember it (replaces an earlier value).
  util::Status learn_slot_limit(const std::string& team, const std::string& certificate_type, int slot_limit,
                                util::TimePoint at);
  // certificate type -> learned limit.
  util::Result<std::map<std::string, int>> learned_slot_limits(const std::string& team);

  // Every row of the team, by name then id (oldest first).
  util::Result<std::vector<SigningRecord>> list(const std::string& team);
  // The row with this fingerprint, std::nullopt when none.
  util::Result<std::optional<SigningRecord>> find_by_fingerprint(const std::string& team,
                                                                 const std::string& fingerprint);

 private:
  Database* m_db;
};

}  // namespace store
