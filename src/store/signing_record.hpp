#pragma once
// One certificate a declared certificate name has had (migrations/0007_signing.sql). Plain value,
// no SQLite: the signing planner reads these without a database.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "util/clock.hpp"

namespace store {

struct SigningRecord {
  int64_t id = 0;
  std::string name;              // the declared certificate name (certificates[].name)
  std::string certificate_type;  // Apple's CertificateType
  std::string origin;            // "owned" (ascsync made it, holds the key) | "adopted" (no key)
  // "requested" | "active" | "replaced" | "revoked" | "abandoned"
  std::string state;
  std::string fingerprint;     // owned: the key's public-key fingerprint; adopted: ""
  std::string certificate_id;  // Apple's id; "" while requested (and when abandoned)
  std::string serial_number;
  std::optional<util::TimePoint> expires_at;
  std::optional<std::chrono::seconds> lifetime;  // notAfter - notBefore as issued; nullopt unknown
  util::TimePoint requested_at;                  // adopted: when ascsync started to track it
  std::optional<util::TimePoint> activated_at;
  std::optional<util::TimePoint> replaced_at;
  std::string replaced_by;                      // the successor's certificate id
  std::optional<util::TimePoint> revoke_after;  // replaced: when it may be revoked; nullopt = never
  std::optional<util::TimePoint> revoked_at;

  bool owned() const { return origin == "owned"; }
};

// What Apple says about a certificate that becomes (or was) a name's certificate.
struct CertificateFacts {
  std::string certificate_id;
  std::string serial_number;
  std::optional<util::TimePoint> expires_at;
  std::optional<std::chrono::seconds> lifetime;  // notAfter - notBefore, when known
};

}  // namespace store
