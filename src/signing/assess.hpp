#pragma once
// The signing planner's decisions, as small pure functions of the desired state, the mirrored
// snapshot, what ascsync recorded about its certificates (store::SigningRecord) and the clock
// (docs/certificates.md, "How renewal works"). No I/O: the kinds turn an Assessment into changes.
//
// Ownership (invariant 10): a mirrored certificate is *owned* (ascsync made it and holds its
// key: a signing record with its id and origin "owned"), *adopted* (declared with `adopt:`, or
// recorded as an adopted predecessor: watched and replaced, never revoked) or *foreign*
// (everything else: counted in slots, never touched).
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "asc/signing_types.hpp"
#include "core/desired.hpp"
#include "core/model.hpp"
#include "store/signing_record.hpp"
#include "util/clock.hpp"

namespace signing {

enum class Owner { owned, adopted, foreign };
const char* to_string(Owner owner);

// What the planner reads besides the snapshot and the desired state.
struct View {
  std::vector<store::SigningRecord> records;  // the team's signing_certificates rows
  std::vector<asc::BundleId> bundle_ids;      // listed when a profile is declared
  std::vector<asc::Device> devices;           // listed when a development/ad hoc profile is declared
  // Device ids of mirrored profiles (development/ad hoc ones that are declared); a profile not
  // listed here has unknown devices, which are then not compared.
  std::map<std::string, std::vector<std::string>> profile_devices;
  // Slot limits Apple enforced (store::SigningRecords::learned_slot_limits): the lower of this and
  // policy.certificate_slots applies.
  std::map<std::string, int> learned_slot_limits;
};

// Who holds a mirrored certificate.
struct Holding {
  Owner owner = Owner::foreign;
  std::string name;                              // the declared name it serves or served; "" for foreign
  bool current = false;                          // it serves the name now (not replaced by a successor)
  const store::SigningRecord* record = nullptr;  // ascsync's record of it, if any
};
Holding classify(const core::Certificate& certificate, const core::DesiredState& desired, const View& view);

// ---- Slots ------------------------------------------------------------------------------

struct SlotHolder {
  std::string certificate_id;
  std::string serial_number;
  std::string expiration_date;  // RFC 3339 as mirrored
  Owner owner = Owner::foreign;
  std::string name;       // declared name (owned/adopted), "" for foreign
  bool replaced = false;  // owned/adopted and already replaced by a successor
};

// One certificate type's slots: certificates of the type that have not expired hold one each
// (Apple's count: "You already have a current ... certificate or a pending certificate request").
struct SlotReport {
  std::string certificate_type;
  int used = 0;
  int limit = 0;                    // policy.certificate_slot_limit(type), or the lower limit Apple enforced
  bool learned = false;             // `limit` is the one Apple enforced
  std::vector<SlotHolder> holders;  // by expiry, soonest first
  int free() const { return limit > used ? limit - used : 0; }
};

// Slots of every type that is declared or mirrored, sorted by type.
std::vector<SlotReport> slot_reports(const core::DesiredState& desired, const core::Snapshot& snapshot,
                                     const View& view, util::TimePoint now);

// ---- Certificates -----------------------------------------------------------------------

// Why a declared certificate needs a new one; `none` when it does not (yet).
enum class Due { none, missing, revoked, expired, window };
const char* to_string(Due due);

struct CertificateAssessment {
  const core::DesiredCertificate* declared = nullptr;
  std::optional<core::Certificate> current;  // the certificate serving the name now
  Owner owner = Owner::foreign;              // of `current`
  std::optional<util::TimePoint> expires;    // of `current`
  std::optional<util::TimePoint> renew_at;   // when `current` becomes due
  Due due = Due::none;
  // One human sentence: "expires 2026-12-20, in 21 days", "no certificate yet", ...
  std::string reason;
  // Set when the name needs a certificate but none may be requested now: no free slot (names
  // the holders and what a person can do), or an earlier request still unsettled.
  std::optional<std::string> blocked;
  // Owned, already replaced certificates of the type to revoke first, to free a slot.
  std::vector<SlotHolder> make_room;
  // revoke_replaced: immediately and `current` is owned: revoke it once the new one is verified.
  bool revoke_current_after = false;
  // A request of this name that was journaled but not settled ("requested" record).
  std::optional<store::SigningRecord> unsettled;

  bool renews() const { return due != Due::none && !blocked; }
};

// Every declared certificate, in declaration (name) order.
std::vector<CertificateAssessment> assess_certificates(const core::DesiredState& desired,
                                                       const core::Snapshot& snapshot, const View& view,
                                                       util::TimePoint now);

// "expires 2026-12-20, in 21 days" / "expired 2026-11-02, 3 days ago".
std::string describe_expiry(util::TimePoint expires, util::TimePoint now);

// ---- Profiles ---------------------------------------------------------------------------

enum class ProfileAction { none, create, regenerate, blocked };
const char* to_string(ProfileAction action);

struct ProfileAssessment {
  const core::DesiredProfile* declared = nullptr;
  std::vector<core::Profile> existing;  // mirrored profiles with the declared name (0 or 1, rarely more)
  ProfileAction action = ProfileAction::none;
  std::string reason;                        // why this action (one sentence)
  std::string bundle_id_id;                  // Apple's bundleIds id for the declared identifier ("" unknown)
  std::vector<std::string> certificate_ids;  // current ids of the named certificates (sorted)
  std::vector<std::string> renewed;          // named certificates renewed in the same plan
  std::vector<std::string> device_ids;       // resolved devices (development/ad hoc), sorted
};

// Every declared profile, by name. `certificates` is assess_certificates' result.
std::vector<ProfileAssessment> assess_profiles(const core::DesiredState& desired,
                                               const core::Snapshot& snapshot, const View& view,
                                               const std::vector<CertificateAssessment>& certificates,
                                               util::TimePoint now);

// ---- Revocation of replaced certificates -----------------------------------------------

struct Revocation {
  store::SigningRecord record;  // owned, replaced, revoke_after passed, still at Apple
  std::string reason;
};

// Owned, replaced certificates whose revoke_after has passed and that Apple still has, unless a
// declared profile that is not regenerated in this plan still uses it (it waits for that).
// Adopted and foreign certificates are never in the result.
std::vector<Revocation> due_revocations(const core::DesiredState& desired, const core::Snapshot& snapshot,
                                        const View& view, const std::vector<ProfileAssessment>& profiles,
                                        util::TimePoint now);

// ---- Everything -------------------------------------------------------------------------

struct Assessment {
  std::vector<SlotReport> slots;
  std::vector<CertificateAssessment> certificates;
  std::vector<ProfileAssessment> profiles;
  std::vector<Revocation> revocations;
};

Assessment assess(const core::DesiredState& desired, const core::Snapshot& snapshot, const View& view,
                  util::TimePoint now);

}  // namespace signing
