#include "sim/profile_content.hpp"

#include <ctime>

#include "sim/ca.hpp"
#include "util/crypto.hpp"
#include "util/strings.hpp"

namespace sim {

namespace {

// Property list dates are ISO 8601 in UTC with a 'Z' and whole seconds.
std::string plist_date(util::TimePoint t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string plist_escape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

void plist_key(std::string& out, const char* indent, const std::string& name) {
  out += indent;
  out += "<key>" + plist_escape(name) + "</key>\n";
}

void plist_string(std::string& out, const char* indent, const std::string& value) {
  out += indent;
  out += "<string>" + plist_escape(value) + "</string>\n";
}

void plist_strings(std::string& out, const std::vector<std::string>& values) {
  out += "\t<array>\n";
  for (const auto& v : values) plist_string(out, "\t\t", v);
  out += "\t</array>\n";
}

std::vector<std::string> plist_platforms(const std::string& type) {
  if (util::starts_with(type, "MAC_")) return {"OSX"};
  if (util::starts_with(type, "TVOS_")) return {"tvOS"};
  return {"iOS", "xrOS", "visionOS"};
}

}  // namespace

bool profile_is_development(const std::string& profile_type) {
  return profile_type.ends_with("_DEVELOPMENT");
}

bool profile_takes_devices(const std::string& profile_type) {
  return profile_is_development(profile_type) || profile_type.ends_with("_ADHOC");
}

bool profile_is_inhouse(const std::string& profile_type) {
  return profile_type.ends_with("_INHOUSE");
}

std::string profile_plist(const ProfileFacts& f) {
  const bool mac = util::starts_with(f.profile_type, "MAC_");
  const std::string app_id = f.team_id + "." + f.bundle_identifier;
  const auto days = std::chrono::duration_cast<std::chrono::hours>(f.expires - f.created).count() / 24;
  std::string out =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" "
      "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n"
      "<plist version=\"1.0\">\n<dict>\n";
  plist_key(out, "\t", "AppIDName");
  plist_string(out, "\t", f.app_id_name);
  plist_key(out, "\t", "ApplicationIdentifierPrefix");
  plist_strings(out, {f.team_id});
  plist_key(out, "\t", "CreationDate");
  out += "\t<date>" + plist_date(f.created) + "</date>\n";
  plist_key(out, "\t", "Platform");
  plist_strings(out, plist_platforms(f.profile_type));
  plist_key(out, "\t", "IsXcodeManaged");
  out += "\t<false/>\n";
  plist_key(out, "\t", "DeveloperCertificates");
  out += "\t<array>\n";
  for (const auto& der : f.certificates_der) out += "\t\t<data>" + util::base64_encode(der) + "</data>\n";
  out += "\t</array>\n";
  plist_key(out, "\t", "Entitlements");
  out += "\t<dict>\n";
  plist_key(out, "\t\t", mac ? "com.apple.application-identifier" : "application-identifier");
  plist_string(out, "\t\t", app_id);
  plist_key(out, "\t\t", "keychain-access-groups");
  out += "\t\t<array>\n";
  plist_string(out, "\t\t\t", f.team_id + ".*");
  out += "\t\t</array>\n";
  plist_key(out, "\t\t", "com.apple.developer.team-identifier");
  plist_string(out, "\t\t", f.team_id);
  plist_key(out, "\t\t", "get-task-allow");
  out += profile_is_development(f.profile_type) ? "\t\t<true/>\n" : "\t\t<false/>\n";
  out += "\t</dict>\n";
  plist_key(out, "\t", "ExpirationDate");
  out += "\t<date>" + plist_date(f.expires) + "</date>\n";
  plist_key(out, "\t", "Name");
  plist_string(out, "\t", f.name);
  if (profile_takes_devices(f.profile_type)) {
    plist_key(out, "\t", "ProvisionedDevices");
    plist_strings(out, f.device_udids);
  }
  plist_key(out, "\t", "ProvisionsAllDevices");
  out += profile_is_inhouse(f.profile_type) ? "\t<true/>\n" : "\t<false/>\n";
  plist_key(out, "\t", "TeamIdentifier");
  plist_strings(out, {f.team_id});
  plist_key(out, "\t", "TeamName");
  plist_string(out, "\t", f.team_name);
  plist_key(out, "\t", "TimeToLive");
  out += "\t<integer>" + std::to_string(days) + "</integer>\n";
  plist_key(out, "\t", "UUID");
  plist_string(out, "\t", f.uuid);
  plist_key(out, "\t", "Version");
  out += "\t<integer>1</integer>\n";
  out += "</dict>\n</plist>\n";
  return out;
}

util::Result<std::string> profile_content(CertificateAuthority& ca, const ProfileFacts& facts) {
  auto signed_der = ca.sign_cms(profile_plist(facts));
  if (!signed_der) return std::move(signed_der).error();
  return util::base64_encode(*signed_der);
}

}  // namespace sim
