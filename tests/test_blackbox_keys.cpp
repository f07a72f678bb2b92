// Issue 12 through the built binaries against the simulator: keys with the least privilege they
// need (point 1), one team never stops another (point 2), and the last cycle's outcome in
// `ascsync status` and /readyz (point 5).
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "support/daemon_fixture.hpp"
#include "util/crypto.hpp"
#include "util/files.hpp"

namespace {

using test_support::DaemonFixture;
using test_support::poll_until;
using namespace std::chrono_literals;

constexpr const char* k_testflight_only = R"(team: acme
apps:
  - bundle_id: com.acme.shop
    groups:
      - name: QA
        members: [robin@example.org, alex@example.org]
)";

constexpr const char* k_with_users = R"(team: acme
users:
  - {email: sam@acme.example, first_name: Sam, last_name: Ortiz, roles: [MARKETING]}
apps:
  - bundle_id: com.acme.shop
    groups:
      - name: QA
        members: [robin@example.org, alex@example.org]
)";

constexpr const char* k_with_users_more = R"(team: acme
users:
  - {email: sam@acme.example, first_name: Sam, last_name: Ortiz, roles: [MARKETING]}
apps:
  - bundle_id: com.acme.shop
    groups:
      - name: QA
        members: [robin@example.org, alex@example.org, kim@example.org]
)";

constexpr const char* k_bravo = R"(team: bravo
apps:
  - bundle_id: com.bravo.app
    groups:
      - name: Beta
        members: [pat@example.org]
)";

// Line 6, column 9: a misspelt key.
constexpr const char* k_bravo_broken = R"(team: bravo
apps:
  - bundle_id: com.bravo.app
    groups:
      - name: Beta
        memberz: [pat@example.org]
)";

struct Key {
  std::string key_id;
  std::string path;
};

// Another team key for the simulator, written 0600 beside the fixture's.
Key add_key(DaemonFixture& f, const std::string& key_id, const std::string& role) {
  auto key = util::generate_p256_key();
  Key k{key_id, f.dir + "/AuthKey_" + key_id + ".p8"};
  REQUIRE(util::write_file_atomic(k.path, util::private_key_to_pem(key.get()), 0600).ok());
  f.sim().add_api_key(f.fx.issuer_id, key_id, util::public_key_to_pem(key.get()), role);
  return k;
}

std::string read_all(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Points the fixture's team at another key.
void use_key(DaemonFixture& f, const Key& k) {
  std::string text = read_all(f.config_path);
  for (const auto& [from, to] : {std::pair{f.fx.key_id, k.key_id}, std::pair{f.fx.key_path, k.path}}) {
    const auto at = text.find(from);
    REQUIRE(at != std::string::npos);
    text.replace(at, from.size(), to);
  }
  test_support::write_text(f.config_path, text);
}

// Adds team bravo (its own key and desired state) to the fixture's config.
std::string add_bravo(DaemonFixture& f, const Key& k) {
  const std::string desired = f.dir + "/bravo.yaml";
  test_support::write_text(desired, k_bravo);
  f.write_config("1h", "");
  std::string text = read_all(f.config_path);
  text += "  - name: bravo\n    issuer_id: " + f.fx.issuer_id + "\n    key_id: " + k.key_id +
          "\n    private_key_file: " + k.path + "\n    desired_state: " + desired +
          "\n    base_url: " + f.fx.base_url + "\n";
  test_support::write_text(f.config_path, text);
  return desired;
}

nlohmann::json team_entry(const DaemonFixture& f, const std::string& name) {
  const auto s = f.status();
  if (!s.is_object()) return nullptr;
  for (const auto& t : s["teams"])
    if (t.value("name", "") == name) return t;
  return nullptr;
}

nlohmann::json status_json(const DaemonFixture& f) {
  const auto r = f.ascsync({"status", "--json"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  return nlohmann::json::parse(r.out)["teams"][0];
}

}  // namespace

TEST_CASE("issue 12.1: an App Manager key runs a TestFlight-only desired state; users fail naming Admin") {
  DaemonFixture f;
  f.add_apps({"com.acme.shop"});
  f.sim().add_user("lee@acme.example", "Lee", "Ng", {"DEVELOPER"});
  // An Admin key mirrors everything first, so the mirror holds users the next key cannot read.
  const auto mirrored = f.ascsync({"mirror"});
  REQUIRE_MESSAGE(mirrored.exit_code == 0, mirrored.err);
  const long long users_before = status_json(f)["counts"]["users"].get<long long>();
  REQUIRE(users_before >= 1);

  const Key manager = add_key(f, "APPMGR0001", "APP_MANAGER");
  use_key(f, manager);
  f.write_desired(k_testflight_only);
  f.sim().reset_counters();
  const auto applied = f.ascsync({"apply"});
  CHECK_MESSAGE(applied.exit_code == 0, std::string(applied.out + applied.err));
  CHECK(f.world().members("com.acme.shop/QA") ==
        std::vector<std::string>{"alex@example.org", "robin@example.org"});
  // Only what the desired state manages is read: never users or invitations. Certificates (the
  // expiry watch) are tried once and left out on 403.
  for (const auto& rc : f.sim().route_counters()) {
    CAPTURE(rc.route);
    CHECK(rc.route.find("/v1/users") == std::string::npos);
    CHECK(rc.route.find("/v1/userInvitations") == std::string::npos);
    if (rc.status == 403) CHECK(rc.route == "GET /v1/certificates");
  }
  // A kind not read is not empty: the mirror keeps its rows and says they were not read.
  auto st = status_json(f);
  CHECK(st["counts"]["users"].get<long long>() == users_before);
  CHECK(st["not_read"].contains("users"));
  CHECK(st["not_read"].contains("invitations"));
  CHECK(st["not_read"]["certificates"]["reason"].get<std::string>().find("Access to Certificates") !=
        std::string::npos);
  CHECK(st["last_cycle"]["outcome"] == "converged");
  const auto text = f.ascsync({"status"});
  CHECK_MESSAGE(text.out.find("not read      users") != std::string::npos, text.out);
  // `ascsync mirror` with this key reads what it may and says what it left out, without failing.
  const auto mirrored_again = f.ascsync({"mirror"});
  CHECK_MESSAGE(mirrored_again.exit_code == 0, std::string(mirrored_again.out + mirrored_again.err));
  CHECK(mirrored_again.out.find("not read: users") != std::string::npos);

  // The same key with users declared: the cycle fails naming the role it lacks; nothing written.
  f.write_desired(k_with_users);
  f.sim().reset_counters();
  const auto refused = f.ascsync({"apply"});
  CHECK(refused.exit_code == 1);
  CHECK_MESSAGE(refused.err.find("users need a team key with the Admin role") != std::string::npos,
                refused.err);
  CHECK_MESSAGE(refused.err.find("clock") == std::string::npos, refused.err);
  CHECK(f.sim().write_count() == 0);
  st = status_json(f);
  CHECK(st["last_cycle"]["outcome"] == "failed");
  CHECK(st["last_cycle"]["error"].get<std::string>().find("Admin") != std::string::npos);

  // `validate --online` tells before anything is applied.
  const auto online = f.ascsync({"validate", "--online"});
  CHECK(online.exit_code == 1);
  CHECK_MESSAGE(online.err.find("may not read users, which the desired state manages") != std::string::npos,
                online.err);
  CHECK(online.err.find("Admin role") != std::string::npos);
  f.write_desired(k_testflight_only);
  const auto fine = f.ascsync({"validate", "--online"});
  CHECK_MESSAGE(fine.exit_code == 0, std::string(fine.out + fine.err));
  CHECK_MESSAGE(fine.out.find("can read apps, beta groups, beta testers") != std::string::npos, fine.out);
  CHECK_MESSAGE(fine.err.find("certificate expiry watch is off") != std::string::npos, fine.err);

  // A revoked key gets the 401 hint, not the role one.
  f.sim().revoke_api_key(manager.key_id);
  const auto revoked = f.ascsync({"apply"});
  CHECK(revoked.exit_code == 1);
  CHECK_MESSAGE(revoked.err.find("revoked") != std::string::npos, revoked.err);
  CHECK_MESSAGE(revoked.err.find("role") == std::string::npos, revoked.err);
}

TEST_CASE("issue 12.2: a team with a bad key file or broken desired state is marked failed; the other runs") {
  DaemonFixture f;
  f.add_apps({"com.acme.shop", "com.bravo.app"});
  f.write_desired(k_with_users);
  const Key bravo_key = add_key(f, "BRAVO00001", "ADMIN");
  const std::string bravo_desired = add_bravo(f, bravo_key);
  REQUIRE(::chmod(bravo_key.path.c_str(), 0644) == 0);

  // validate reports the key file, which it used to pass.
  const auto checked = f.ascsync({"validate"});
  CHECK(checked.exit_code == 1);
  CHECK_MESSAGE(checked.err.find("team bravo: API key") != std::string::npos, checked.err);
  CHECK_MESSAGE(checked.err.find("chmod 600 " + bravo_key.path) != std::string::npos, checked.err);

  // The daemon runs acme; bravo is failed in status, metrics, log and /readyz?team=bravo.
  f.start(false);
  REQUIRE_MESSAGE(f.notify->wait_for("READY=1"), f.log());
  REQUIRE_MESSAGE(f.wait_for_cycle(0), f.log());
  CHECK(f.world().members("com.acme.shop/QA") ==
        std::vector<std::string>{"alex@example.org", "robin@example.org"});
  CHECK(f.get("/readyz?team=acme").status == 200);
  REQUIRE(poll_until([&] { return team_entry(f, "bravo").value("cycles", 0LL) >= 1; }, 10s));
  const auto bravo_ready = f.get("/readyz?team=bravo");
  CHECK(bravo_ready.status == 503);
  CHECK_MESSAGE(bravo_ready.body.find("chmod 600") != std::string::npos, bravo_ready.body);
  CHECK(f.get("/readyz").status == 503);
  CHECK(f.get("/readyz?team=nobody").status == 404);
  auto bravo = team_entry(f, "bravo");
  CHECK(bravo["last_outcome"] == "failed");
  CHECK(bravo["config_error"].get<std::string>().find("API key") != std::string::npos);
  CHECK(f.metric("ascsync_team_config_valid{team=\"bravo\"}") == 0.0);
  CHECK(f.metric("ascsync_team_config_valid{team=\"acme\"}") == 1.0);
  CHECK(f.metric("ascsync_cycles_total{team=\"bravo\",outcome=\"failed\"}") >= 1.0);
  CHECK(test_support::read_text(f.log_path).find("team bravo") != std::string::npos);

  // Fixed and reloaded: bravo runs too.
  REQUIRE(::chmod(bravo_key.path.c_str(), 0600) == 0);
  const long long before_fix = f.cycles();
  f.daemon->signal(SIGHUP);
  REQUIRE_MESSAGE(poll_until([&] { return f.get("/readyz").status == 200; }, 20s), f.log());
  // The reload runs acme's cycle too; wait for it so the count below is settled.
  REQUIRE_MESSAGE(f.wait_for_cycle(before_fix), f.log());
  CHECK(f.world().members("com.bravo.app/Beta") == std::vector<std::string>{"pat@example.org"});

  // bravo's desired state breaks at a reload: acme's new desired state still takes effect.
  test_support::write_text(bravo_desired, k_bravo_broken);
  f.write_desired(k_with_users_more);
  const long long before = f.cycles();
  f.daemon->signal(SIGHUP);
  REQUIRE_MESSAGE(f.wait_for_cycle(before), f.log());
  CHECK(f.world().members("com.acme.shop/QA") ==
        std::vector<std::string>{"alex@example.org", "kim@example.org", "robin@example.org"});
  CHECK(f.get("/readyz?team=acme").status == 200);
  const auto broken = f.get("/readyz?team=bravo");
  CHECK(broken.status == 503);
  CHECK_MESSAGE(broken.body.find(bravo_desired + ":6:9") != std::string::npos, broken.body);
  CHECK(team_entry(f, "bravo")["config_error"].get<std::string>().find("running on the last good one") !=
        std::string::npos);

  // bravo's key is revoked: bravo fails with the 401 hint, acme stays ready.
  test_support::write_text(bravo_desired, k_bravo);
  f.daemon->signal(SIGHUP);
  REQUIRE_MESSAGE(poll_until([&] { return f.get("/readyz").status == 200; }, 20s), f.log());
  f.sim().revoke_api_key(bravo_key.key_id);
  const long long bravo_cycles = team_entry(f, "bravo").value("cycles", 0LL);
  REQUIRE(f.ascsync({"trigger"}).exit_code == 0);
  REQUIRE(poll_until([&] { return team_entry(f, "bravo").value("cycles", 0LL) > bravo_cycles; }, 20s));
  REQUIRE(poll_until([&] { return f.get("/readyz?team=bravo").status == 503; }, 10s));
  CHECK(f.get("/readyz?team=bravo").body.find("revoked") != std::string::npos);
  CHECK(poll_until([&] { return f.get("/readyz?team=acme").status == 200; }, 10s));

  f.daemon->signal(SIGTERM);
  CHECK(f.daemon->wait(20s) == 0);
}
