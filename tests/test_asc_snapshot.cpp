// The typed API against the real simulator over HTTP: full snapshots equal the simulator's
// state at the minimum request count, pagination under change and faults, auth failures, and
// every write the apply step uses, with read-backs by natural key.
#include <doctest/doctest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <algorithm>
#include <set>

#include "asc/api.hpp"
#include "support/sim_fixture.hpp"
#include "support/sim_state.hpp"
#include "util/time.hpp"

namespace {

using nlohmann::json;

core::Snapshot expected_from(const json& state) {
  return test_support::snapshot_from_sim_state(state);
}

std::string make_csr_pem() {
  auto key = util::generate_rsa_key(2048);
  X509_REQ* req = X509_REQ_new();
  X509_REQ_set_version(req, 0);
  X509_NAME* name = X509_REQ_get_subject_name(req);
  const std::string cn = "ascsync test";
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn.c_str()), -1,
                             -1, 0);
  X509_REQ_set_pubkey(req, key.get());
  X509_REQ_sign(req, key.get(), EVP_sha256());
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509_REQ(bio, req);
  std::string out(BIO_ctrl_pending(bio), '\0');
  BIO_read(bio, out.data(), static_cast<int>(out.size()));
  BIO_free(bio);
  X509_REQ_free(req);
  return out;
}

struct SnapshotWorld {
  test_support::SimFixture fx;
  std::unique_ptr<asc::Api> api;
  std::vector<std::chrono::milliseconds> sleeps;
  std::function<void()> on_sleep;

  explicit SnapshotWorld(std::function<void(asc::ClientOptions&)> tweak = {}, sim::Options sim_options = {})
      : fx(sim_options) {
    asc::ClientOptions o;
    o.base_url = fx.base_url;
    o.jitter_seed = 3;
    o.sleeper = [this](std::chrono::milliseconds d) {
      sleeps.push_back(d);
      if (on_sleep) on_sleep();
    };
    if (tweak) tweak(o);
    auto creds = asc::load_credentials(fx.issuer_id, fx.key_id, fx.key_path);
    REQUIRE(creds.ok());
    auto created = asc::Api::create(std::move(*creds), o);
    REQUIRE(created.ok());
    api = std::move(*created);
  }
  sim::Simulator& sim() { return fx.simulator(); }
};

std::string email(const std::string& prefix, int i) {
  return prefix + std::to_string(i) + "@example.com";
}

}  // namespace

TEST_CASE("fetch_snapshot equals the simulator's state at the minimum number of requests") {
  SnapshotWorld w;
  auto& sim = w.sim();
  const std::string app1 = sim.add_app("com.example.one", "One");
  const std::string app2 = sim.add_app("com.example.two", "Two");
  sim.add_app("com.example.three", "Three");
  sim.add_user("admin@example.com", "Ada", "Min", {"ADMIN"});
  sim.add_user("dev@example.com", "Dev", "Eloper", {"DEVELOPER", "APP_MANAGER"}, false, {app1, app2});
  REQUIRE(
      w.api->create_user_invitation("new@example.com", "New", "Person", {"DEVELOPER"}, false, true, {app2})
          .ok());
  REQUIRE(
      w.api->create_user_invitation("all@example.com", "All", "Apps", {"MARKETING"}, true, false, {}).ok());
  std::vector<std::string> groups;
  for (int i = 0; i < 60; ++i)
    groups.push_back(sim.add_beta_group(i % 2 ? app1 : app2, "Group " + std::to_string(i), i < 2));
  REQUIRE(w.api->create_beta_group(app1, "Public", false, false, true, 250, true).ok());
  // 450 testers: three pages. One is in 55 groups, more than an included page carries.
  for (int i = 0; i < 450; ++i)
    sim.add_beta_tester(email("t", i), "T", std::to_string(i), {groups[size_t(i) % 60]});
  const std::vector<std::string> many(groups.begin(), groups.begin() + 55);
  sim.add_beta_tester("busy@example.com", "Busy", "Bee", many);
  REQUIRE(w.api->create_certificate(make_csr_pem(), "IOS_DISTRIBUTION").ok());
  REQUIRE(w.api->create_certificate(make_csr_pem(), "DEVELOPMENT").ok());

  sim.reset_counters();
  asc::FetchStats stats;
  auto snap = w.api->fetch_snapshot(&stats);
  REQUIRE_MESSAGE(snap.ok(), snap.error().describe());
  const core::Snapshot expected = expected_from(sim.dump_state());
  CHECK(snap->apps == expected.apps);
  CHECK(snap->users == expected.users);
  CHECK(snap->invitations == expected.invitations);
  CHECK(snap->groups == expected.groups);
  CHECK(snap->testers == expected.testers);
  CHECK(snap->certificates == expected.certificates);
  CHECK(snap->profiles == expected.profiles);
  CHECK(*snap == expected);
  CHECK(snap->testers.size() == 451);
  CHECK(snap->membership_count() == 450 + 55);

  // apps, users, invitations, groups, certificates, profiles: 1 each; testers: 3 pages;
  // plus one follow-up for the tester whose memberships did not fit.
  CHECK(stats.follow_ups == 1);
  CHECK(stats.requests == 6 + 3 + 1);
  CHECK(stats.retries == 0);
  CHECK(sim.request_count() == stats.requests);
  MESSAGE("snapshot of 451 testers / 61 groups: " << stats.requests << " requests in "
                                                  << stats.elapsed.count() << " ms");
}

TEST_CASE("1,000 testers across pages while testers come and go and a page fails once") {
  SnapshotWorld w;
  auto& sim = w.sim();
  const std::string app = sim.add_app("com.example.app", "App");
  const std::string group = sim.add_beta_group(app, "Everyone", false);
  std::set<std::string> before;
  for (int i = 0; i < 1000; ++i)
    before.insert(sim.add_beta_tester(email("p", i), "P", std::to_string(i), {group}));
  std::set<std::string> added;
  std::set<std::string> removed;
  sim::FaultRule fault;
  fault.route = "GET /v1/betaTesters*";
  fault.fail_nth = 3;
  fault.error_status = 503;
  fault.remaining = 1;
  sim.add_fault(fault);
  // The retry's sleep is the moment between pages: people are added and removed meanwhile.
  w.on_sleep = [&] {
    if (!added.empty()) return;
    for (int i = 0; i < 5; ++i) added.insert(sim.add_beta_tester(email("late", i), "L", "ate", {group}));
    for (auto it = before.begin(); removed.size() < 3; ++it) {
      removed.insert(*it);
      sim.remove_beta_tester(*it);
    }
  };
  asc::FetchStats stats;
  auto snap = w.api->fetch_snapshot(&stats);
  REQUIRE_MESSAGE(snap.ok(), snap.error().describe());
  CHECK(stats.retries == 1);
  CHECK(added.size() == 5);
  std::set<std::string> got;
  for (const auto& t : snap->testers) CHECK(got.insert(t.id).second);  // no duplicates
  for (const auto& id : before)
    if (!removed.contains(id)) CHECK(got.contains(id));  // nobody who stayed is missed
  for (const auto& id : got) CHECK((before.contains(id) || added.contains(id)));

  // The next cycle sees exactly the new state.
  auto again = w.api->fetch_snapshot();
  REQUIRE(again.ok());
  CHECK(*again == expected_from(sim.dump_state()));
  CHECK(again->testers.size() == 1002);
}

TEST_CASE("5xx, 429, dropped connections and truncated bodies still give the exact snapshot") {
  SnapshotWorld w([](asc::ClientOptions& o) { o.retry.max_attempts = 10; });
  auto& sim = w.sim();
  const std::string app = sim.add_app("com.example.app", "App");
  const std::string group = sim.add_beta_group(app, "G", false);
  for (int i = 0; i < 700; ++i) sim.add_beta_tester(email("f", i), "F", std::to_string(i), {group});
  for (int i = 0; i < 30; ++i) sim.add_user(email("u", i), "U", std::to_string(i), {"DEVELOPER"});
  sim::FaultRule errors;
  errors.route = "GET /v1/*";
  errors.error_rate = 0.15;
  errors.error_status = 503;
  sim::FaultRule limits = errors;
  limits.error_rate = 0.1;
  limits.error_status = 429;
  sim::FaultRule drops;
  drops.route = "GET /v1/*";
  drops.drop_rate = 0.1;
  drops.truncate_rate = 0.1;
  sim.add_fault(errors);
  sim.add_fault(limits);
  sim.add_fault(drops);
  asc::FetchStats stats;
  auto snap = w.api->fetch_snapshot(&stats);
  REQUIRE_MESSAGE(snap.ok(), snap.error().describe());
  sim.clear_faults();
  CHECK(*snap == expected_from(sim.dump_state()));
  CHECK(stats.retries > 0);
  CHECK(stats.requests == stats.retries + 6 + 4);
  MESSAGE("requests " << stats.requests << ", retries " << stats.retries);

  // A listing that never recovers is a clean error and no snapshot at all.
  sim::FaultRule down;
  down.route = "GET /v1/betaTesters*";
  down.error_rate = 1.0;
  down.error_status = 500;
  sim.add_fault(down);
  auto failed = w.api->fetch_snapshot();
  REQUIRE_FALSE(failed.ok());
  CHECK(failed.error().kind == util::ErrorKind::server);
  CHECK(failed.error().message.find("snapshot incomplete") != std::string::npos);
  CHECK(failed.error().message.find("GET /v1/betaTesters") != std::string::npos);
}

TEST_CASE("a revoked key or a badly skewed clock is a clear auth error after one renewal") {
  {
    SnapshotWorld w;
    w.sim().revoke_api_key(w.fx.key_id);
    w.sim().reset_counters();
    auto snap = w.api->fetch_snapshot();
    REQUIRE_FALSE(snap.ok());
    CHECK(snap.error().kind == util::ErrorKind::auth);
    CHECK(snap.error().http_status == 401);
    CHECK(snap.error().message.find("key") != std::string::npos);
    CHECK(w.sim().request_count() == 2);
  }
  {
    auto behind =
        std::make_shared<util::ManualClock>(std::chrono::system_clock::now() - std::chrono::hours(2));
    SnapshotWorld w([&](asc::ClientOptions& o) { o.clock = behind; });
    auto snap = w.api->fetch_snapshot();
    REQUIRE_FALSE(snap.ok());
    CHECK(snap.error().kind == util::ErrorKind::auth);
  }
}

TEST_CASE("writes and read-backs by natural key") {
  SnapshotWorld w;
  auto& sim = w.sim();
  const std::string app = sim.add_app("com.example.app", "App");
  const std::string other_app = sim.add_app("com.example.other", "Other");

  SUBCASE("invitations: create, conflict, find by email, delete") {
    auto inv = w.api->create_user_invitation("Jane.Doe@Example.com", "Jane", "Doe",
                                             {"DEVELOPER", "APP_MANAGER"}, false, true, {other_app, app});
    REQUIRE_MESSAGE(inv.ok(), inv.error().describe());
    CHECK(inv->roles == std::vector<std::string>{"APP_MANAGER", "DEVELOPER"});
    CHECK(inv->visible_app_ids ==
          (std::vector<std::string>{std::min(app, other_app), std::max(app, other_app)}));
    auto dup =
        w.api->create_user_invitation("jane.doe@example.com", "Jane", "Doe", {"DEVELOPER"}, true, false, {});
    REQUIRE_FALSE(dup.ok());
    CHECK(dup.error().kind == util::ErrorKind::conflict);
    CHECK_FALSE(dup.error().code.empty());
    auto found = w.api->find_user_invitation_by_email("JANE.DOE@example.com");
    REQUIRE(found.ok());
    REQUIRE(found->has_value());
    CHECK(**found == *inv);
    REQUIRE(w.api->delete_user_invitation(inv->id).ok());
    auto gone = w.api->find_user_invitation_by_email("jane.doe@example.com");
    REQUIRE(gone.ok());
    CHECK_FALSE(gone->has_value());
    auto again = w.api->delete_user_invitation(inv->id);
    REQUIRE_FALSE(again.ok());
    CHECK(again.error().kind == util::ErrorKind::not_found);
  }

  SUBCASE("users: update roles and visible apps, find by email, delete") {
    const std::string id = sim.add_user("dev@example.com", "Dev", "One", {"DEVELOPER"}, true);
    auto updated = w.api->update_user(id, {"APP_MANAGER"}, false, true, {app});
    REQUIRE_MESSAGE(updated.ok(), updated.error().describe());
    CHECK(updated->roles == std::vector<std::string>{"APP_MANAGER"});
    CHECK(updated->visible_app_ids == std::vector<std::string>{app});
    CHECK(updated->provisioning_allowed);
    auto found = w.api->find_user_by_email("Dev@Example.com");
    REQUIRE(found.ok());
    REQUIRE(found->has_value());
    CHECK(**found == *updated);
    REQUIRE(w.api->delete_user(id).ok());
    CHECK_FALSE(w.api->find_user_by_email("dev@example.com")->has_value());
  }

  SUBCASE("groups and testers: create, membership in chunks, find, delete") {
    auto group = w.api->create_beta_group(app, "External, with comma", false, false, true, 100, true);
    REQUIRE_MESSAGE(group.ok(), group.error().describe());
    CHECK(group->app_id == app);
    CHECK(group->public_link_enabled);
    CHECK(group->public_link_limit == 100);
    auto internal = w.api->create_beta_group(app, "Internal", true, true, false, std::nullopt, false);
    REQUIRE_MESSAGE(internal.ok(), internal.error().describe());
    CHECK(internal->is_internal);
    auto found = w.api->find_beta_group(app, "External, with comma");
    REQUIRE(found.ok());
    REQUIRE(found->has_value());
    CHECK((*found)->id == group->id);
    CHECK_FALSE(w.api->find_beta_group(other_app, "External, with comma")->has_value());

    auto updated = w.api->update_beta_group(*group, "Renamed", false, std::nullopt, false);
    REQUIRE_MESSAGE(updated.ok(), updated.error().describe());
    CHECK(updated->name == "Renamed");
    CHECK(updated->app_id == app);
    CHECK_FALSE(updated->public_link_enabled);
    CHECK_FALSE(updated->feedback_enabled);

    auto tester = w.api->create_beta_tester("Tess@Example.com", "Tess", "Ter", {updated->id});
    REQUIRE_MESSAGE(tester.ok(), tester.error().describe());
    CHECK(tester->group_ids == std::vector<std::string>{updated->id});
    auto by_email = w.api->find_beta_tester_by_email("tess@example.com");
    REQUIRE(by_email.ok());
    REQUIRE(by_email->has_value());
    CHECK((*by_email)->id == tester->id);
    CHECK((*by_email)->group_ids == std::vector<std::string>{updated->id});

    std::vector<std::string> ids;
    for (int i = 0; i < 250; ++i)
      ids.push_back(sim.add_beta_tester(email("m", i), "M", std::to_string(i), {}));
    sim.reset_counters();
    REQUIRE(w.api->add_testers_to_group(updated->id, ids).ok());
    CHECK(sim.write_count() == 3);                                // chunks of 100
    REQUIRE(w.api->add_testers_to_group(updated->id, ids).ok());  // idempotent
    auto snap = w.api->fetch_snapshot();
    REQUIRE(snap.ok());
    CHECK(snap->membership_count() == 251);
    std::vector<std::string> first_half(ids.begin(), ids.begin() + 125);
    REQUIRE(w.api->remove_testers_from_group(updated->id, first_half).ok());
    CHECK(w.api->fetch_snapshot()->membership_count() == 126);

    REQUIRE(w.api->delete_beta_tester(tester->id).ok());
    CHECK_FALSE(w.api->find_beta_tester_by_email("tess@example.com")->has_value());
    REQUIRE(w.api->delete_beta_group(updated->id).ok());
    CHECK_FALSE(w.api->find_beta_group(app, "Renamed")->has_value());
  }

  SUBCASE("certificates: create from a CSR, list without content, delete") {
    auto created = w.api->create_certificate(make_csr_pem(), "IOS_DISTRIBUTION");
    REQUIRE_MESSAGE(created.ok(), created.error().describe());
    const auto* der = reinterpret_cast<const unsigned char*>(created->content_der.data());
    X509* x509 = d2i_X509(nullptr, &der, static_cast<long>(created->content_der.size()));
    CHECK(x509 != nullptr);
    X509_free(x509);
    CHECK(created->certificate.certificate_type == "IOS_DISTRIBUTION");
    CHECK_FALSE(created->certificate.serial_number.empty());
    CHECK(util::parse_rfc3339(created->certificate.expiration_date).has_value());
    auto listed = w.api->list_certificates();
    REQUIRE(listed.ok());
    REQUIRE(listed->size() == 1);
    CHECK(listed->front() == created->certificate);
    bool asked_without_content = false;
    for (const auto& r : sim.request_log())
      if (r.method == "GET" && r.path.find("/v1/certificates") == 0)
        asked_without_content = r.path.find("fields%5Bcertificates%5D=") != std::string::npos &&
                                r.path.find("certificateContent") == std::string::npos;
    CHECK(asked_without_content);
    REQUIRE(w.api->delete_certificate(created->certificate.id).ok());
    CHECK(w.api->list_certificates()->empty());
    auto bad = w.api->create_certificate("not a csr", "IOS_DISTRIBUTION");
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().http_status >= 400);
  }
}
