#pragma once
// What ascsync shows about signing (ascsync show certificates/profiles, status, /metrics):
// every mirrored certificate with its owner, every profile, the slots per type. Pure; built from
// the mirror's snapshot and the signing records (no Apple request).
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "signing/assess.hpp"
#include "store/database.hpp"
#include "util/result.hpp"

namespace signing {

struct CertificateRow {
  std::string id;
  std::string certificate_type;
  std::string serial_number;
  std::string display_name;
  std::string expiration_date;             // RFC 3339 as mirrored
  std::optional<util::TimePoint> expires;  // parsed; nullopt when unreadable
  Owner owner = Owner::foreign;
  std::string name;      // declared name (owned/adopted)
  bool current = false;  // serves its declared name now
};

struct ProfileRow {
  std::string id;
  std::string name;
  std::string profile_type;
  std::string profile_state;
  std::string expiration_date;
  std::optional<util::TimePoint> expires;
  bool declared = false;
  std::vector<std::string> certificate_ids;
};

// Sorted by type, then expiry.
std::vector<CertificateRow> certificate_rows(const core::DesiredState& desired,
                                             const core::Snapshot& snapshot, const View& view);
// Sorted by name.
std::vector<ProfileRow> profile_rows(const core::DesiredState& desired, const core::Snapshot& snapshot);

// The View that needs no Apple request: the team's signing records and learned slot limits.
util::Result<View> local_view(store::Database& db, const std::string& team);

// {"slots": [{"type", "used", "limit", "learned", "holders": [...]}], "certificates": [...],
//  "profiles": [...]} for `ascsync status --json` and the admin endpoint.
nlohmann::json status_json(const std::vector<SlotReport>& slots,
                           const std::vector<CertificateRow>& certificates,
                           const std::vector<ProfileRow>& profiles, util::TimePoint now);

}  // namespace signing
