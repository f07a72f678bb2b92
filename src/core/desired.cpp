#include "core/desired.hpp"

#include <algorithm>

namespace core {

std::string SourceLoc::str() const {
  if (line <= 0) return file;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

int Policy::certificate_slot_limit(const std::string& certificate_type) const {
  auto it = certificate_slots.find(certificate_type);
  return it == certificate_slots.end() ? k_default_certificate_slots : it->second;
}

const std::vector<std::string> k_profile_types = {
    "IOS_APP_DEVELOPMENT",    "IOS_APP_STORE",          "IOS_APP_ADHOC",    "IOS_APP_INHOUSE",
    "MAC_APP_DEVELOPMENT",    "MAC_APP_STORE",          "MAC_APP_DIRECT",   "TVOS_APP_DEVELOPMENT",
    "TVOS_APP_STORE",         "TVOS_APP_ADHOC",         "TVOS_APP_INHOUSE", "MAC_CATALYST_APP_DEVELOPMENT",
    "MAC_CATALYST_APP_STORE", "MAC_CATALYST_APP_DIRECT"};

bool is_profile_type(const std::string& type) {
  return std::find(k_profile_types.begin(), k_profile_types.end(), type) != k_profile_types.end();
}

bool profile_takes_devices(const std::string& profile_type) {
  return profile_type == "IOS_APP_DEVELOPMENT" || profile_type == "IOS_APP_ADHOC" ||
         profile_type == "MAC_APP_DEVELOPMENT" || profile_type == "TVOS_APP_DEVELOPMENT" ||
         profile_type == "TVOS_APP_ADHOC" || profile_type == "MAC_CATALYST_APP_DEVELOPMENT";
}

const std::vector<std::string>& certificate_types_for_profile(const std::string& profile_type) {
  // Why these pairs: Apple signs iOS and tvOS apps with iOS certificates, Mac and Mac Catalyst
  // apps with Mac ones; DEVELOPMENT and DISTRIBUTION are the newer all-platform types; apps
  // distributed outside the store (…_DIRECT) use Developer ID Application certificates.
  static const std::vector<std::string> ios_dev = {"DEVELOPMENT", "IOS_DEVELOPMENT"};
  static const std::vector<std::string> ios_dist = {"DISTRIBUTION", "IOS_DISTRIBUTION"};
  static const std::vector<std::string> mac_dev = {"DEVELOPMENT", "MAC_APP_DEVELOPMENT"};
  static const std::vector<std::string> mac_dist = {"DISTRIBUTION", "MAC_APP_DISTRIBUTION"};
  static const std::vector<std::string> direct = {"DEVELOPER_ID_APPLICATION", "DEVELOPER_ID_APPLICATION_G2"};
  static const std::vector<std::string> none;
  if (profile_type == "IOS_APP_DEVELOPMENT" || profile_type == "TVOS_APP_DEVELOPMENT") return ios_dev;
  if (profile_type == "IOS_APP_STORE" || profile_type == "IOS_APP_ADHOC" ||
      profile_type == "IOS_APP_INHOUSE" || profile_type == "TVOS_APP_STORE" ||
      profile_type == "TVOS_APP_ADHOC" || profile_type == "TVOS_APP_INHOUSE")
    return ios_dist;
  if (profile_type == "MAC_APP_DEVELOPMENT" || profile_type == "MAC_CATALYST_APP_DEVELOPMENT") return mac_dev;
  if (profile_type == "MAC_APP_STORE" || profile_type == "MAC_CATALYST_APP_STORE") return mac_dist;
  if (profile_type == "MAC_APP_DIRECT" || profile_type == "MAC_CATALYST_APP_DIRECT") return direct;
  return none;
}

bool certificate_fits_profile(const std::string& certificate_type, const std::string& profile_type) {
  const auto& types = certificate_types_for_profile(profile_type);
  return std::find(types.begin(), types.end(), certificate_type) != types.end();
}

std::chrono::seconds RenewBefore::before_expiry(std::chrono::seconds lifetime) const {
  if (lifetime.count() <= 0) return std::chrono::seconds(0);
  if (percent > 0)
    return std::chrono::seconds(lifetime.count() / 100 * percent + lifetime.count() % 100 * percent / 100);
  if (duration >= lifetime) return lifetime / 3;
  return duration;
}

}  // namespace core
