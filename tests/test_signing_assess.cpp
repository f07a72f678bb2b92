// The signing planner's pure decisions: ownership, slots, due-ness, blocked renewals, profiles
// that follow their certificates, revocation of replaced certificates.
#include <doctest/doctest.h>

#include "signing/assess.hpp"
#include "signing/changes.hpp"
#include "signing/report.hpp"
#include "util/time.hpp"

namespace {

util::TimePoint when(const char* text) {
  return *util::parse_rfc3339(text);
}

const util::TimePoint k_now = when("2026-11-30T00:00:00Z");

core::Certificate cert(std::string id, std::string serial, std::string expires,
                       std::string type = "IOS_DISTRIBUTION") {
  core::Certificate c;
  c.id = std::move(id);
  c.serial_number = std::move(serial);
  c.certificate_type = std::move(type);
  c.expiration_date = std::move(expires);
  return c;
}

core::DesiredCertificate declared_cert(std::string name, std::string type = "IOS_DISTRIBUTION") {
  core::DesiredCertificate d;
  d.name = std::move(name);
  d.type = std::move(type);
  return d;
}

store::SigningRecord owned_record(std::string name, std::string id, std::string state, char fp = 'a') {
  store::SigningRecord r;
  r.name = std::move(name);
  r.certificate_type = "IOS_DISTRIBUTION";
  r.origin = "owned";
  r.state = std::move(state);
  r.fingerprint = std::string(64, fp);
  r.certificate_id = std::move(id);
  return r;
}

core::DesiredProfile declared_profile(std::string name, std::vector<std::string> certs) {
  core::DesiredProfile p;
  p.name = std::move(name);
  p.type = "IOS_APP_STORE";
  p.bundle_id = "com.acme.shop";
  p.certificates = std::move(certs);
  return p;
}

core::Profile mirrored_profile(std::string id, std::string name, std::vector<std::string> cert_ids,
                               std::string state = "ACTIVE") {
  core::Profile p;
  p.id = std::move(id);
  p.name = std::move(name);
  p.profile_type = "IOS_APP_STORE";
  p.profile_state = std::move(state);
  p.bundle_id_id = "B1";
  p.expiration_date = "2027-06-01T00:00:00.000+00:00";
  p.certificate_ids = std::move(cert_ids);
  return p;
}

signing::View view_with(std::vector<store::SigningRecord> records) {
  signing::View v;
  v.records = std::move(records);
  v.bundle_ids = {{"B1", "com.acme.shop", "Shop", "IOS"}};
  return v;
}

}  // namespace

TEST_CASE("signing: certificates are owned, adopted or foreign") {
  core::DesiredState desired;
  auto adopted = declared_cert("legacy");
  adopted.adopt = "0a0b0c";  // by serial, case-insensitively
  desired.certificates = {declared_cert("app-store"), adopted};
  core::Snapshot snap;
  snap.certificates = {cert("C1", "1111", "2027-06-01T00:00:00Z"),
                       cert("C2", "0A0B0C", "2027-06-01T00:00:00Z"),
                       cert("C3", "3333", "2027-06-01T00:00:00Z")};
  const auto view = view_with({owned_record("app-store", "C1", "active")});
  auto h1 = signing::classify(snap.certificates[0], desired, view);
  CHECK(h1.owner == signing::Owner::owned);
  CHECK(h1.name == "app-store");
  CHECK(h1.current);
  auto h2 = signing::classify(snap.certificates[1], desired, view);
  CHECK(h2.owner == signing::Owner::adopted);
  CHECK(h2.name == "legacy");
  auto h3 = signing::classify(snap.certificates[2], desired, view);
  CHECK(h3.owner == signing::Owner::foreign);
  CHECK(h3.name.empty());
}

TEST_CASE("signing: a certificate 20 days from expiry with renew_before 30d is due, at 40 days it is not") {
  core::DesiredState desired;
  desired.certificates = {declared_cert("app-store")};
  core::Snapshot snap;
  snap.certificates = {cert("C1", "1111", "2026-12-20T00:00:00.000+00:00")};
  auto view = view_with({owned_record("app-store", "C1", "active")});
  auto a = signing::assess_certificates(desired, snap, view, k_now);
  REQUIRE(a.size() == 1);
  CHECK(a[0].due == signing::Due::window);
  CHECK(a[0].renews());
  CHECK(a[0].owner == signing::Owner::owned);
  CHECK(a[0].reason == "expires 2026-12-20, in 20 days");

  snap.certificates[0].expiration_date = "2027-01-09T00:00:00.000+00:00";
  a = signing::assess_certificates(desired, snap, view, k_now);
  CHECK(a[0].due == signing::Due::none);
  CHECK_FALSE(a[0].renews());
  CHECK(a[0].reason == "expires 2027-01-09, in 40 days; renews from 2026-12-10");

  // A share of the lifetime: 33% of a year is about 120 days.
  desired.certificates[0].renew_before.percent = 33;
  a = signing::assess_certificates(desired, snap, view, k_now);
  CHECK(a[0].due == signing::Due::window);
}

TEST_CASE("signing: missing, revoked out of band and expired certificates are due") {
  core::DesiredState desired;
  desired.certificates = {declared_cert("app-store")};
  core::Snapshot snap;
  auto a = signing::assess_certificates(desired, snap, view_with({}), k_now);
  CHECK(a[0].due == signing::Due::missing);
  CHECK(a[0].reason == "no certificate yet");

  // ascsync's certificate vanished: revoked in the web UI.
  auto view = view_with({owned_record("app-store", "C1", "active")});
  a = signing::assess_certificates(desired, snap, view, k_now);
  CHECK(a[0].due == signing::Due::revoked);
  CHECK(a[0].reason.find("C1") != std::string::npos);
  CHECK(a[0].reason.find("revoked outside ascsync") != std::string::npos);

  snap.certificates = {cert("C1", "1111", "2026-11-28T00:00:00Z")};
  a = signing::assess_certificates(desired, snap, view, k_now);
  CHECK(a[0].due == signing::Due::expired);
  CHECK(a[0].reason == "expired 2026-11-28, 2 days ago");

  // An unsettled request blocks: never a second request for the same name.
  auto pending = owned_record("app-store", "", "requested", 'b');
  view.records.push_back(pending);
  a = signing::assess_certificates(desired, snap, view, k_now);
  REQUIRE(a[0].blocked.has_value());
  CHECK(a[0].blocked->find("not settled") != std::string::npos);
}

TEST_CASE("signing: all slots held by foreign certificates blocks the renewal and names the holders") {
  core::DesiredState desired;
  desired.certificates = {declared_cert("app-store")};
  core::Snapshot snap;
  snap.certificates = {cert("F1", "AAAA", "2027-03-01T00:00:00Z"), cert("F2", "BBBB", "2027-04-01T00:00:00Z"),
                       cert("F3", "CCCC", "2027-05-01T00:00:00Z"),
                       // Expired: holds no slot.
                       cert("F4", "DDDD", "2026-01-01T00:00:00Z"),
                       // Another type: not counted.
                       cert("D1", "EEEE", "2027-05-01T00:00:00Z", "DEVELOPMENT")};
  const auto view = view_with({});
  auto slots = signing::slot_reports(desired, snap, view, k_now);
  REQUIRE(slots.size() == 2);
  CHECK(slots[1].certificate_type == "IOS_DISTRIBUTION");
  CHECK(slots[1].used == 3);
  CHECK(slots[1].limit == 3);
  CHECK(slots[1].free() == 0);
  CHECK(slots[1].holders.front().certificate_id == "F1");

  auto a = signing::assess_certificates(desired, snap, view, k_now);
  REQUIRE(a[0].blocked.has_value());
  const std::string& msg = *a[0].blocked;
  CHECK(msg.find("no free IOS_DISTRIBUTION certificate slot (3 of 3 used") != std::string::npos);
  CHECK(msg.find("F1 (serial AAAA, foreign, expires 2027-03-01)") != std::string::npos);
  CHECK(msg.find("F3") != std::string::npos);
  CHECK(msg.find("F4") == std::string::npos);
  CHECK(msg.find("policy.certificate_slots.IOS_DISTRIBUTION") != std::string::npos);
  CHECK(a[0].make_room.empty());

  // A higher declared limit frees a slot.
  desired.policy.certificate_slots["IOS_DISTRIBUTION"] = 4;
  a = signing::assess_certificates(desired, snap, view, k_now);
  CHECK_FALSE(a[0].blocked.has_value());
  CHECK(a[0].renews());
}

TEST_CASE("signing: only an owned, already replaced certificate is revoked to make room") {
  core::DesiredState desired;
  desired.certificates = {declared_cert("app-store"), declared_cert("enterprise")};
  core::Snapshot snap;
  snap.certificates = {cert("F1", "AAAA", "2027-03-01T00:00:00Z"),
                       cert("OLD", "BBBB", "2027-04-01T00:00:00Z"),
                       cert("NEW", "CCCC", "2027-11-01T00:00:00Z")};
  auto old = owned_record("app-store", "OLD", "replaced", 'a');
  auto cur = owned_record("app-store", "NEW", "active", 'b');
  auto a = signing::assess_certificates(desired, snap, view_with({old, cur}), k_now);
  REQUIRE(a.size() == 2);
  CHECK(a[0].declared->name == "app-store");
  CHECK(a[0].due == signing::Due::none);
  CHECK(a[1].due == signing::Due::missing);
  CHECK_FALSE(a[1].blocked.has_value());
  REQUIRE(a[1].make_room.size() == 1);
  CHECK(a[1].make_room[0].certificate_id == "OLD");

  // The same replaced certificate, adopted instead of owned: never revoked, so blocked.
  old.origin = "adopted";
  old.fingerprint.clear();
  a = signing::assess_certificates(desired, snap, view_with({old, cur}), k_now);
  CHECK(a[1].blocked.has_value());
  CHECK(a[1].make_room.empty());
}

TEST_CASE("signing: two due names of one type share the free slots") {
  core::DesiredState desired;
  desired.certificates = {declared_cert("a"), declared_cert("b")};
  desired.policy.certificate_slots["IOS_DISTRIBUTION"] = 1;
  auto a = signing::assess_certificates(desired, {}, view_with({}), k_now);
  CHECK(a[0].renews());
  REQUIRE(a[1].blocked.has_value());
}

TEST_CASE("signing: profiles follow their certificates") {
  core::DesiredState desired;
  desired.certificates = {declared_cert("app-store")};
  desired.profiles = {declared_profile("Shop App Store", {"app-store"})};
  core::Snapshot snap;
  snap.certificates = {cert("C1", "1111", "2027-06-01T00:00:00Z")};
  auto view = view_with({owned_record("app-store", "C1", "active")});

  // Missing: created.
  auto certs = signing::assess_certificates(desired, snap, view, k_now);
  auto p = signing::assess_profiles(desired, snap, view, certs, k_now);
  REQUIRE(p.size() == 1);
  CHECK(p[0].action == signing::ProfileAction::create);
  CHECK(p[0].bundle_id_id == "B1");
  CHECK(p[0].certificate_ids == std::vector<std::string>{"C1"});

  // Present and matching: nothing.
  snap.profiles = {mirrored_profile("P1", "Shop App Store", {"C1"})};
  p = signing::assess_profiles(desired, snap, view, certs, k_now);
  CHECK(p[0].action == signing::ProfileAction::none);

  // INVALID (its certificate was revoked): regenerated.
  snap.profiles[0].profile_state = "INVALID";
  p = signing::assess_profiles(desired, snap, view, certs, k_now);
  CHECK(p[0].action == signing::ProfileAction::regenerate);
  CHECK(p[0].reason == "it is INVALID");

  // Another certificate set: regenerated.
  snap.profiles = {mirrored_profile("P1", "Shop App Store", {"C0"})};
  p = signing::assess_profiles(desired, snap, view, certs, k_now);
  CHECK(p[0].action == signing::ProfileAction::regenerate);

  // Its certificate is renewed in this plan: regenerated with the new one.
  snap.profiles = {mirrored_profile("P1", "Shop App Store", {"C1"})};
  snap.certificates[0].expiration_date = "2026-12-10T00:00:00Z";
  certs = signing::assess_certificates(desired, snap, view, k_now);
  REQUIRE(certs[0].renews());
  p = signing::assess_profiles(desired, snap, view, certs, k_now);
  CHECK(p[0].action == signing::ProfileAction::regenerate);
  CHECK(p[0].renewed == std::vector<std::string>{"app-store"});
  CHECK(p[0].certificate_ids.empty());

  // An unknown bundle id blocks and says what to do.
  desired.profiles[0].bundle_id = "com.acme.unknown";
  p = signing::assess_profiles(desired, snap, view, certs, k_now);
  CHECK(p[0].action == signing::ProfileAction::blocked);
  CHECK(p[0].reason.find("com.acme.unknown is not registered") != std::string::npos);
}

TEST_CASE("signing: a profile whose certificate cannot be renewed waits, blocked") {
  core::DesiredState desired;
  desired.certificates = {declared_cert("app-store")};
  desired.policy.certificate_slots["IOS_DISTRIBUTION"] = 1;
  desired.profiles = {declared_profile("Shop App Store", {"app-store"})};
  core::Snapshot snap;
  snap.certificates = {cert("F1", "AAAA", "2027-06-01T00:00:00Z")};
  auto view = view_with({});
  auto certs = signing::assess_certificates(desired, snap, view, k_now);
  REQUIRE(certs[0].blocked.has_value());
  auto p = signing::assess_profiles(desired, snap, view, certs, k_now);
  CHECK(p[0].action == signing::ProfileAction::blocked);
  CHECK(p[0].reason.find("no usable certificate for app-store") != std::string::npos);
}

TEST_CASE("signing: development profiles resolve their devices") {
  core::DesiredState desired;
  desired.certificates = {declared_cert("dev", "DEVELOPMENT")};
  auto prof = declared_profile("Shop Dev", {"dev"});
  prof.type = "IOS_APP_DEVELOPMENT";
  prof.devices = core::DesiredDevices{};
  desired.profiles = {prof};
  core::Snapshot snap;
  snap.certificates = {cert("C1", "1111", "2027-06-01T00:00:00Z", "DEVELOPMENT")};
  auto rec = owned_record("dev", "C1", "active");
  rec.certificate_type = "DEVELOPMENT";
  auto view = view_with({rec});
  view.devices = {{"D1", "Ann's iPhone", "00008030-AAAA", "IOS", "ENABLED"},
                  {"D2", "Old iPad", "00008030-BBBB", "IOS", "DISABLED"},
                  {"D3", "Mac", "MAC-1", "MAC_OS", "ENABLED"}};
  auto certs = signing::assess_certificates(desired, snap, view, k_now);
  auto p = signing::assess_profiles(desired, snap, view, certs, k_now);
  CHECK(p[0].action == signing::ProfileAction::create);
  CHECK(p[0].device_ids == std::vector<std::string>{"D1"});

  // Named devices: by UDID or name; an unknown one blocks.
  desired.profiles[0].devices = core::DesiredDevices{false, {"00008030-bbbb", "Nobody's phone"}};
  p = signing::assess_profiles(desired, snap, view, certs, k_now);
  CHECK(p[0].action == signing::ProfileAction::blocked);
  CHECK(p[0].reason.find("Nobody's phone") != std::string::npos);
  desired.profiles[0].devices = core::DesiredDevices{false, {"00008030-bbbb", "Ann's iPhone"}};
  p = signing::assess_profiles(desired, snap, view, certs, k_now);
  CHECK(p[0].device_ids == std::vector<std::string>{"D1", "D2"});

  // A mirrored profile with other devices is regenerated.
  auto mp = mirrored_profile("P1", "Shop Dev", {"C1"});
  mp.profile_type = "IOS_APP_DEVELOPMENT";
  snap.profiles = {mp};
  view.profile_devices["P1"] = {"D1"};
  p = signing::assess_profiles(desired, snap, view, certs, k_now);
  CHECK(p[0].action == signing::ProfileAction::regenerate);
  CHECK(p[0].reason == "its devices differ from the declared ones");
  view.profile_devices["P1"] = {"D2", "D1"};
  p = signing::assess_profiles(desired, snap, view, certs, k_now);
  CHECK(p[0].action == signing::ProfileAction::none);
}

TEST_CASE("signing: replaced owned certificates are revoked after revoke_replaced, never adopted ones") {
  core::DesiredState desired;
  desired.certificates = {declared_cert("app-store")};
  desired.profiles = {declared_profile("Shop App Store", {"app-store"})};
  core::Snapshot snap;
  snap.certificates = {cert("OLD", "1111", "2026-12-20T00:00:00Z"),
                       cert("NEW", "2222", "2027-11-20T00:00:00Z"),
                       cert("ADO", "3333", "2026-12-25T00:00:00Z")};
  auto old = owned_record("app-store", "OLD", "replaced", 'a');
  old.replaced_by = "NEW";
  old.replaced_at = when("2026-11-20T00:00:00Z");
  old.revoke_after = when("2026-11-27T00:00:00Z");
  auto cur = owned_record("app-store", "NEW", "active", 'b');
  auto ado = owned_record("app-store", "ADO", "replaced", 'c');
  ado.origin = "adopted";
  ado.fingerprint.clear();
  ado.revoke_after = when("2026-11-27T00:00:00Z");  // never honoured for adopted ones
  auto view = view_with({old, cur, ado});
  snap.profiles = {mirrored_profile("P1", "Shop App Store", {"NEW"})};

  auto a = signing::assess(desired, snap, view, k_now);
  REQUIRE(a.revocations.size() == 1);
  CHECK(a.revocations[0].record.certificate_id == "OLD");
  CHECK(a.revocations[0].reason.find("replaced by NEW on 2026-11-20") != std::string::npos);

  // Not yet due.
  a = signing::assess(desired, snap, view, when("2026-11-26T00:00:00Z"));
  CHECK(a.revocations.empty());

  // A declared profile still using it (and not regenerated now) makes it wait.
  snap.profiles = {mirrored_profile("P1", "Shop App Store", {"NEW"}),
                   mirrored_profile("P2", "Other", {"OLD"})};
  desired.profiles.push_back(declared_profile("Other", {"app-store"}));
  a = signing::assess(desired, snap, view, k_now);
  // "Other" is regenerated (its certificates differ), so the revocation goes ahead after it.
  CHECK(a.profiles[1].action == signing::ProfileAction::regenerate);
  CHECK(a.revocations.size() == 1);
  // Blocked instead (its bundle id is unknown): the revocation waits, or "Other" would turn INVALID.
  desired.profiles[1].bundle_id = "com.acme.unknown";
  a = signing::assess(desired, snap, view, k_now);
  CHECK(a.profiles[1].action == signing::ProfileAction::blocked);
  CHECK(a.revocations.empty());
  desired.profiles.pop_back();
  snap.profiles.pop_back();

  // Gone already: nothing to revoke.
  snap.certificates.erase(snap.certificates.begin());
  a = signing::assess(desired, snap, view, k_now);
  CHECK(a.revocations.empty());
}

TEST_CASE("signing: plan lines use Terraform's symbols and say why") {
  core::DesiredState desired;
  desired.certificates = {declared_cert("app-store"), declared_cert("dev", "DEVELOPMENT")};
  desired.profiles = {declared_profile("Shop App Store", {"app-store"})};
  core::Snapshot snap;
  snap.certificates = {cert("C1", "1111", "2026-12-21T00:00:00Z"),
                       cert("OLD", "0000", "2027-01-01T00:00:00Z")};
  snap.profiles = {mirrored_profile("P1", "Shop App Store", {"C1"})};
  auto old = owned_record("app-store", "OLD", "replaced", 'c');
  old.replaced_by = "C1";
  old.replaced_at = when("2026-11-01T00:00:00Z");
  old.revoke_after = when("2026-11-08T00:00:00Z");
  auto view = view_with({old, owned_record("app-store", "C1", "active")});
  auto a = signing::assess(desired, snap, view, k_now);
  auto changes = signing::changes_of(a);
  REQUIRE(changes.size() == 4);
  CHECK(changes[0].text() ==
        "+/- certificate \"app-store\" will be renewed (expires 2026-12-21, in 21 days)");
  CHECK(changes[0].key == "certificate:app-store");
  CHECK(changes[1].text() == "+ certificate \"dev\" will be created (no certificate yet)");
  CHECK(changes[2].text() ==
        "-/+ profile \"Shop App Store\" will be regenerated (its certificate app-store is renewed)");
  CHECK(changes[3].action == signing::ChangeAction::revoke);
  CHECK(changes[3].text().rfind(
            "- certificate \"app-store\" OLD will be revoked (replaced by C1 on 2026-11-01", 0) == 0);
  CHECK(changes[3].key == "certificate:app-store/OLD");
  REQUIRE(a.slots.size() == 2);
  CHECK(signing::describe_slots(a.slots[1]) ==
        "IOS_DISTRIBUTION: 2 of 3 slots used (ascsync's \"app-store\" expires 2026-12-21, ascsync's "
        "\"app-store\" "
        "(replaced) expires 2027-01-01)");
}

TEST_CASE("signing: status rows say who owns each certificate and how long it has") {
  core::DesiredState desired;
  auto adopted = declared_cert("legacy");
  adopted.adopt = "C2";
  desired.certificates = {declared_cert("app-store"), adopted};
  desired.profiles = {declared_profile("Shop App Store", {"app-store"})};
  core::Snapshot snap;
  snap.certificates = {cert("C1", "1111", "2026-12-30T00:00:00Z"), cert("C2", "2222", "2026-12-10T00:00:00Z"),
                       cert("C3", "3333", "2027-01-01T00:00:00Z", "DEVELOPMENT")};
  snap.profiles = {mirrored_profile("P1", "Shop App Store", {"C1"}), mirrored_profile("P0", "Other", {"C3"})};
  const auto view = view_with({owned_record("app-store", "C1", "active")});
  auto certs = signing::certificate_rows(desired, snap, view);
  REQUIRE(certs.size() == 3);
  CHECK(certs[0].id == "C3");  // DEVELOPMENT sorts first
  CHECK(certs[0].owner == signing::Owner::foreign);
  CHECK(certs[1].id == "C2");
  CHECK(certs[1].owner == signing::Owner::adopted);
  CHECK(certs[2].owner == signing::Owner::owned);
  auto profiles = signing::profile_rows(desired, snap);
  REQUIRE(profiles.size() == 2);
  CHECK(profiles[0].name == "Other");
  CHECK_FALSE(profiles[0].declared);
  CHECK(profiles[1].declared);
  auto j = signing::status_json(signing::slot_reports(desired, snap, view, k_now), certs, profiles, k_now);
  CHECK(j["slots"].size() == 2);
  CHECK(j["slots"][1]["used"] == 2);
  CHECK(j["certificates"][2]["owner"] == "owned");
  CHECK(j["certificates"][2]["seconds_to_expiry"] == 30LL * 24 * 3600);
  CHECK(j["profiles"][1]["name"] == "Shop App Store");
}
