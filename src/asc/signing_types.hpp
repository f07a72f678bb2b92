#pragma once
// Plain values for the signing reads beyond the snapshot (bundle ids, devices, certificate
// content, a profile's devices). No JSON or HTTP here: the signing planner includes this header.
#include <string>
#include <vector>

namespace asc {

// GET /v1/bundleIds: the App ID a profile is made for.
struct BundleId {
  std::string id;          // Apple's resource id (a profile's bundle_id_id)
  std::string identifier;  // e.g. "com.acme.shop"
  std::string name;
  std::string platform;  // IOS | MAC_OS | UNIVERSAL
  bool operator==(const BundleId&) const = default;
};

// GET /v1/devices: a registered device (development and ad hoc profiles carry devices).
struct Device {
  std::string id;
  std::string name;
  std::string udid;
  std::string platform;  // IOS | MAC_OS
  std::string status;    // ENABLED | DISABLED
  bool operator==(const Device&) const = default;
};

// A certificate's content: GET /v1/certificates with fields[certificates]=certificateContent.
struct CertificateContent {
  std::string id;
  std::string certificate_type;
  std::string serial_number;
  std::string der;  // the X.509 certificate, DER
};

}  // namespace asc
