// The signing steps against the simulator over HTTP: first certificate and profile, renewal
// inside renew_before with the profile following and the p12 exported, revocation after
// revoke_replaced, a lost POST answer settled by public key, full slots, adopted certificates.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <memory>

#include "asc/api.hpp"
#include "asc/credentials.hpp"
#include "custody/certificate.hpp"
#include "custody/key_store.hpp"
#include "custody/passphrase.hpp"
#include "signing/assess.hpp"
#include "signing/converge.hpp"
#include "signing/steps.hpp"
#include "store/audit.hpp"
#include "store/database.hpp"
#include "store/signing.hpp"
#include "support/shell.hpp"
#include "support/sim_fixture.hpp"

namespace {

using namespace std::chrono_literals;

constexpr std::chrono::seconds k_flow_day{24 * 3600};

// One team against a fresh simulator: the API (on a clock that follows the simulator's), the
// database, the custody directory and a p12 password file.
struct SigningFlow {
  test_support::SimFixture fx;
  std::shared_ptr<util::ManualClock> clock;
  std::unique_ptr<asc::Api> api;
  std::optional<store::Database> db;
  std::optional<custody::KeyStore> keys;
  std::string dir;
  std::string bundle_id_id;
  core::DesiredState desired;
  signing::Context ctx;
  long long writes_seen = 0;

  explicit SigningFlow(sim::Options options = {}) : fx(std::move(options)) {
    dir = fx.dir + "/state";
    std::filesystem::create_directories(dir);
    clock = std::make_shared<util::ManualClock>(fx.sim->now());
    asc::ClientOptions o;
    o.base_url = fx.base_url;
    o.clock = clock;
    o.retry.max_attempts = 2;
    o.retry.base_delay = 1ms;
    o.retry.max_delay = 2ms;
    o.sleeper = [](std::chrono::milliseconds) {};
    auto creds = asc::load_credentials(fx.issuer_id, fx.key_id, fx.key_path);
    REQUIRE(creds.ok());
    auto made = asc::Api::create(std::move(*creds), std::move(o));
    REQUIRE(made.ok());
    api = std::move(*made);
    store::OpenOptions open;
    open.migrations_dir = std::string(ASCSYNC_TEST_SOURCE_DIR) + "/migrations";
    auto opened = store::Database::open(dir + "/ascsync.db", open);
    REQUIRE(opened.ok());
    db.emplace(std::move(*opened));
    auto custody_dir = custody::custody_directory(dir, "acme");
    REQUIRE(custody_dir.ok());
    auto ks = custody::KeyStore::open(*custody_dir);
    REQUIRE(ks.ok());
    keys.emplace(std::move(*ks));
    std::ofstream(dir + "/p12-password") << "correct horse\n";
    ::chmod((dir + "/p12-password").c_str(), 0600);

    auto bundle = test_support::send(
        fx, "POST", "/v1/bundleIds",
        {{"data",
          {{"type", "bundleIds"},
           {"attributes", {{"name", "Shop"}, {"platform", "IOS"}, {"identifier", "com.acme.shop"}}}}}});
    REQUIRE(bundle.status == 201);
    bundle_id_id = bundle.body["data"]["id"];

    core::DesiredCertificate cert;
    cert.name = "app-store";
    cert.type = "IOS_DISTRIBUTION";
    cert.renew_before.duration = 30 * k_flow_day;
    cert.revoke_replaced = {core::RevokeReplaced::Mode::after, 7 * k_flow_day};
    core::DesiredExport ex;
    ex.p12 = dir + "/identities/app-store.p12";
    ex.password_file = dir + "/p12-password";
    cert.export_to = ex;
    std::filesystem::create_directories(dir + "/identities");
    core::DesiredProfile profile;
    profile.name = "Shop App Store";
    profile.type = "IOS_APP_STORE";
    profile.bundle_id = "com.acme.shop";
    profile.certificates = {"app-store"};
    desired.team = "acme";
    desired.certificates = {cert};
    desired.profiles = {profile};
    desired.manage_signing = true;

    ctx.team = "acme";
    ctx.api = api.get();
    ctx.db = &*db;
    ctx.keys = &*keys;
    ctx.clock = clock.get();
    ctx.on_write = [this] { ++writes_seen; };
  }

  // Moves the simulator's clock and ours together.
  void advance(std::chrono::seconds by) {
    fx.sim->advance_clock(by);
    clock->set(fx.sim->now());
  }

  // One level-triggered pass: read, settle leftovers, assess, act.
  signing::ConvergeReport run(signing::Assessment* out = nullptr) {
    auto snap = api->fetch_snapshot();
    REQUIRE(snap.ok());
    auto settled = signing::settle_requests(ctx, desired, *snap);
    REQUIRE(settled.ok());
    if (settled->activated + settled->abandoned > 0) {
      snap = api->fetch_snapshot();
      REQUIRE(snap.ok());
    }
    auto view = signing::read_view(*api, *db, "acme", desired, *snap);
    REQUIRE(view.ok());
    auto a = signing::assess(desired, *snap, *view, clock->now());
    auto report = signing::converge(ctx, desired, a);
    if (out) *out = std::move(a);
    return report;
  }

  std::vector<store::SigningRecord> records() {
    store::SigningRecords r(*db);
    auto rows = r.list("acme");
    REQUIRE(rows.ok());
    return *rows;
  }

  nlohmann::json state() const { return fx.sim->dump_state(); }
};

std::vector<std::string> certificate_ids_of(const nlohmann::json& state, const std::string& type) {
  std::vector<std::string> out;
  for (const auto& c : state["certificates"])
    if (c["certificate_type"] == type) out.push_back(c["id"]);
  return out;
}

// The profile's certificate ids in the simulator, by profile name.
std::vector<std::string> profile_certs(const nlohmann::json& state, const std::string& name) {
  std::vector<std::string> out;
  int found = 0;
  for (const auto& p : state["profiles"])
    if (p["name"] == name) {
      ++found;
      for (const auto& c : p["certificates"]) out.push_back(c);
    }
  REQUIRE(found == 1);
  std::sort(out.begin(), out.end());
  return out;
}

// The serial of the certificate in the p12 (read with the openssl CLI and the password), and
// whether its key matches that certificate.
struct P12Check {
  bool opened = false;
  bool key_matches = false;
  std::string serial;
};

P12Check check_p12(const std::string& p12, const std::string& password_file, const std::string& scratch) {
  P12Check out;
  const std::string pem = scratch + "/p12-out.pem";
  auto r = test_support::run_command("openssl pkcs12 -in '" + p12 + "' -passin 'file:" + password_file +
                                     "' -nodes -out '" + pem + "' 2>&1");
  out.opened = r.exit_code == 0;
  if (!out.opened) return out;
  auto cert_pub = test_support::run_command("openssl x509 -in '" + pem + "' -noout -pubkey | openssl sha256");
  auto key_pub = test_support::run_command("openssl pkey -in '" + pem + "' -pubout | openssl sha256");
  out.key_matches = cert_pub.exit_code == 0 && key_pub.exit_code == 0 && cert_pub.output == key_pub.output &&
                    !cert_pub.output.empty();
  auto serial = test_support::run_command("openssl x509 -in '" + pem + "' -noout -serial");
  out.serial = serial.output;
  std::filesystem::remove(pem);
  return out;
}

}  // namespace

TEST_CASE(
    "signing flow: create, renew 20 days before expiry, profile follows, revoke after revoke_replaced") {
  SigningFlow f;
  // First pass: a certificate and its profile appear, and the identity is exported.
  auto first = f.run();
  CHECK(first.renewed == 1);
  CHECK(first.profiles == 1);
  CHECK(first.ok());
  auto ids = certificate_ids_of(f.state(), "IOS_DISTRIBUTION");
  REQUIRE(ids.size() == 1);
  const std::string c1 = ids[0];
  CHECK(profile_certs(f.state(), "Shop App Store") == std::vector<std::string>{c1});
  const std::string p12 = f.dir + "/identities/app-store.p12";
  auto p1 = check_p12(p12, f.dir + "/p12-password", f.dir);
  CHECK(p1.opened);
  CHECK(p1.key_matches);
  CHECK(std::filesystem::exists(f.dir + "/identities/app-store.pem"));
  struct stat st {};
  REQUIRE(::stat(p12.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);

  // Audited like the other kinds.
  store::AuditTrail trail(*f.db);
  auto audit = trail.audit("acme", 10);
  REQUIRE(audit.ok());
  bool renew_row = false, profile_row = false;
  for (const auto& a : *audit) {
    if (a.change_kind == "certificate" && a.action == "renew" && a.outcome == "applied") renew_row = true;
    if (a.change_kind == "profile" && a.action == "create" && a.outcome == "applied") profile_row = true;
  }
  CHECK(renew_row);
  CHECK(profile_row);

  // Converged: a second pass writes nothing.
  f.writes_seen = 0;
  auto again = f.run();
  CHECK(again.renewed + again.profiles + again.revoked == 0);
  CHECK(f.writes_seen == 0);

  // 345 days later the certificate expires in 20 days: inside renew_before (30d). (An hour
  // less, so the seconds the passes took do not make it 19 days and some hours.)
  f.advance(345 * k_flow_day - std::chrono::hours(1));
  signing::Assessment seen;
  f.writes_seen = 0;
  auto renewal = f.run(&seen);
  REQUIRE(seen.certificates.size() == 1);
  CHECK(seen.certificates[0].due == signing::Due::window);
  CHECK(seen.certificates[0].reason.find("in 20 days") != std::string::npos);
  CHECK(renewal.renewed == 1);
  CHECK(renewal.profiles == 1);
  CHECK(renewal.revoked == 0);
  ids = certificate_ids_of(f.state(), "IOS_DISTRIBUTION");
  REQUIRE(ids.size() == 2);  // exactly one new certificate; the old one is kept for now
  const std::string c2 = ids[0] == c1 ? ids[1] : ids[0];
  CHECK(profile_certs(f.state(), "Shop App Store") == std::vector<std::string>{c2});
  auto p2 = check_p12(p12, f.dir + "/p12-password", f.dir);
  CHECK(p2.opened);
  CHECK(p2.key_matches);
  CHECK(p2.serial != p1.serial);
  // Writes: one certificate, one profile deleted, one created.
  CHECK(f.writes_seen == 3);

  f.writes_seen = 0;
  auto quiet = f.run();
  CHECK(quiet.renewed + quiet.profiles + quiet.revoked == 0);
  CHECK(f.writes_seen == 0);

  // After revoke_replaced (7 days) the old, owned certificate is revoked and its key forgotten.
  f.advance(8 * k_flow_day);
  auto later = f.run();
  CHECK(later.revoked == 1);
  CHECK(later.renewed == 0);
  ids = certificate_ids_of(f.state(), "IOS_DISTRIBUTION");
  CHECK(ids == std::vector<std::string>{c2});
  auto keys = f.keys->list_keys();
  REQUIRE(keys.ok());
  CHECK(keys->size() == 1);
  // The profile is still valid: it names the new certificate only.
  const auto world = f.state();
  for (const auto& p : world["profiles"]) CHECK(p["profile_state"] == "ACTIVE");

  f.writes_seen = 0;
  auto last = f.run();
  CHECK(last.renewed + last.profiles + last.revoked == 0);
  CHECK(f.writes_seen == 0);

  // Keys never reach the database: only fingerprints.
  for (const auto& r : f.records()) {
    CHECK(r.fingerprint.size() == 64);
    CHECK(r.fingerprint.find("PRIVATE") == std::string::npos);
  }
  std::ifstream dbfile(f.dir + "/ascsync.db", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(dbfile)), std::istreambuf_iterator<char>());
  CHECK(bytes.find("PRIVATE KEY") == std::string::npos);
}

TEST_CASE(
    "signing flow: a lost answer to the certificate POST is settled by public key, never a second POST") {
  SigningFlow f;
  sim::FaultRule drop;
  drop.route = "POST /v1/certificates";
  drop.drop_rate = 1.0;
  drop.remaining = 1;
  f.fx.sim->add_fault(drop);
  auto first = f.run();
  // The request reached Apple, the answer did not: read back by key, verified, stored.
  CHECK(first.renewed == 1);
  CHECK(first.profiles == 1);
  auto ids = certificate_ids_of(f.state(), "IOS_DISTRIBUTION");
  CHECK(ids.size() == 1);
  long long posts = 0;
  for (const auto& r : f.fx.sim->request_log())
    if (r.method == "POST" && r.path == "/v1/certificates") ++posts;
  CHECK(posts == 1);
  auto p = check_p12(f.dir + "/identities/app-store.p12", f.dir + "/p12-password", f.dir);
  CHECK(p.key_matches);
}

TEST_CASE("signing flow: an interrupted request is settled by the next pass from its record") {
  SigningFlow f;
  // Simulate a crash right after the POST: the step hook throws once the intent is journaled and
  // the POST answered (the certificate exists, nothing was stored).
  struct Crash {};
  f.ctx.on_write = [] { throw Crash{}; };
  CHECK_THROWS_AS(f.run(), Crash);
  f.ctx.on_write = {};
  auto rows = f.records();
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].state == "requested");
  // The next pass reads it back by key: the same certificate, no second POST.
  auto next = f.run();
  CHECK(next.renewed == 0);
  CHECK(next.profiles == 1);
  auto ids = certificate_ids_of(f.state(), "IOS_DISTRIBUTION");
  CHECK(ids.size() == 1);
  rows = f.records();
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].state == "active");
  CHECK(rows[0].certificate_id == ids[0]);

  // A crash after the key was written but before the intent: the next pass starts over with a
  // new key; the stray key is claimed by nobody.
  f.desired.certificates[0].name = "second";
  f.desired.profiles.clear();
  f.ctx.on_step = [](const char* step) {
    if (std::string(step) == signing::k_step_key_written) throw Crash{};
  };
  CHECK_THROWS_AS(f.run(), Crash);
  f.ctx.on_step = {};
  CHECK(f.keys->list_keys()->size() == 2);  // the stray one and the first certificate's
  auto again = f.run();
  CHECK(again.renewed == 1);
  CHECK(certificate_ids_of(f.state(), "IOS_DISTRIBUTION").size() == 2);
  // The stray key was removed: no record, no intent, no certificate carries it.
  CHECK(f.keys->list_keys()->size() == 2);
  CHECK(f.records().size() == 2);
}

TEST_CASE("signing flow: all slots held by foreign certificates blocks, names them and revokes nothing") {
  SigningFlow f;
  const auto a = f.fx.sim->add_certificate("IOS_DISTRIBUTION", "Someone Else 1");
  const auto b = f.fx.sim->add_certificate("IOS_DISTRIBUTION", "Someone Else 2");
  const auto c = f.fx.sim->add_certificate("IOS_DISTRIBUTION", "Someone Else 3");
  f.fx.sim->reset_counters();
  auto r = f.run();
  CHECK(r.blocked == 2);  // the certificate, and the profile that needs it
  CHECK(r.renewed == 0);
  CHECK(f.fx.sim->write_count() == 0);
  REQUIRE_FALSE(r.messages.empty());
  CHECK(r.messages[0].find("no free IOS_DISTRIBUTION certificate slot (3 of 3 used") != std::string::npos);
  CHECK(r.messages[0].find(a) != std::string::npos);
  CHECK(r.messages[0].find(b) != std::string::npos);
  CHECK(r.messages[0].find(c) != std::string::npos);
  CHECK(certificate_ids_of(f.state(), "IOS_DISTRIBUTION").size() == 3);
  CHECK(f.keys->list_keys()->empty());
}

TEST_CASE("signing flow: an adopted certificate is renewed but never revoked") {
  SigningFlow f;
  const auto adopted = f.fx.sim->add_certificate("IOS_DISTRIBUTION", "Legacy", 20 * k_flow_day);
  f.desired.certificates[0].adopt = adopted;
  f.desired.certificates[0].revoke_replaced = {core::RevokeReplaced::Mode::immediately, {}};
  signing::Assessment seen;
  auto r = f.run(&seen);
  CHECK(seen.certificates[0].owner == signing::Owner::adopted);
  CHECK(seen.certificates[0].due == signing::Due::window);
  CHECK(r.renewed == 1);
  CHECK(r.revoked == 0);
  auto ids = certificate_ids_of(f.state(), "IOS_DISTRIBUTION");
  CHECK(ids.size() == 2);
  CHECK(std::find(ids.begin(), ids.end(), adopted) != ids.end());
  f.advance(30 * k_flow_day);
  auto later = f.run();
  CHECK(later.revoked == 0);
  bool adopted_row = false;
  for (const auto& row : f.records())
    if (row.certificate_id == adopted) {
      adopted_row = true;
      CHECK(row.origin == "adopted");
      CHECK(row.state == "replaced");
    }
  CHECK(adopted_row);
}

TEST_CASE("signing flow: a certificate revoked out of band and its INVALID profile are repaired") {
  SigningFlow f;
  REQUIRE(f.run().renewed == 1);
  const auto c1 = certificate_ids_of(f.state(), "IOS_DISTRIBUTION").at(0);
  // Someone revokes it in the web UI: the profile turns INVALID.
  auto del = test_support::send(f.fx, "DELETE", "/v1/certificates/" + c1);
  REQUIRE(del.status == 204);
  signing::Assessment seen;
  auto r = f.run(&seen);
  CHECK(seen.certificates[0].due == signing::Due::revoked);
  CHECK(r.renewed == 1);
  CHECK(r.profiles == 1);
  const auto c2 = certificate_ids_of(f.state(), "IOS_DISTRIBUTION").at(0);
  CHECK(c2 != c1);
  CHECK(profile_certs(f.state(), "Shop App Store") == std::vector<std::string>{c2});
  const auto world = f.state();
  for (const auto& p : world["profiles"]) CHECK(p["profile_state"] == "ACTIVE");
}

TEST_CASE("signing flow: a key that may not create certificates gets an error naming the permission") {
  SigningFlow f;
  // Apple answers 403 when the key's role may not create certificates.
  sim::FaultRule forbid;
  forbid.route = "POST /v1/certificates";
  forbid.error_rate = 1.0;
  forbid.error_status = 403;
  f.fx.sim->add_fault(forbid);
  auto r = f.run();
  CHECK(r.renewed == 0);
  CHECK(r.failed == 0);
  CHECK(r.blocked == 2);  // the certificate (missing permission) and the profile that needs it
  REQUIRE_FALSE(r.messages.empty());
  CHECK(r.messages[0].find("blocked: the API key may not create certificates") != std::string::npos);
  CHECK(r.messages[0].find("Access to Certificates") != std::string::npos);
  // Nothing was left behind: the request is abandoned, its key removed.
  CHECK(f.keys->list_keys()->empty());
}

TEST_CASE("signing flow: Apple's lower slot limit is learned from its refusal") {
  sim::Options o;
  o.certificate_slot_limit = 2;
  SigningFlow f(o);
  f.desired.policy.certificate_slots["IOS_DISTRIBUTION"] = 3;  // more than Apple allows
  f.fx.sim->add_certificate("IOS_DISTRIBUTION", "Someone Else 1");
  f.fx.sim->add_certificate("IOS_DISTRIBUTION", "Someone Else 2");
  auto r = f.run();
  CHECK(r.renewed == 0);
  CHECK(r.failed == 1);
  REQUIRE_FALSE(r.messages.empty());
  CHECK(r.messages[0].find("Apple's limit for this team is 2") != std::string::npos);
  CHECK(f.keys->list_keys()->empty());
  // The next pass knows: blocked, naming the holders, without asking Apple again.
  f.fx.sim->reset_counters();
  signing::Assessment seen;
  auto next = f.run(&seen);
  CHECK(next.failed == 0);
  CHECK(next.blocked == 2);
  REQUIRE(seen.slots.size() == 1);
  CHECK(seen.slots[0].limit == 2);
  CHECK(seen.slots[0].learned);
  CHECK(f.fx.sim->write_count() == 0);
}

TEST_CASE("signing flow: an aged world (the simulator's dates move into the past) renews on the real clock") {
  SigningFlow f;
  REQUIRE(f.run().renewed == 1);
  // The simulator ages its stored dates; ascsync's clock (and the token checks) stay on real time.
  f.fx.sim->age_world(345 * k_flow_day - std::chrono::hours(1));
  f.clock->set(f.fx.sim->now());
  signing::Assessment seen;
  auto r = f.run(&seen);
  CHECK(seen.certificates[0].due == signing::Due::window);
  CHECK(seen.certificates[0].reason.find("in 20 days") != std::string::npos);
  CHECK(r.renewed == 1);
  CHECK(r.profiles == 1);
  CHECK(certificate_ids_of(f.state(), "IOS_DISTRIBUTION").size() == 2);
  CHECK(f.run().renewed == 0);
}

TEST_CASE("signing flow: export-identity writes the current identity again, and refuses what it cannot") {
  SigningFlow f;
  f.desired.certificates[0].export_to.reset();
  REQUIRE(f.run().renewed == 1);
  auto pw = custody::read_passphrase(custody::PassphraseSource::file(f.dir + "/p12-password"), "");
  REQUIRE(pw.ok());
  const std::string out = f.dir + "/ci.p12";
  REQUIRE(signing::export_identity_to(f.ctx, "app-store", out, *pw).ok());
  auto p = check_p12(out, f.dir + "/p12-password", f.dir);
  CHECK(p.opened);
  CHECK(p.key_matches);
  CHECK(std::filesystem::exists(f.dir + "/ci.pem"));
  auto unknown = signing::export_identity_to(f.ctx, "nope", out, *pw);
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.error().message.find("no certificate named \"nope\"") != std::string::npos);
}
