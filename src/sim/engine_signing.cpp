// Engine operations on certificates and profiles (declared in engine.hpp): slots, foreign
// certificates, revocation, expiry and ageing the world.
#include <algorithm>
#include <map>
#include <stdexcept>

#include "core/model.hpp"
#include "sim/csr.hpp"
#include "sim/engine.hpp"
#include "sim/profile_content.hpp"
#include "util/crypto.hpp"
#include "util/strings.hpp"

namespace sim {

int Engine::certificate_slot_limit(const std::string& certificate_type) const {
  auto it = state.certificate_slot_limits.find(certificate_type);
  return it == state.certificate_slot_limits.end() ? options.certificate_slot_limit : it->second;
}

int Engine::certificate_slots_used(const std::string& certificate_type) const {
  const auto t = now();
  int used = 0;
  for (const auto& [id, cert] : state.certificates)
    if (cert.certificate_type == certificate_type && cert.expiration_date > t) ++used;
  return used;
}

namespace {

// How Apple names a certificate type in its slot error: "You already have a current iOS
// Distribution certificate ..." (Codemagic's docs), "... current iOS Development ..." (Loop's
// build docs), "... current Distribution ..." for Apple Distribution (client mocks and reports).
std::string slot_type_name(const std::string& certificate_type) {
  static const std::map<std::string, std::string> k_names = {
      {"IOS_DISTRIBUTION", "iOS Distribution"},
      {"IOS_DEVELOPMENT", "iOS Development"},
      {"DISTRIBUTION", "Distribution"},
      {"DEVELOPMENT", "Development"},
      {"MAC_APP_DISTRIBUTION", "Mac App Distribution"},
      {"MAC_INSTALLER_DISTRIBUTION", "Mac Installer Distribution"},
      {"MAC_APP_DEVELOPMENT", "Mac Development"},
      {"DEVELOPER_ID_APPLICATION", "Developer ID Application"},
      {"DEVELOPER_ID_APPLICATION_G2", "Developer ID Application"},
      {"DEVELOPER_ID_KEXT", "Developer ID Kernel Extension"},
      {"DEVELOPER_ID_KEXT_G2", "Developer ID Kernel Extension"},
  };
  auto it = k_names.find(certificate_type);
  return it == k_names.end() ? certificate_name_prefix(certificate_type) : it->second;
}

}  // namespace

std::optional<ApiError> Engine::slot_refusal(const std::string& certificate_type) const {
  if (certificate_slots_used(certificate_type) < certificate_slot_limit(certificate_type))
    return std::nullopt;
  return ApiError{409,
                  "ENTITY_ERROR.ATTRIBUTE.INVALID",
                  "There is a problem with the request entity",
                  "You already have a current " + slot_type_name(certificate_type) +
                      " certificate or a pending certificate request.",
                  "/data/attributes/certificateType",
                  ""};
}

std::string Engine::add_foreign_certificate(const std::string& certificate_type,
                                            const std::string& common_name, util::TimePoint expires,
                                            bool enforce_slots) {
  if (!core::is_certificate_type(certificate_type))
    throw std::invalid_argument("unknown certificate type '" + certificate_type + "'");
  if (util::trim(common_name).empty()) throw std::invalid_argument("the certificate name must not be empty");
  auto key = util::generate_rsa_key(2048);
  auto csr = make_csr_pem(key.get(), common_name);
  if (!csr) throw std::runtime_error("add certificate: " + csr.error().message);
  const auto t = std::chrono::time_point_cast<std::chrono::seconds>(now());
  const auto wanted = std::chrono::time_point_cast<std::chrono::seconds>(expires);
  const util::TimePoint not_before = std::min<util::TimePoint>(t, wanted - options.certificate_validity);
  const auto validity = std::chrono::duration_cast<std::chrono::seconds>(wanted - not_before);
  if (validity.count() <= 0) throw std::invalid_argument("the expiration date must follow the issue date");
  std::lock_guard lock(state_mutex);
  if (enforce_slots)
    if (auto refusal = slot_refusal(certificate_type)) throw SlotsFull(refusal->detail);
  auto issued = ca.issue(*csr, certificate_type, not_before, validity);
  if (!issued) throw std::runtime_error("add certificate: " + issued.error().describe());
  std::string id = store_certificate(*issued, certificate_type);
  process_expirations();
  return id;
}

void Engine::revoke_certificate(const std::string& id) {
  state.certificates.erase(id);
  for (auto& [pid, p] : state.profiles)
    if (p.certificates.contains(id)) p.profile_state = "INVALID";
}

void Engine::set_certificate_expiry(const std::string& id, util::TimePoint expires) {
  auto it = state.certificates.find(id);
  if (it == state.certificates.end()) throw std::invalid_argument("no certificate with id '" + id + "'");
  auto& cert = it->second;
  cert.expiration_date = std::chrono::time_point_cast<std::chrono::seconds>(expires);
  if (auto der = util::base64_decode(cert.content_base64); der.ok() && !der->empty())
    if (auto redated = ca.with_not_after(*der, cert.expiration_date); redated.ok())
      cert.content_base64 = util::base64_encode(*redated);
  process_expirations();
}

void Engine::process_expirations() {
  const auto t = now();
  for (auto& [pid, p] : state.profiles) {
    if (p.profile_state != "ACTIVE") continue;
    bool valid = p.expiration_date > t;
    for (const auto& cid : p.certificates) {
      auto cert = state.certificates.find(cid);
      if (cert == state.certificates.end() || cert->second.expiration_date <= t) valid = false;
    }
    if (!valid) p.profile_state = "INVALID";
  }
}

void Engine::age_world(std::chrono::seconds by) {
  if (by.count() < 0) throw std::invalid_argument("the world can only age forward (seconds >= 0)");
  std::lock_guard lock(state_mutex);
  for (auto& [id, cert] : state.certificates) {
    cert.expiration_date -= by;
    // A certificate whose content is not X.509 (a hand-written fixture) keeps it; only its date moves.
    if (auto der = util::base64_decode(cert.content_base64); der.ok() && !der->empty())
      if (auto redated = ca.redate(*der, -by); redated.ok())
        cert.content_base64 = util::base64_encode(*redated);
  }
  for (auto& [id, p] : state.profiles) {
    p.created_date -= by;
    p.expiration_date -= by;
    // Re-signed with the re-dated certificates; a profile naming a revoked certificate keeps its
    // old content (it is INVALID anyway).
    if (auto content = make_profile_content(p); content.ok()) p.profile_content = *content;
  }
  for (auto& [id, inv] : state.invitations) inv.expiration_date -= by;
  for (auto& [id, g] : state.groups) g.created_date -= by;
  for (auto& [id, d] : state.devices) d.added_date -= by;
  process_expirations();
}

util::Result<std::string> Engine::make_profile_content(const ProfileRec& p) {
  ProfileFacts facts;
  facts.name = p.name;
  facts.uuid = p.uuid;
  facts.profile_type = p.profile_type;
  facts.team_id = ca.team_id();
  facts.team_name = "ascsim team " + facts.team_id;
  auto bundle = state.bundle_ids.find(p.bundle_id_id);
  if (bundle == state.bundle_ids.end())
    return util::make_error(util::ErrorKind::client,
                            "profile " + p.id + ": unknown bundle id " + p.bundle_id_id);
  facts.app_id_name = bundle->second.name;
  facts.bundle_identifier = bundle->second.identifier;
  facts.created = p.created_date;
  facts.expires = p.expiration_date;
  for (const auto& cid : p.certificates) {
    auto cert = state.certificates.find(cid);
    if (cert == state.certificates.end())
      return util::make_error(util::ErrorKind::client,
                              "profile " + p.id + ": certificate " + cid + " is gone");
    auto der = util::base64_decode(cert->second.content_base64);
    if (!der) return std::move(der).error();
    facts.certificates_der.push_back(std::move(*der));
  }
  if (profile_takes_devices(p.profile_type))
    for (const auto& did : p.devices)
      if (auto d = state.devices.find(did); d != state.devices.end())
        facts.device_udids.push_back(d->second.udid);
  return profile_content(ca, facts);
}

}  // namespace sim
