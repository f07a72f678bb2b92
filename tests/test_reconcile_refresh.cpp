// reconcile::refresh end to end: the real simulator over HTTP, the real client, a real SQLite
// mirror. Asserts the state of the world after each refresh: the stored snapshot equals what the
// simulator holds, or — when any listing failed — equals the snapshot from before, with the
// failure on record in sync_runs.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "reconcile/refresh.hpp"
#include "reconcile/session.hpp"
#include "support/cli_fixture.hpp"
#include "util/time.hpp"

namespace {

using nlohmann::json;
using test_support::snapshot_from_sim_state;

const std::string k_team = "acme";

std::string email(const std::string& prefix, int i) {
  return prefix + std::to_string(i) + "@example.com";
}

// A simulator, a client for its team key (sleeps recorded, not slept) and an in-memory mirror.
struct RefreshWorld {
  test_support::SimFixture fx;
  std::unique_ptr<asc::Api> api;
  store::Database db;
  util::ManualClock clock;

  explicit RefreshWorld(std::function<void(asc::ClientOptions&)> tweak = {}, sim::Options sim_options = {})
      : fx(std::move(sim_options)), db(open_db()) {
    asc::ClientOptions o;
    o.base_url = fx.base_url;
    o.jitter_seed = 7;
    o.sleeper = [](std::chrono::milliseconds) {};
    if (tweak) tweak(o);
    auto creds = asc::load_credentials(fx.issuer_id, fx.key_id, fx.key_path);
    REQUIRE(creds.ok());
    auto created = asc::Api::create(std::move(*creds), o);
    REQUIRE(created.ok());
    api = std::move(*created);
  }
  static store::Database open_db() {
    auto db = store::Database::open(":memory:");
    if (!db) throw std::runtime_error(db.error().describe());
    return std::move(*db);
  }
  sim::Simulator& sim() { return fx.simulator(); }
  util::Result<reconcile::RefreshResult> refresh() {
    clock.advance(std::chrono::minutes(1));
    return reconcile::refresh(k_team, *api, db, clock);
  }
  core::Snapshot mirrored() {
    store::Mirror mirror(db);
    auto s = mirror.load_snapshot(k_team);
    REQUIRE_MESSAGE(s.ok(), s.error().describe());
    return *s;
  }
  store::SyncRun last_run() {
    store::Mirror mirror(db);
    auto r = mirror.last_run(k_team);
    REQUIRE(r.ok());
    REQUIRE(r->has_value());
    return **r;
  }
  core::Snapshot expected() { return snapshot_from_sim_state(sim().dump_state()); }
};

// Adds profiles (and their bundle ids) to the simulator through its state round trip: Apple's
// web UI is where profiles usually come from.
void add_profiles(sim::Simulator& sim, const std::vector<std::string>& certificate_ids) {
  json state = sim.dump_state();
  const std::string now = util::format_rfc3339(sim.now());
  const std::string later = util::format_rfc3339(sim.now() + std::chrono::hours(24 * 300));
  state["bundleIds"].push_back({{"id", "BNDL000001"},
                                {"name", "One"},
                                {"platform", "IOS"},
                                {"identifier", "com.example.one"},
                                {"seed_id", "TEAM000001"}});
  for (int i = 0; i < 3; ++i)
    state["profiles"].push_back(
        {{"id", "PROF00000" + std::to_string(i)},
         {"name", "Profile " + std::to_string(i)},
         {"platform", "IOS"},
         {"profile_type", i == 0 ? "IOS_APP_DEVELOPMENT" : "IOS_APP_STORE"},
         {"profile_state", i == 2 ? "INVALID" : "ACTIVE"},
         {"uuid", "8c1e0c6a-0000-4000-8000-00000000000" + std::to_string(i)},
         {"created_date", now},
         {"expiration_date", later},
         {"bundle_id_id", "BNDL000001"},
         {"certificates", i == 2 ? certificate_ids : std::vector<std::string>{certificate_ids[0]}},
         {"devices", json::array()}});
  sim.load_state(state);
}

}  // namespace

TEST_CASE("a full refresh stores exactly what the simulator holds, at the minimum request count") {
  RefreshWorld w;
  auto& sim = w.sim();
  const std::string app1 = sim.add_app("com.example.one", "One");
  const std::string app2 = sim.add_app("com.example.two", "Two");
  const std::string app3 = sim.add_app("com.example.three", "Three");
  sim.add_user("holder@example.com", "Ann", "Holder", {"ACCOUNT_HOLDER", "ADMIN"});
  for (int i = 0; i < 40; ++i)
    sim.add_user(
        email("user", i), "User", std::to_string(i), {i % 3 ? "DEVELOPER" : "APP_MANAGER"}, i % 4 != 0,
        i % 4 != 0 ? std::vector<std::string>{} : std::vector<std::string>{app1, i % 8 ? app3 : app2});
  REQUIRE(
      w.api->create_user_invitation("new@example.com", "New", "Person", {"DEVELOPER"}, false, true, {app2})
          .ok());
  REQUIRE(
      w.api->create_user_invitation("all@example.com", "All", "Apps", {"MARKETING", "SALES"}, true, false, {})
          .ok());
  std::vector<std::string> groups;
  for (int i = 0; i < 60; ++i)
    groups.push_back(sim.add_beta_group(i % 3 == 0 ? app1 : (i % 3 == 1 ? app2 : app3),
                                        "Group " + std::to_string(i), i < 3));
  auto link = w.api->create_beta_group(app1, "Public", false, false, true, 300, true);
  REQUIRE(link.ok());
  // ~1,000 testers, most in two groups; one in 55 groups (more than an included page carries).
  for (int i = 0; i < 999; ++i)
    sim.add_beta_tester(email("tester", i), "Test", std::to_string(i),
                        {groups[3 + size_t(i) % 57], groups[3 + size_t(i * 7 + 1) % 57]});
  sim.add_beta_tester("busy@example.com", "Busy", "Bee",
                      std::vector<std::string>(groups.begin() + 3, groups.begin() + 58));
  const std::string cert1 = sim.add_certificate("IOS_DISTRIBUTION", "Example Distribution");
  const std::string cert2 =
      sim.add_certificate("DEVELOPMENT", "Example Development", std::chrono::hours(24 * 20));
  sim.add_certificate("DISTRIBUTION", "Example Apple Distribution");
  add_profiles(sim, {cert1, cert2});

  sim.reset_counters();
  auto result = w.refresh();
  REQUIRE_MESSAGE(result.ok(), result.error().describe());

  const core::Snapshot expected = w.expected();
  const core::Snapshot stored = w.mirrored();
  CHECK(stored.apps == expected.apps);
  CHECK(stored.users == expected.users);
  CHECK(stored.invitations == expected.invitations);
  CHECK(stored.groups == expected.groups);
  CHECK(stored.testers == expected.testers);
  CHECK(stored.certificates == expected.certificates);
  CHECK(stored.profiles == expected.profiles);
  CHECK(stored == expected);
  CHECK(result->snapshot == expected);

  CHECK(stored.apps.size() == 3);
  CHECK(stored.users.size() == 41);
  CHECK(stored.invitations.size() == 2);
  CHECK(stored.groups.size() == 61);
  CHECK(stored.testers.size() == 1000);
  CHECK(stored.membership_count() == 999 * 2 + 55);
  CHECK(stored.certificates.size() == 3);
  CHECK(stored.profiles.size() == 3);

  // Minimum: sum over kinds of max(1, ceil(n / 200)) = apps 1 + users 1 + invitations 1 +
  // groups 1 + testers 5 + certificates 1 + profiles 1 = 11, plus one follow-up listing for
  // the tester whose 55 memberships do not fit the 50 included items.
  CHECK(result->fetch.follow_ups == 1);
  CHECK(result->fetch.retries == 0);
  CHECK(result->fetch.requests == 11 + 1);
  CHECK(sim.request_count() == result->fetch.requests);
  CHECK(sim.write_count() == 0);

  const store::SyncRun run = w.last_run();
  CHECK(run.id == result->run_id);
  CHECK(run.outcome == "ok");
  CHECK(run.error.empty());
  CHECK(run.stats.requests_sent == result->fetch.requests);
  CHECK(run.counts == store::count_rows(expected));
  CHECK(run.counts.memberships == 999 * 2 + 55);
  REQUIRE(run.stats.rate_limit.has_value());
  CHECK(*run.stats.rate_limit == 3600);
  // The budget is per key and rolling: the three setup writes above count too.
  CHECK(run.stats.rate_remaining.value_or(-1) == 3600 - 3 - result->fetch.requests);
  CHECK(run.events == 0);  // a team's first snapshot is no drift
  CHECK(result->drift_events == 0);

  // Nothing changed: the second refresh records no drift and leaves the mirror as it was.
  auto again = w.refresh();
  REQUIRE(again.ok());
  CHECK(again->drift_events == 0);
  CHECK(w.mirrored() == expected);
}

TEST_CASE("testers added and removed during a slow paginated walk: everyone who stayed is mirrored once") {
  RefreshWorld w;
  auto& sim = w.sim();
  const std::string app = sim.add_app("com.example.app", "App");
  const std::string g1 = sim.add_beta_group(app, "One", false);
  const std::string g2 = sim.add_beta_group(app, "Two", false);
  std::vector<std::string> initial;
  for (int i = 0; i < 1200; ++i)
    initial.push_back(sim.add_beta_tester(email("walk", i), "W", std::to_string(i), {i % 2 ? g1 : g2}));
  sim::FaultRule slow;
  slow.route = "GET /v1/betaTesters*";
  slow.latency_ms = 40;
  sim.add_fault(slow);

  // Churn from the start of the walk to its end: remove testers spread over the whole id range
  // (ahead of and behind the cursor) and add new ones.
  std::atomic<bool> done{false};
  std::set<std::string> removed;
  std::set<std::string> added;
  std::mt19937 rng(11);
  std::thread churn([&] {
    int n = 0;
    while (!done.load()) {
      const std::string victim = initial[rng() % initial.size()];
      if (removed.insert(victim).second) sim.remove_beta_tester(victim);
      added.insert(sim.add_beta_tester(email("new", n), "N", std::to_string(n), {n % 2 ? g1 : g2}));
      ++n;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
  auto result = w.refresh();
  done = true;
  churn.join();
  REQUIRE_MESSAGE(result.ok(), result.error().describe());
  CHECK(removed.size() >= 10);  // the walk really happened under change
  CHECK(result->fetch.pages >= 7);

  std::map<std::string, int> seen;
  for (const auto& t : result->snapshot.testers) ++seen[t.id];
  for (const auto& [id, count] : seen) CHECK_MESSAGE(count == 1, id);
  for (const auto& id : initial)
    if (!removed.contains(id)) CHECK_MESSAGE(seen.contains(id), "missed " << id);
  const std::set<std::string> initial_set(initial.begin(), initial.end());
  for (const auto& entry : seen)
    CHECK_MESSAGE((initial_set.contains(entry.first) || added.contains(entry.first)), entry.first);
  CHECK(w.mirrored().testers == result->snapshot.testers);

  // Once the churn has stopped the next refresh catches up exactly.
  sim.clear_faults();
  auto again = w.refresh();
  REQUIRE(again.ok());
  CHECK(w.mirrored() == w.expected());
}

TEST_CASE(
    "with faults on random requests each refresh is either exact or failed with the old snapshot kept") {
  RefreshWorld w([](asc::ClientOptions& o) {
    o.retry.max_attempts = 2;  // few retries so that some refreshes fail outright
    o.read_timeout = std::chrono::milliseconds(400);
  });
  auto& sim = w.sim();
  const std::string app = sim.add_app("com.example.app", "App");
  std::vector<std::string> groups{sim.add_beta_group(app, "A", false), sim.add_beta_group(app, "B", false)};
  std::vector<std::string> testers;
  for (int i = 0; i < 450; ++i)
    testers.push_back(sim.add_beta_tester(email("f", i), "F", std::to_string(i), {groups[size_t(i) % 2]}));
  for (int i = 0; i < 20; ++i) sim.add_user(email("u", i), "U", std::to_string(i), {"DEVELOPER"});
  sim.add_certificate("IOS_DISTRIBUTION", "Dist");
  auto first = w.refresh();
  REQUIRE(first.ok());

  struct Round {
    const char* what;
    std::vector<sim::FaultRule> faults;
  };
  auto rule = [](const std::string& route) {
    sim::FaultRule r;
    r.route = route;
    return r;
  };
  std::vector<Round> rounds;
  {
    auto down = rule("GET /v1/betaTesters*");
    down.error_rate = 1.0;
    down.error_status = 503;
    rounds.push_back({"testers always 503", {down}});
  }
  {
    auto timeout = rule("GET /v1/users*");
    timeout.latency_ms = 1500;
    timeout.remaining = 2;
    rounds.push_back({"users time out twice", {timeout}});
  }
  {
    auto cut = rule("GET /v1/certificates*");
    cut.truncate_rate = 1.0;
    rounds.push_back({"certificates truncated", {cut}});
  }
  {
    auto drop = rule("GET /v1/betaGroups*");
    drop.drop_rate = 1.0;
    rounds.push_back({"groups dropped", {drop}});
  }
  {
    auto limited = rule("GET /v1/*");
    limited.fail_nth = 3;
    limited.error_status = 429;
    limited.remaining = 1;
    rounds.push_back({"one 429, recovered by a retry", {limited}});
  }
  rounds.push_back({"no faults", {}});
  for (int seed = 0; seed < 6; ++seed) {
    auto errors = rule("GET /v1/*");
    errors.error_rate = 0.12;
    errors.error_status = seed % 2 ? 500 : 429;
    auto drops = rule("GET /v1/*");
    drops.drop_rate = 0.06;
    drops.truncate_rate = 0.06;
    rounds.push_back({"random faults", {errors, drops}});
  }

  int ok = 0;
  int failed = 0;
  int changed = 0;
  for (const auto& round : rounds) {
    CAPTURE(round.what);
    // Change the world a little between rounds so a kept snapshot is distinguishable.
    sim.remove_beta_tester(testers[size_t(changed)]);
    sim.add_beta_tester(email("round", changed), "R", std::to_string(changed), {groups[0]});
    ++changed;
    const core::Snapshot before = w.mirrored();
    for (const auto& f : round.faults) sim.add_fault(f);
    auto result = w.refresh();
    sim.clear_faults();
    const store::SyncRun run = w.last_run();
    if (result) {
      ++ok;
      CHECK(w.mirrored() == w.expected());
      CHECK(run.outcome == "ok");
      CHECK(run.id == result->run_id);
    } else {
      ++failed;
      CHECK(w.mirrored() == before);
      CHECK(w.mirrored() != w.expected());
      CHECK(run.outcome == "failed");
      CHECK(run.error == result.error().describe());
      CHECK(run.finished_at.has_value());
      CHECK(run.counts == store::SnapshotCounts{});
      CHECK(run.stats.requests_sent > 0);
    }
  }
  // The fixed rounds guarantee both outcomes; the random ones add variety.
  CHECK(ok >= 2);
  CHECK(failed >= 4);
  MESSAGE(ok << " refreshes ok, " << failed << " failed with the previous snapshot kept");

  store::Mirror mirror(w.db);
  auto runs = mirror.recent_runs(k_team, 100);
  REQUIRE(runs.ok());
  CHECK(runs->size() == rounds.size() + 1);
  CHECK(std::count_if(runs->begin(), runs->end(),
                      [](const store::SyncRun& r) { return r.outcome == "failed"; }) == failed);
  auto last_ok = mirror.last_successful_run(k_team);
  REQUIRE(last_ok.ok());
  REQUIRE(last_ok->has_value());
  CHECK((*last_ok)->outcome == "ok");
}

TEST_CASE("an invalid, revoked or expired key fails the refresh as a clear auth error, recorded as failed") {
  struct Case {
    const char* what;
    std::function<void(RefreshWorld&)> break_it;
    bool skewed_clock = false;
  };
  const std::vector<Case> cases = {
      {"revoked", [](RefreshWorld& w) { w.sim().revoke_api_key(w.fx.key_id); }},
      {"invalid (another key under the same id)",
       [](RefreshWorld& w) {
         auto other = util::generate_p256_key();
         w.sim().revoke_api_key(w.fx.key_id);
         w.sim().add_api_key(w.fx.issuer_id, w.fx.key_id, util::public_key_to_pem(other.get()));
       }},
      {"expired (host clock two hours behind)", [](RefreshWorld&) {}, true},
  };
  for (const auto& c : cases) {
    CAPTURE(c.what);
    RefreshWorld w([&](asc::ClientOptions& o) {
      if (c.skewed_clock)
        o.clock =
            std::make_shared<util::ManualClock>(std::chrono::system_clock::now() - std::chrono::hours(2));
    });
    w.sim().add_app("com.example.app", "App");
    c.break_it(w);
    auto result = w.refresh();
    REQUIRE_FALSE(result.ok());
    CHECK(result.error().kind == util::ErrorKind::auth);
    CHECK(result.error().http_status == 401);
    // Says what to do.
    CHECK(result.error().message.find("revoked") != std::string::npos);
    CHECK(result.error().message.find("clock") != std::string::npos);
    const store::SyncRun run = w.last_run();
    CHECK(run.outcome == "failed");
    CHECK(run.error.find("auth") == 0);
    store::Mirror mirror(w.db);
    auto has = mirror.has_snapshot(k_team);
    REQUIRE(has.ok());
    CHECK_FALSE(*has);
    // One renewal at most: an auth failure is not hammered.
    CHECK(w.sim().request_count() <= 2);
  }
}

TEST_CASE("reconcile::connect refuses a key file others can read, with a chmod hint") {
  test_support::SimFixture fx;
  config::TeamConfig team;
  team.name = "acme";
  team.issuer_id = fx.issuer_id;
  team.key_id = fx.key_id;
  team.private_key_file = fx.key_path;
  team.base_url = fx.base_url;
  config::Defaults defaults;

  for (const mode_t mode : {mode_t(0644), mode_t(0640), mode_t(0604)}) {
    CAPTURE(mode);
    REQUIRE(::chmod(fx.key_path.c_str(), mode) == 0);
    auto api = reconcile::connect(team, defaults);
    REQUIRE_FALSE(api.ok());
    CHECK(api.error().message.find("team acme") == 0);
    CHECK(api.error().message.find(fx.key_path) != std::string::npos);
    CHECK(api.error().message.find("chmod 600 " + fx.key_path) != std::string::npos);
  }
  CHECK(fx.sim->request_count() == 0);

  REQUIRE(::chmod(fx.key_path.c_str(), 0600) == 0);
  auto api = reconcile::connect(team, defaults);
  REQUIRE_MESSAGE(api.ok(), api.error().describe());
  fx.sim->add_app("com.example.app", "App");
  auto db = store::Database::open(":memory:");
  REQUIRE(db.ok());
  auto result = reconcile::refresh("acme", **api, *db, *util::system_clock());
  REQUIRE_MESSAGE(result.ok(), result.error().describe());
  CHECK(result->counts.apps == 1);
}

TEST_CASE("out-of-band changes between two refreshes become the expected drift events") {
  RefreshWorld w;
  auto& sim = w.sim();
  const std::string app = sim.add_app("com.example.app", "App");
  const std::string stay_user = sim.add_user("stay@example.com", "Stay", "Put", {"DEVELOPER"});
  const std::string gone_user = sim.add_user("gone@example.com", "Gone", "Away", {"DEVELOPER"});
  const std::string g1 = sim.add_beta_group(app, "Alpha", false);
  const std::string g2 = sim.add_beta_group(app, "Beta", false);
  const std::string g3 = sim.add_beta_group(app, "Doomed", false);
  const std::string t_move = sim.add_beta_tester("move@example.com", "Move", "Er", {g1});
  const std::string t_gone = sim.add_beta_tester("quit@example.com", "Quit", "Ter", {g1});
  sim.add_beta_tester("still@example.com", "Still", "Here", {g2});
  const std::string cert = sim.add_certificate("IOS_DISTRIBUTION", "Old Dist");
  REQUIRE(w.api->create_user_invitation("invitee@example.com", "In", "Vitee", {"MARKETING"}, true, false, {})
              .ok());
  REQUIRE(w.refresh().ok());

  // What people do in the web UI meanwhile.
  sim.add_user("hired@example.com", "Hi", "Red", {"APP_MANAGER"});
  sim.remove_user(gone_user);
  REQUIRE(w.api->update_user(stay_user, {"ADMIN"}, true, false, {}).ok());
  REQUIRE(sim.accept_invitation("invitee@example.com").has_value());
  sim.add_beta_tester("joined@example.com", "Jo", "Ined", {g2});
  sim.remove_beta_tester(t_gone);
  REQUIRE(w.api->add_testers_to_group(g2, {t_move}).ok());
  REQUIRE(w.api->remove_testers_from_group(g1, {t_move}).ok());
  sim.remove_beta_group(g3);
  sim.add_beta_group(app, "Fresh", false);
  REQUIRE(w.api->delete_certificate(cert).ok());
  const std::string new_cert = sim.add_certificate("DISTRIBUTION", "New Dist");

  auto result = w.refresh();
  REQUIRE_MESSAGE(result.ok(), result.error().describe());
  CHECK(w.mirrored() == w.expected());

  store::Mirror mirror(w.db);
  auto events = mirror.events(k_team, 0, 1000);
  REQUIRE(events.ok());
  std::multiset<std::string> got;
  for (const auto& e : *events) {
    CHECK(e.run_id == result->run_id);
    got.insert(e.kind + " " + e.key);
  }
  const std::multiset<std::string> want = {
      "user_added user:hired@example.com",
      "user_added user:invitee@example.com",
      "user_removed user:gone@example.com",
      "user_changed user:stay@example.com",
      "invitation_removed invitation:invitee@example.com",
      "tester_added tester:joined@example.com",
      "tester_removed tester:quit@example.com",
      "membership_added membership:com.example.app/Beta/move@example.com",
      "membership_removed membership:com.example.app/Alpha/move@example.com",
      "group_removed group:com.example.app/Doomed",
      "group_added group:com.example.app/Fresh",
      "certificate_revoked certificate:" + cert,
      "certificate_added certificate:" + new_cert,
  };
  CHECK(got == want);
  CHECK(result->drift_events == static_cast<int64_t>(want.size()));
  CHECK(w.last_run().events == static_cast<int64_t>(want.size()));
  for (const auto& e : *events)
    if (e.kind == "user_changed") CHECK(e.details["changes"].contains("roles"));
}
