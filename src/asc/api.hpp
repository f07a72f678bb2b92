#pragma once
// The typed App Store Connect API ascsync uses: one full snapshot for the mirror, the writes the
// apply step performs, and read-backs by natural key (email, group name) that resolve writes
// whose outcome is unknown. Built on asc::Client (transport, budget, retries, pagination).
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "asc/client.hpp"
#include "asc/signing_types.hpp"
#include "core/model.hpp"
#include "util/result.hpp"

namespace asc {

// Page size for every collection (Apple's maximum).
inline constexpr int k_page_limit = 200;
// Per-resource cap on included to-many items (Apple's maximum for these relationships).
inline constexpr int k_include_limit = 50;
// Testers per linkage call when changing group membership. Apple documents no cap; 100 keeps a
// failed call cheap to repeat while a 1,000-tester change costs only 10 requests of the budget.
inline constexpr size_t k_linkage_chunk = 100;

// Which kinds a refresh lists. `required`: any failure (403 included) fails the snapshot.
// `if_allowed`: listed, but a 403 (the key's role may not read it) leaves the kind out, marked
// not read, instead of failing (the certificate expiry watch: useful, not needed for a plan).
// `skip`: not listed at all, marked not read. A kind not read is never "empty": the caller keeps
// it apart (reconcile::refresh keeps the mirror's rows and marks them not read).
enum class ReadNeed { skip, if_allowed, required };

struct ReadSet {
  ReadNeed apps = ReadNeed::required;
  ReadNeed users = ReadNeed::required;
  ReadNeed invitations = ReadNeed::required;
  ReadNeed groups = ReadNeed::required;
  ReadNeed testers = ReadNeed::required;
  ReadNeed certificates = ReadNeed::required;
  ReadNeed profiles = ReadNeed::required;
  static ReadSet all() { return {}; }
};

struct FetchStats {
  long long requests = 0;  // HTTP requests, retries included
  long long pages = 0;     // collection pages, follow-ups included
  long long retries = 0;
  long long follow_ups = 0;  // resources whose to-many relationship needed its own listing
  std::chrono::milliseconds elapsed{0};
  // Kinds left out of the snapshot ("users", "invitations", "groups", "testers", "certificates",
  // "profiles", "apps") -> why: not managed, or the key's role may not read them.
  std::map<std::string, std::string> not_read;
};

struct CreatedCertificate {
  core::Certificate certificate;
  std::string content_der;  // the X.509 certificate, DER (decoded from certificateContent)
};

class Api {
 public:
  explicit Api(std::unique_ptr<Client> client);
  static util::Result<std::unique_ptr<Api>> create(Credentials credentials, ClientOptions options);

  // Lists apps, users, invitations, beta groups, beta testers (with every membership),
  // certificates (without their content) and profiles. Any failed listing fails the whole
  // call: never a partial snapshot. The result is normalize()d. In the common case (no
  // relationship beyond 50 items) it sends sum over kinds of max(1, ceil(count / 200)) requests.
  util::Result<core::Snapshot> fetch_snapshot(FetchStats* stats = nullptr);
  // The same for the kinds `read` asks for only; see ReadSet. stats->not_read names the rest.
  util::Result<core::Snapshot> fetch_snapshot(const ReadSet& read, FetchStats* stats);

  // --- Team users and invitations ----------------------------------------------------------
  // POST /v1/userInvitations. visible_app_ids are sent only when !all_apps_visible. Never
  // retried blindly: after an unclear failure, call find_user_invitation_by_email.
  util::Result<core::Invitation> create_user_invitation(const std::string& email,
                                                        const std::string& first_name,
                                                        const std::string& last_name,
                                                        const std::vector<std::string>& roles,
                                                        bool all_apps_visible, bool provisioning_allowed,
                                                        const std::vector<std::string>& visible_app_ids);
  util::Status delete_user_invitation(const std::string& id);
  // PATCH /v1/users/{id}: roles replace the user's roles; the visibleApps relationship (full
  // list) is sent when !all_apps_visible.
  util::Result<core::User> update_user(const std::string& id, const std::vector<std::string>& roles,
                                       bool all_apps_visible, bool provisioning_allowed,
                                       const std::vector<std::string>& visible_app_ids);
  util::Status delete_user(const std::string& id);

  // --- TestFlight ---------------------------------------------------------------------------
  // POST /v1/betaGroups. Public link settings are sent for external groups only; a limit
  // enables publicLinkLimitEnabled.
  util::Result<core::BetaGroup> create_beta_group(const std::string& app_id, const std::string& name,
                                                  bool is_internal, bool has_access_to_all_builds,
                                                  bool public_link_enabled,
                                                  std::optional<int> public_link_limit,
                                                  bool feedback_enabled);
  // PATCH /v1/betaGroups/{current.id} with the settings Apple lets change after creation.
  // `current` (the mirror's group) supplies the id, the app and whether the group is internal.
  util::Result<core::BetaGroup> update_beta_group(const core::BetaGroup& current, const std::string& name,
                                                  bool public_link_enabled,
                                                  std::optional<int> public_link_limit,
                                                  bool feedback_enabled);
  util::Status delete_beta_group(const std::string& id);
  // POST /v1/betaTesters with a betaGroups relationship: creates the tester directly in groups.
  util::Result<core::BetaTester> create_beta_tester(const std::string& email, const std::string& first_name,
                                                    const std::string& last_name,
                                                    const std::vector<std::string>& group_ids);
  // POST/DELETE /v1/betaGroups/{id}/relationships/betaTesters in chunks of k_linkage_chunk.
  // Linkage calls are idempotent and retried. On failure the error says how many were done.
  util::Status add_testers_to_group(const std::string& group_id, const std::vector<std::string>& tester_ids);
  util::Status remove_testers_from_group(const std::string& group_id,
                                         const std::vector<std::string>& tester_ids);
  util::Status delete_beta_tester(const std::string& id);

  // --- Certificates -------------------------------------------------------------------------
  // POST /v1/certificates with the CSR (PEM text) and CertificateType.
  util::Result<CreatedCertificate> create_certificate(const std::string& csr_pem, const std::string& type);
  util::Status delete_certificate(const std::string& id);
  util::Result<std::vector<core::Certificate>> list_certificates();

  // --- Signing reads beyond the snapshot (api_signing.cpp) -------------------------------------
  // Each fails whole on any failed page or malformed resource (invariants 1 and 8).
  util::Result<std::vector<BundleId>> list_bundle_ids();
  util::Result<std::vector<Device>> list_devices();
  // Every certificate (of `certificate_type`, when not empty) with its certificateContent
  // decoded: how an unclear certificate request is read back, by public key.
  util::Result<std::vector<CertificateContent>> list_certificate_contents(
      const std::string& certificate_type = "");
  // GET /v1/profiles/{id}/devices: the ids, sorted.
  util::Result<std::vector<std::string>> list_profile_device_ids(const std::string& profile_id);
  // GET /v1/profiles?filter[name]=...: every profile with exactly this name (read-back).
  util::Result<std::vector<core::Profile>> find_profiles_by_name(const std::string& name);

  // --- Profiles (Apple has no PATCH: a change is a new profile and a deleted one) --------------
  // POST /v1/profiles. device_ids only for development and ad hoc types. Apple refuses a second
  // profile with a name in use ("Multiple profiles found with the name ..."). Never retried
  // blindly: after an unclear failure, call find_profiles_by_name.
  util::Result<core::Profile> create_profile(const std::string& name, const std::string& profile_type,
                                             const std::string& bundle_id_id,
                                             const std::vector<std::string>& certificate_ids,
                                             const std::vector<std::string>& device_ids);
  util::Status delete_profile(const std::string& id);

  // --- Read-backs by natural key (std::nullopt = Apple has none) -------------------------------
  util::Result<std::optional<core::Invitation>> find_user_invitation_by_email(const std::string& email);
  util::Result<std::optional<core::User>> find_user_by_email(const std::string& email);
  util::Result<std::optional<core::BetaTester>> find_beta_tester_by_email(const std::string& email);
  util::Result<std::optional<core::BetaGroup>> find_beta_group(const std::string& app_id,
                                                               const std::string& name);

  Client& client() { return *m_client; }

 private:
  util::Result<std::vector<core::App>> list_apps(CallStats* stats);
  util::Result<std::vector<core::User>> list_users(Query filter, FetchStats* fs, CallStats* stats);
  util::Result<std::vector<core::Invitation>> list_invitations(Query filter, FetchStats* fs,
                                                               CallStats* stats);
  util::Result<std::vector<core::BetaGroup>> list_groups(Query filter, CallStats* stats);
  util::Result<std::vector<core::BetaTester>> list_testers(Query filter, FetchStats* fs, CallStats* stats);
  util::Result<std::vector<core::Certificate>> list_certificates_impl(CallStats* stats);
  util::Result<std::vector<core::Profile>> list_profiles(FetchStats* fs, CallStats* stats);
  util::Status change_membership(const std::string& method, const std::string& group_id,
                                 const std::vector<std::string>& tester_ids);

  std::unique_ptr<Client> m_client;
};

}  // namespace asc
