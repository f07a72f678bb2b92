// Certificates and profiles through the built `ascsync` binary against the simulator: issue and
// export, renew 20 days before expiry in an aged world (the profile follows, the replaced
// certificate is revoked), a second apply plans nothing, full slots block with exit 1, and
// kill -9 at every renewal step converges with exactly one new certificate and no lost key.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <filesystem>

#include "store/database.hpp"
#include "store/journal.hpp"
#include "store/signing.hpp"
#include "support/cli_fixture.hpp"
#include "support/shell.hpp"

namespace {

using test_support::CliFixture;
using test_support::CommandResult;

constexpr std::chrono::seconds k_bb_day{24 * 3600};

struct SigningCli {
  CliFixture f;
  std::string p12;
  std::string password;

  SigningCli() {
    auto bundle = test_support::send(
        f.fx, "POST", "/v1/bundleIds",
        {{"data",
          {{"type", "bundleIds"},
           {"attributes", {{"name", "Shop"}, {"platform", "IOS"}, {"identifier", "com.acme.shop"}}}}}});
    REQUIRE(bundle.status == 201);
    std::filesystem::create_directories(f.dir + "/identities");
    p12 = f.dir + "/identities/app-store.p12";
    password = f.dir + "/p12-password";
    test_support::write_text(password, "correct horse\n");
    ::chmod(password.c_str(), 0600);
    test_support::write_text(f.teams[0].desired_path, desired("immediately"));
  }

  std::string desired(const std::string& revoke) const {
    return "team: acme\n"
           "certificates:\n"
           "  - name: app-store\n"
           "    type: IOS_DISTRIBUTION\n"
           "    renew_before: 30d\n"
           "    revoke_replaced: " +
           revoke +
           "\n"
           "    export:\n"
           "      p12: " +
           p12 + "\n      password_file: " + password +
           "\n"
           "profiles:\n"
           "  - name: Shop App Store\n"
           "    type: IOS_APP_STORE\n"
           "    bundle_id: com.acme.shop\n"
           "    certificates: [app-store]\n";
  }

  CommandResult run(const std::vector<std::string>& args,
                    const std::map<std::string, std::string>& env = {}) {
    std::vector<std::string> full{"--config", f.config_path};
    full.insert(full.end(), args.begin(), args.end());
    return test_support::run_process(test_support::ascsync_binary(), full, f.dir, env);
  }

  std::vector<std::string> certificate_ids() const {
    std::vector<std::string> out;
    const auto state = f.fx.sim->dump_state();
    for (const auto& c : state["certificates"])
      if (c["certificate_type"] == "IOS_DISTRIBUTION") out.push_back(c["id"]);
    return out;
  }

  // Profiles named "Shop App Store": (state, certificate ids).
  std::vector<std::pair<std::string, std::vector<std::string>>> profiles() const {
    std::vector<std::pair<std::string, std::vector<std::string>>> out;
    const auto state = f.fx.sim->dump_state();
    for (const auto& p : state["profiles"]) {
      if (p["name"] != "Shop App Store") continue;
      std::vector<std::string> certs;
      for (const auto& c : p["certificates"]) certs.push_back(c);
      out.emplace_back(p["profile_state"], certs);
    }
    return out;
  }

  long long certificate_posts() const {
    long long n = 0;
    for (const auto& r : f.fx.sim->request_log())
      if (r.method == "POST" && r.path == "/v1/certificates" && r.status == 201) ++n;
    return n;
  }

  // Key files in the custody directory (named by fingerprint).
  std::vector<std::string> custody_keys() const {
    std::vector<std::string> out;
    const std::string dir = f.dir + "/custody/acme";
    if (!std::filesystem::exists(dir)) return out;
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
      const std::string name = e.path().filename().string();
      if (name.size() > 8 && name.substr(name.size() - 8) == ".key.pem") out.push_back(name.substr(0, 64));
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  std::vector<store::SigningRecord> records() const {
    auto db = store::Database::open(f.db_path);
    REQUIRE(db.ok());
    store::SigningRecords r(*db);
    auto rows = r.list("acme");
    REQUIRE(rows.ok());
    return *rows;
  }

  // Every IOS_DISTRIBUTION certificate at Apple is ascsync's current one and its key is in custody:
  // no slot is held by a certificate whose key was lost.
  void check_no_lost_key() const {
    const auto keys = custody_keys();
    const auto rows = records();
    for (const auto& id : certificate_ids()) {
      CAPTURE(id);
      bool ok = false;
      for (const auto& r : rows)
        if (r.certificate_id == id && r.owned() &&
            std::binary_search(keys.begin(), keys.end(), r.fingerprint))
          ok = true;
      CHECK(ok);
    }
  }
};

bool p12_key_matches(const std::string& p12, const std::string& password_file, const std::string& scratch) {
  const std::string pem = scratch + "/bb-p12.pem";
  auto opened = test_support::run_command("openssl pkcs12 -in '" + p12 + "' -passin 'file:" + password_file +
                                          "' -nodes -out '" + pem + "' 2>&1");
  if (opened.exit_code != 0) return false;
  auto a = test_support::run_command("openssl x509 -in '" + pem + "' -noout -pubkey | openssl sha256");
  auto b = test_support::run_command("openssl pkey -in '" + pem + "' -pubout | openssl sha256");
  std::filesystem::remove(pem);
  return a.exit_code == 0 && b.exit_code == 0 && !a.output.empty() && a.output == b.output;
}

}  // namespace

TEST_CASE("blackbox signing: issue, export, renew 20 days before expiry, profile follows, converged") {
  SigningCli s;
  auto plan = s.run({"plan"});
  CHECK_MESSAGE(plan.exit_code == 2, (plan.out + plan.err));
  CHECK(plan.out.find("+ certificate \"app-store\" will be created (no certificate yet)") !=
        std::string::npos);
  CHECK(plan.out.find("+ profile \"Shop App Store\" will be created") != std::string::npos);

  auto apply = s.run({"apply"});
  CHECK_MESSAGE(apply.exit_code == 0, (apply.out + apply.err));
  auto ids = s.certificate_ids();
  REQUIRE(ids.size() == 1);
  const std::string c1 = ids[0];
  REQUIRE(s.profiles().size() == 1);
  CHECK(s.profiles()[0].second == std::vector<std::string>{c1});
  CHECK(p12_key_matches(s.p12, s.password, s.f.dir));

  auto quiet = s.run({"plan"});
  CHECK_MESSAGE(quiet.exit_code == 0, (quiet.out + quiet.err));
  auto quiet_json = s.run({"plan", "--json"});
  CHECK_MESSAGE(quiet_json.exit_code == 0, (quiet_json.out + quiet_json.err));
  const auto pj = nlohmann::json::parse(quiet_json.out, nullptr, false);
  REQUIRE(pj.is_object());
  CHECK(pj["teams"][0]["signing"]["changes"].empty());
  CHECK(pj["teams"][0]["signing"]["slots"][0]["used"] == 1);
  CHECK(pj["teams"][0]["signing"]["slots"][0]["limit"] == 3);

  // 20 days before expiry (the simulator ages its dates; our clock and tokens stay real).
  s.f.fx.sim->age_world(345 * k_bb_day - std::chrono::hours(1));
  auto due = s.run({"plan"});
  CHECK_MESSAGE(due.exit_code == 2, (due.out + due.err));
  CHECK(due.out.find("+/- certificate \"app-store\" will be renewed (expires ") != std::string::npos);
  CHECK(due.out.find(", in 20 days)") != std::string::npos);
  CHECK(due.out.find(
            "-/+ profile \"Shop App Store\" will be regenerated (its certificate app-store is renewed)") !=
        std::string::npos);
  CHECK(due.out.find("# IOS_DISTRIBUTION: 1 of 3 slots used") != std::string::npos);

  auto renew = s.run({"apply"});
  CHECK_MESSAGE(renew.exit_code == 0, (renew.out + renew.err));
  ids = s.certificate_ids();
  REQUIRE(ids.size() == 1);  // the new one; the replaced one was revoked (revoke_replaced: immediately)
  CHECK(ids[0] != c1);
  auto profiles = s.profiles();
  REQUIRE(profiles.size() == 1);
  CHECK(profiles[0].first == "ACTIVE");
  CHECK(profiles[0].second == ids);
  CHECK(p12_key_matches(s.p12, s.password, s.f.dir));
  CHECK(s.certificate_posts() == 2);
  CHECK(s.custody_keys().size() == 1);
  s.check_no_lost_key();

  auto after = s.run({"plan"});
  CHECK_MESSAGE(after.exit_code == 0, (after.out + after.err));

  // show / status say who holds the slots; export-identity writes the identity again for CI.
  auto show = s.run({"show", "certificates"});
  CHECK_MESSAGE(show.exit_code == 0, (show.out + show.err));
  CHECK(show.out.find("OWNER") != std::string::npos);
  CHECK(show.out.find("owned") != std::string::npos);
  CHECK(show.out.find("app-store") != std::string::npos);
  auto profiles_out = s.run({"show", "profiles"});
  CHECK_MESSAGE(profiles_out.exit_code == 0, (profiles_out.out + profiles_out.err));
  CHECK(profiles_out.out.find("Shop App Store") != std::string::npos);
  CHECK(profiles_out.out.find("ACTIVE") != std::string::npos);
  auto status = s.run({"status"});
  CHECK_MESSAGE(status.exit_code == 0, (status.out + status.err));
  CHECK(status.out.find("slots         IOS_DISTRIBUTION 1 of 3 used") != std::string::npos);
  const std::string ci = s.f.dir + "/ci.p12";
  auto exported = s.run({"export-identity", "app-store", "--out", ci, "--password-file", s.password});
  CHECK_MESSAGE(exported.exit_code == 0, (exported.out + exported.err));
  CHECK(p12_key_matches(ci, s.password, s.f.dir));
  CHECK(exported.out.find("correct horse") == std::string::npos);

  // The key never reaches logs or the database.
  for (const auto* text : {&plan.out, &plan.err, &apply.out, &apply.err, &renew.out, &renew.err})
    CHECK(text->find("PRIVATE KEY") == std::string::npos);
  CHECK(test_support::read_text(s.f.db_path).find("PRIVATE KEY") == std::string::npos);
}

TEST_CASE(
    "blackbox signing: every slot held by foreign certificates blocks with exit 1 and revokes nothing") {
  SigningCli s;
  const auto a = s.f.fx.sim->add_certificate("IOS_DISTRIBUTION", "Someone Else 1");
  const auto b = s.f.fx.sim->add_certificate("IOS_DISTRIBUTION", "Someone Else 2");
  const auto c = s.f.fx.sim->add_certificate("IOS_DISTRIBUTION", "Someone Else 3");
  s.f.fx.sim->reset_counters();
  auto plan = s.run({"plan"});
  CHECK_MESSAGE(plan.exit_code == 1, (plan.out + plan.err));
  auto apply = s.run({"apply"});
  CHECK_MESSAGE(apply.exit_code == 1, (apply.out + apply.err));
  const std::string all = apply.out + apply.err;
  CHECK(all.find("no free IOS_DISTRIBUTION certificate slot (3 of 3 used") != std::string::npos);
  CHECK(all.find(a) != std::string::npos);
  CHECK(all.find(b) != std::string::npos);
  CHECK(all.find(c) != std::string::npos);
  CHECK(s.f.fx.sim->write_count() == 0);
  CHECK(s.certificate_ids().size() == 3);
  CHECK(s.custody_keys().empty());
}

TEST_CASE(
    "blackbox signing: kill -9 at each renewal step converges with one new certificate and no lost key") {
  for (const char* step : {"key-written", "intent", "certificate-stored", "profile-deleted",
                           "profile-created", "before-revoke", "write-1"}) {
    CAPTURE(step);
    SigningCli s;
    auto first = s.run({"apply"});
    REQUIRE_MESSAGE(first.exit_code == 0, (first.out + first.err));
    const std::string c1 = s.certificate_ids().at(0);
    s.f.fx.sim->age_world(345 * k_bb_day);

    std::map<std::string, std::string> env;
    if (std::string(step) == "write-1")
      env["ASCSYNC_CRASH_AFTER_WRITES"] = "1";  // the POST answered, nothing stored yet
    else
      env["ASCSYNC_CRASH_AT"] = step;
    auto crashed = s.run({"apply"}, env);
    CHECK_MESSAGE(crashed.exit_code == -1, (crashed.out + crashed.err));

    auto again = s.run({"apply"});
    CHECK_MESSAGE(again.exit_code == 0, (again.out + again.err));
    auto quiet = s.run({"plan"});
    CHECK_MESSAGE(quiet.exit_code == 0, (quiet.out + quiet.err));

    // Exactly one new certificate for the renewal (two POSTs in all), the old one revoked.
    CHECK(s.certificate_posts() == 2);
    auto ids = s.certificate_ids();
    REQUIRE(ids.size() == 1);
    CHECK(ids[0] != c1);
    auto profiles = s.profiles();
    REQUIRE(profiles.size() == 1);
    CHECK(profiles[0].first == "ACTIVE");
    CHECK(profiles[0].second == ids);
    CHECK(s.custody_keys().size() == 1);
    s.check_no_lost_key();
    CHECK(p12_key_matches(s.p12, s.password, s.f.dir));
    // Every intent was settled; no request is left "requested".
    {
      auto db = store::Database::open(s.f.db_path);
      REQUIRE(db.ok());
      store::Journal journal(*db);
      auto pending = journal.pending("acme");
      REQUIRE(pending.ok());
      CHECK(pending->empty());
    }
    for (const auto& r : s.records()) CHECK(r.state != "requested");
  }
}

TEST_CASE("blackbox signing: a key that may not create certificates is blocked, naming the permission") {
  SigningCli s;
  sim::FaultRule forbid;
  forbid.route = "POST /v1/certificates";
  forbid.error_rate = 1.0;
  forbid.error_status = 403;
  s.f.fx.sim->add_fault(forbid);
  auto apply = s.run({"apply"});
  CHECK_MESSAGE(apply.exit_code == 1, (apply.out + apply.err));
  CHECK((apply.out + apply.err).find("may not create certificates") != std::string::npos);
  CHECK(s.certificate_ids().empty());
  CHECK(s.custody_keys().empty());
}

TEST_CASE("blackbox signing: with custody_passphrase_file the keys are encrypted at rest and still export") {
  SigningCli s;
  const std::string pass = s.f.dir + "/custody-pass";
  test_support::write_text(pass, "custody secret\n");
  ::chmod(pass.c_str(), 0600);
  // The team entry gains the passphrase file.
  std::string cfg = test_support::read_text(s.f.config_path);
  const std::string anchor = "    desired_state: ";
  const auto at = cfg.find(anchor);
  REQUIRE(at != std::string::npos);
  cfg.insert(at, "    custody_passphrase_file: " + pass + "\n");
  test_support::write_text(s.f.config_path, cfg);

  auto apply = s.run({"apply"});
  CHECK_MESSAGE(apply.exit_code == 0, (apply.out + apply.err));
  const auto keys = s.custody_keys();
  REQUIRE(keys.size() == 1);
  const std::string key_text = test_support::read_text(s.f.dir + "/custody/acme/" + keys[0] + ".key.pem");
  CHECK(key_text.find("-----BEGIN ENCRYPTED PRIVATE KEY-----") != std::string::npos);
  CHECK(p12_key_matches(s.p12, s.password, s.f.dir));
  const std::string ci = s.f.dir + "/ci.p12";
  auto exported = s.run({"export-identity", "app-store", "--out", ci, "--password-file", s.password});
  CHECK_MESSAGE(exported.exit_code == 0, (exported.out + exported.err));
  CHECK(p12_key_matches(ci, s.password, s.f.dir));
  CHECK((apply.out + apply.err + exported.out + exported.err).find("custody secret") == std::string::npos);
}
