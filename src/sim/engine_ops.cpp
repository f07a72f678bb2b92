// Engine operations that change state the way a person in Apple's web UI would (declared in
// engine.hpp). Each takes the state lock. Unknown referenced ids are programmer errors and throw
// std::invalid_argument.
#include <stdexcept>

#include "core/model.hpp"
#include "sim/csr.hpp"
#include "sim/engine.hpp"
#include "util/crypto.hpp"
#include "util/strings.hpp"

namespace sim {

std::string Engine::add_app(const std::string& bundle_id, const std::string& name) {
  std::lock_guard lock(state_mutex);
  auto& st = state;
  AppRec app{st.new_numeric_id(), bundle_id, name, util::to_lower(name) + "-sku", "en-US"};
  for (auto& c : app.sku)
    if (c == ' ') c = '-';
  std::string id = app.id;
  st.apps[id] = std::move(app);
  return id;
}

std::string Engine::add_bundle_id(const std::string& identifier, const std::string& name,
                                  const std::string& platform) {
  std::lock_guard lock(state_mutex);
  auto& st = state;
  for (const auto& [id, b] : st.bundle_ids)
    if (util::iequals(b.identifier, identifier))
      throw std::invalid_argument("an App ID with identifier " + identifier + " exists");
  BundleIdRec b{st.new_short_id(), name, platform, identifier, ca.team_id()};
  std::string id = b.id;
  st.bundle_ids[id] = std::move(b);
  return id;
}

std::string Engine::add_user(const std::string& email, const std::string& first_name,
                             const std::string& last_name, const std::vector<std::string>& roles,
                             bool all_apps_visible, const std::vector<std::string>& visible_app_ids) {
  std::lock_guard lock(state_mutex);
  auto& st = state;
  if (st.user_by_email.contains(core::email_key(email)))
    throw std::invalid_argument("add_user: a user with that email exists: " + email);
  for (const auto& a : visible_app_ids)
    if (!st.apps.contains(a)) throw std::invalid_argument("add_user: unknown app " + a);
  for (const auto& role : roles) {
    if (!core::is_user_role(role))
      throw std::invalid_argument("add_user: '" + role +
                                  "' is not a role; roles: " + util::join(core::k_user_roles, ", "));
    if (role == "ACCOUNT_HOLDER")
      for (const auto& [other_id, other] : st.users)
        for (const auto& r : other.roles)
          if (r == "ACCOUNT_HOLDER")
            throw std::invalid_argument("add_user: a team has one ACCOUNT_HOLDER, and " + other.username +
                                        " is it already");
  }
  UserRec u{st.new_uuid(), email,
            first_name,    last_name,
            roles,         all_apps_visible,
            true,          {visible_app_ids.begin(), visible_app_ids.end()}};
  std::string id = u.id;
  st.put_user(std::move(u));
  return id;
}

void Engine::remove_user(const std::string& user_id) {
  std::lock_guard lock(state_mutex);
  state.erase_user(user_id);
}

std::string Engine::add_beta_group(const std::string& app_id, const std::string& name, bool is_internal) {
  std::lock_guard lock(state_mutex);
  auto& st = state;
  if (!st.apps.contains(app_id)) throw std::invalid_argument("add_beta_group: unknown app " + app_id);
  GroupRec g;
  g.id = st.new_uuid();
  g.app_id = app_id;
  g.name = name;
  g.created_date = now();
  g.is_internal = is_internal;
  g.has_access_to_all_builds = is_internal;
  std::string id = g.id;
  st.put_group(std::move(g));
  return id;
}

void Engine::remove_beta_group(const std::string& group_id) {
  std::lock_guard lock(state_mutex);
  state.erase_group(group_id);
}

std::string Engine::add_beta_tester(const std::string& email, const std::string& first_name,
                                    const std::string& last_name, const std::vector<std::string>& group_ids) {
  std::lock_guard lock(state_mutex);
  auto& st = state;
  if (st.tester_by_email.contains(core::email_key(email)))
    throw std::invalid_argument("add_beta_tester: a tester with that email exists: " + email);
  for (const auto& g : group_ids)
    if (!st.groups.contains(g)) throw std::invalid_argument("add_beta_tester: unknown group " + g);
  TesterRec t;
  t.id = st.new_uuid();
  t.email = email;
  t.first_name = first_name;
  t.last_name = last_name;
  t.groups = {group_ids.begin(), group_ids.end()};
  std::string id = t.id;
  st.put_tester(std::move(t));
  return id;
}

void Engine::remove_beta_tester(const std::string& tester_id) {
  std::lock_guard lock(state_mutex);
  state.erase_tester(tester_id);
}

std::optional<std::string> Engine::accept_invitation(const std::string& email) {
  std::lock_guard lock(state_mutex);
  auto& st = state;
  auto it = st.invitation_by_email.find(core::email_key(email));
  if (it == st.invitation_by_email.end()) return std::nullopt;
  const InvitationRec inv = st.invitations.at(it->second);
  st.erase_invitation(inv.id);
  UserRec u{st.new_uuid(),
            inv.email,
            inv.first_name,
            inv.last_name,
            inv.roles,
            inv.all_apps_visible,
            inv.provisioning_allowed,
            inv.visible_apps};
  const std::string id = u.id;
  st.put_user(std::move(u));
  return id;
}

std::string Engine::add_certificate(const std::string& certificate_type, const std::string& common_name,
                                    std::chrono::seconds validity) {
  if (!core::is_certificate_type(certificate_type))
    throw std::invalid_argument("add_certificate: unknown certificate type " + certificate_type);
  auto key = util::generate_rsa_key(2048);
  auto csr = make_csr_pem(key.get(), common_name);
  if (!csr) throw std::runtime_error("add_certificate: " + csr.error().message);
  const auto lifetime = validity.count() > 0 ? validity : options.certificate_validity;
  auto issued = ca.issue(*csr, certificate_type, now(), lifetime);
  if (!issued) throw std::runtime_error("add_certificate: " + issued.error().describe());
  std::lock_guard lock(state_mutex);
  return store_certificate(*issued, certificate_type);
}

std::string Engine::store_certificate(const IssuedCertificate& issued, const std::string& certificate_type) {
  CertificateRec rec;
  rec.id = state.new_short_id();
  rec.name = issued.common_name;
  rec.certificate_type = certificate_type;
  const size_t colon = issued.common_name.find(": ");
  rec.display_name = colon == std::string::npos ? issued.common_name : issued.common_name.substr(colon + 2);
  rec.serial_number = issued.serial_number;
  if (util::starts_with(certificate_type, "IOS_"))
    rec.platform = "IOS";
  else if (util::starts_with(certificate_type, "MAC_") ||
           util::starts_with(certificate_type, "DEVELOPER_ID_"))
    rec.platform = "MAC_OS";
  rec.expiration_date = issued.not_after;
  rec.content_base64 = util::base64_encode(issued.der);
  rec.activated = true;
  std::string id = rec.id;
  state.certificates[id] = std::move(rec);
  return id;
}

void Engine::reset_observation() {
  std::lock_guard lock(log_mutex);
  counters.clear();
  log.clear();
  requests = 0;
  writes = 0;
}

void Engine::reset_all() {
  {
    std::lock_guard lock(state_mutex);
    state.clear();
  }
  faults.clear();
  limiter.reset();
  reset_observation();
}

}  // namespace sim
