#pragma once
// Provisioning profile content as Apple serves it in `profileContent`: base64 of a CMS (PKCS#7)
// SignedData, signed by the simulator's CA, whose attached content is an XML property list
// (AppIDName, ApplicationIdentifierPrefix, CreationDate, Platform, DeveloperCertificates,
// Entitlements, ExpirationDate, Name, ProvisionedDevices for development/ad hoc,
// ProvisionsAllDevices, TeamIdentifier, TeamName, TimeToLive, UUID, Version).
#include <string>
#include <vector>

#include "util/clock.hpp"
#include "util/result.hpp"

namespace sim {

class CertificateAuthority;

struct ProfileFacts {
  std::string name;
  std::string uuid;
  std::string profile_type;  // Apple's ProfileType, e.g. IOS_APP_STORE
  std::string team_id;
  std::string team_name;
  std::string app_id_name;        // the bundle id's name
  std::string bundle_identifier;  // e.g. com.acme.shop (or com.acme.*)
  util::TimePoint created;
  util::TimePoint expires;
  std::vector<std::string> certificates_der;  // DER of each certificate
  std::vector<std::string> device_udids;      // development/ad hoc only
};

// Development types (get-task-allow true) and the types that list devices (development, ad hoc).
bool profile_is_development(const std::string& profile_type);
bool profile_takes_devices(const std::string& profile_type);
// Enterprise (in-house) types, which provision all devices.
bool profile_is_inhouse(const std::string& profile_type);

// The XML property list (UTF-8) a profile with these facts carries.
std::string profile_plist(const ProfileFacts& facts);

// base64 of the CMS SignedData around profile_plist(facts), signed by `ca`.
util::Result<std::string> profile_content(CertificateAuthority& ca, const ProfileFacts& facts);

}  // namespace sim
