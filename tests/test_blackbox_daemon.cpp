// `ascsync run` as systemd runs it, through the built binary against an in-process simulator:
// the sd_notify protocol (READY, STATUS, WATCHDOG, RELOADING, STOPPING) on a fake
// NOTIFY_SOCKET, convergence of the first cycle, reloads with a broken and a fixed desired
// state, SIGTERM in the middle of an apply, /metrics through promtool, readiness after the key
// is revoked, and start-up refusals with exit 78.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <cstdlib>

#include "store/journal.hpp"
#include "support/daemon_fixture.hpp"

namespace {

using test_support::DaemonFixture;
using test_support::poll_until;
using Strings = std::vector<std::string>;
using namespace std::chrono_literals;

constexpr const char* k_daemon_desired = R"(team: acme
users:
  - {email: sam@acme.example, first_name: Sam, last_name: Ortiz, roles: [MARKETING]}
apps:
  - bundle_id: com.acme.shop
    groups:
      - name: QA
        members: [robin@example.org, alex@example.org]
)";

// The same with one more tester in QA.
constexpr const char* k_desired_more = R"(team: acme
users:
  - {email: sam@acme.example, first_name: Sam, last_name: Ortiz, roles: [MARKETING]}
apps:
  - bundle_id: com.acme.shop
    groups:
      - name: QA
        members: [robin@example.org, alex@example.org, kim@example.org]
)";

// Line 8, column 9 holds a misspelt key.
constexpr const char* k_desired_broken = R"(team: acme
users:
  - {email: sam@acme.example, first_name: Sam, last_name: Ortiz, roles: [MARKETING]}
apps:
  - bundle_id: com.acme.shop
    groups:
      - name: QA
        memberz: [robin@example.org]
)";

void check_converged(const test_support::World& w, const Strings& qa) {
  CHECK_FALSE(w.has_duplicates());
  CHECK(w.members("com.acme.shop/QA") == qa);
  CHECK(w.invitations.count("sam@acme.example") == 1);
}

std::string promtool() {
  for (const char* dir : {"/usr/bin", "/usr/local/bin", "/bin"}) {
    const std::string p = std::string(dir) + "/promtool";
    if (::access(p.c_str(), X_OK) == 0) return p;
  }
  return "";
}

}  // namespace

TEST_CASE(
    "ascsync run: READY, STATUS and WATCHDOG, a converging first cycle, RELOADING around SIGHUP, STOPPING") {
  DaemonFixture f;
  f.add_apps({"com.acme.shop"});
  f.write_desired(k_daemon_desired);
  f.start();

  const auto ready = f.notify->wait_for("READY=1");
  REQUIRE_MESSAGE(ready, f.log());
  REQUIRE_MESSAGE(f.wait_for_cycle(0), f.log());
  check_converged(f.world(), {"alex@example.org", "robin@example.org"});
  CHECK(f.team_status().value("last_outcome", "") == "success");

  // STATUS= follows the cycle: after it finished, the line reports the team and no failure.
  CHECK_MESSAGE(poll_until(
                    [&] {
                      const auto values = f.notify->values("STATUS");
                      return !values.empty() &&
                             values.back().rfind(
                                 "1 team(s), 0 running, 0 failing; configuration valid; last cycle acme: ",
                                 0) == 0 &&
                             values.back().find(" to add, ") != std::string::npos;
                    },
                    5s),
                f.log());

  // WATCHDOG_USEC=2 s: pings at least every second, from the child whose pid WATCHDOG_PID names.
  const size_t before = f.notify->count();
  std::this_thread::sleep_for(2500ms);
  size_t pings = 0;
  for (const auto& m : f.notify->messages())
    if (test_support::NotifySocket::has_line(m, "WATCHDOG=1")) ++pings;
  CHECK_MESSAGE(pings >= 2, f.log());
  CHECK(f.notify->count() > before);

  // SIGHUP: RELOADING=1 (with MONOTONIC_USEC for Type=notify-reload), then READY=1 again.
  const size_t mark = f.notify->count();
  f.daemon->signal(SIGHUP);
  const auto reloading = f.notify->wait_for("RELOADING=1", mark);
  REQUIRE_MESSAGE(reloading, f.log());
  CHECK(f.notify->messages()[*reloading].find("MONOTONIC_USEC=") != std::string::npos);
  CHECK_MESSAGE(f.notify->wait_for("READY=1", *reloading + 1), f.log());

  // SIGTERM: STOPPING=1 and a clean exit.
  const size_t stop_mark = f.notify->count();
  f.daemon->signal(SIGTERM);
  const auto code = f.daemon->wait(20s);
  REQUIRE_MESSAGE(code, f.log());
  CHECK_MESSAGE(*code == 0, f.log());
  CHECK(f.notify->find("STOPPING=1", stop_mark));
}

TEST_CASE("ascsync run: a broken desired state on SIGHUP keeps the last good one; fixing it recovers") {
  DaemonFixture f;
  f.add_apps({"com.acme.shop"});
  f.write_desired(k_daemon_desired);
  f.start(false);
  REQUIRE_MESSAGE(f.wait_for_cycle(0), f.log());
  CHECK(f.get("/readyz").status == 200);
  CHECK(f.metric("ascsync_config_valid") == 1.0);

  f.write_desired(k_desired_broken);
  f.daemon->signal(SIGHUP);
  const std::string where = f.desired_path + ":8:9";
  REQUIRE_MESSAGE(poll_until([&] { return f.metric("ascsync_config_valid") == 0.0; }, 10s), f.log());
  CHECK(f.daemon->running());
  const auto status = f.status();
  CHECK_FALSE(status["config"]["valid"].get<bool>());
  CHECK_MESSAGE(status["config"]["error"].get<std::string>().find(where) != std::string::npos, status.dump());
  const auto ready = f.get("/readyz");
  CHECK(ready.status == 503);
  CHECK_MESSAGE(ready.body.find(where) != std::string::npos, ready.body);
  CHECK(f.get("/healthz").status == 200);
  CHECK(f.metric("ascsync_config_reloads_total{outcome=\"failure\"}") == 1.0);

  // The last good desired state still runs: a triggered cycle repairs drift to it.
  const long long cycles = f.cycles();
  f.sim().remove_beta_tester(f.world().tester_ids.at("robin@example.org"));
  const auto trigger = f.ascsync({"trigger"});
  REQUIRE_MESSAGE(trigger.exit_code == 0, trigger.err);
  REQUIRE_MESSAGE(f.wait_for_cycle(cycles), f.log());
  check_converged(f.world(), {"alex@example.org", "robin@example.org"});

  // Fixed (and changed): the reload succeeds and the change is applied.
  f.write_desired(k_desired_more);
  const long long before_fix = f.cycles();
  f.daemon->signal(SIGHUP);
  REQUIRE_MESSAGE(poll_until([&] { return f.metric("ascsync_config_valid") == 1.0; }, 10s), f.log());
  REQUIRE_MESSAGE(f.wait_for_cycle(before_fix), f.log());
  check_converged(f.world(), {"alex@example.org", "kim@example.org", "robin@example.org"});
  CHECK(f.status()["config"]["error"].is_null());
  CHECK(poll_until([&] { return f.get("/readyz").status == 200; }, 5s));

  // `ascsync trigger` runs a cycle at once (the interval is an hour) against the new state.
  const long long before_trigger = f.cycles();
  f.sim().remove_beta_tester(f.world().tester_ids.at("kim@example.org"));
  const auto again = f.ascsync({"trigger"});
  REQUIRE_MESSAGE(again.exit_code == 0, again.err);
  REQUIRE_MESSAGE(f.wait_for_cycle(before_trigger), f.log());
  check_converged(f.world(), {"alex@example.org", "kim@example.org", "robin@example.org"});

  f.daemon->signal(SIGTERM);
  CHECK(f.daemon->wait(20s) == 0);
}

TEST_CASE("ascsync run: an edited desired state is picked up by `ascsync trigger` without SIGHUP") {
  DaemonFixture f;
  f.add_apps({"com.acme.shop"});
  f.write_desired(k_daemon_desired);
  f.start(false);
  REQUIRE_MESSAGE(f.wait_for_cycle(0), f.log());
  check_converged(f.world(), {"alex@example.org", "robin@example.org"});

  // Each cycle reads the desired state it needs: an edit plus a trigger is enough.
  f.write_desired(k_desired_more);
  const long long before = f.cycles();
  const auto trigger = f.ascsync({"trigger"});
  REQUIRE_MESSAGE(trigger.exit_code == 0, trigger.err);
  REQUIRE_MESSAGE(f.wait_for_cycle(before), f.log());
  check_converged(f.world(), {"alex@example.org", "kim@example.org", "robin@example.org"});

  // A broken edit is not applied: the last good state stays in force and repairs drift.
  f.write_desired(k_desired_broken);
  f.sim().remove_beta_tester(f.world().tester_ids.at("kim@example.org"));
  const long long again = f.cycles();
  REQUIRE(f.ascsync({"trigger"}).exit_code == 0);
  REQUIRE_MESSAGE(f.wait_for_cycle(again), f.log());
  check_converged(f.world(), {"alex@example.org", "kim@example.org", "robin@example.org"});
  CHECK(f.log().find("desired state changed but is invalid") != std::string::npos);

  f.daemon->signal(SIGTERM);
  CHECK(f.daemon->wait(20s) == 0);
}

TEST_CASE(
    "ascsync run: SIGTERM during a long apply exits 0 promptly; the next apply converges without "
    "duplicates") {
  DaemonFixture f;
  f.add_apps({"com.acme.shop"});
  constexpr int k_testers = 60;
  std::string yaml =
      "team: acme\napps:\n  - bundle_id: com.acme.shop\n    groups:\n      - name: QA\n        members:\n";
  Strings emails;
  for (int i = 0; i < k_testers; ++i) {
    emails.push_back("tester" + std::to_string(100 + i) + "@example.org");
    yaml += "          - " + emails.back() + "\n";
  }
  std::sort(emails.begin(), emails.end());
  f.write_desired(yaml);
  sim::FaultRule slow;
  slow.route = "POST /v1/betaTesters*";
  slow.latency_ms = 150;
  f.sim().add_fault(slow);
  f.start(false);

  // Some testers exist, most do not: the apply is in full swing.
  REQUIRE_MESSAGE(poll_until([&] { return f.sim().write_count() >= 5; }, 30s, 10ms), f.log());
  const auto t0 = test_support::SteadyClock::now();
  f.daemon->signal(SIGTERM);
  const auto code = f.daemon->wait(20s);
  const auto took = test_support::SteadyClock::now() - t0;
  REQUIRE_MESSAGE(code, f.log());
  CHECK_MESSAGE(*code == 0, f.log());
  CHECK(took < 5s);
  const long long written = f.sim().write_count();
  MESSAGE("stopped after ", written, " writes in ",
          std::chrono::duration_cast<std::chrono::milliseconds>(took).count(), " ms");
  CHECK(written < k_testers);  // it really was interrupted

  f.sim().clear_faults();
  const auto applied = f.ascsync({"apply"});
  CHECK_MESSAGE(applied.exit_code == 0, (applied.out + applied.err));
  const auto w = f.world();
  CHECK_FALSE(w.has_duplicates());
  CHECK(w.group_count.at("com.acme.shop/QA") == 1);
  CHECK(w.members("com.acme.shop/QA") == emails);
  CHECK(w.testers.size() == static_cast<size_t>(k_testers));

  store::OpenOptions open;
  open.migrations_dir = std::string(ASCSYNC_TEST_SOURCE_DIR) + "/migrations";
  auto db = store::Database::open(f.db_path, open);
  REQUIRE(db);
  store::Journal journal(*db);
  auto pending = journal.pending(DaemonFixture::k_team);
  REQUIRE(pending);
  CHECK(pending->empty());

  // A restarted daemon finds nothing to do.
  f.sim().reset_counters();
  f.start(false);
  REQUIRE_MESSAGE(f.wait_for_cycle(0), f.log());
  CHECK(f.sim().write_count() == 0);
  CHECK(f.team_status().value("last_outcome", "") == "success");
}

TEST_CASE("ascsync run: /metrics passes promtool check metrics") {
  const std::string tool = promtool();
  REQUIRE_MESSAGE(!tool.empty(), "promtool is missing: apt-get install prometheus (Debian ships it there)");
  DaemonFixture f;
  f.add_apps({"com.acme.shop"});
  f.write_desired(k_daemon_desired);
  f.start(false);
  REQUIRE_MESSAGE(f.wait_for_cycle(0), f.log());

  const auto metrics = f.get("/metrics");
  REQUIRE(metrics.status == 200);
  for (const char* name :
       {"ascsync_up 1", "ascsync_config_valid 1", "ascsync_cycles_total{", "ascsync_objects{",
        "ascsync_api_requests_total{", "ascsync_cycle_duration_seconds_bucket{"})
    CHECK_MESSAGE(metrics.body.find(name) != std::string::npos, name);
  const std::string in = f.dir + "/metrics.txt";
  const std::string out = f.dir + "/promtool.txt";
  test_support::write_text(in, metrics.body);
  const int rc = std::system((tool + " check metrics < '" + in + "' > '" + out + "' 2>&1").c_str());
  CHECK_MESSAGE(rc == 0, ("promtool check metrics:\n" + test_support::read_text(out) + "\n" + metrics.body));
}

TEST_CASE("ascsync run: /readyz turns 503 once the key is revoked and a cycle fails; /healthz stays 200") {
  DaemonFixture f;
  f.add_apps({"com.acme.shop"});
  f.write_desired(k_daemon_desired);
  f.start(false);
  REQUIRE_MESSAGE(f.wait_for_cycle(0), f.log());
  CHECK(f.get("/readyz").status == 200);

  const long long cycles = f.cycles();
  f.sim().revoke_api_key(f.fx.key_id);
  const auto trigger = f.ascsync({"trigger"});
  REQUIRE_MESSAGE(trigger.exit_code == 0, trigger.err);
  REQUIRE_MESSAGE(f.wait_for_cycle(cycles), f.log());
  CHECK(f.team_status().value("last_outcome", "") == "failed");
  const auto ready = f.get("/readyz");
  CHECK(ready.status == 503);
  const auto body = ready.json();
  REQUIRE(body.is_object());
  CHECK_FALSE(body["ready"].get<bool>());
  CHECK_MESSAGE(body["reasons"].dump().find("team acme: last cycle failed") != std::string::npos, ready.body);
  CHECK(f.get("/healthz").status == 200);
  CHECK(f.daemon->running());
  f.daemon->signal(SIGTERM);
  CHECK(f.daemon->wait(20s) == 0);
}

TEST_CASE("ascsync run: start-up refusals exit 78 with the reason and never report READY") {
  struct Case {
    const char* name;
    std::function<void(DaemonFixture&)> break_it;
    std::function<std::string(const DaemonFixture&)> expect;  // a substring of stderr
  };
  const std::vector<Case> cases = {
      {"invalid config", [](DaemonFixture& f) { f.write_config("15 minutes"); },
       [](const DaemonFixture& f) { return f.config_path + ":7:13: error: 'interval' is not a duration"; }},
      {"invalid desired state", [](DaemonFixture& f) { f.write_desired(k_desired_broken); },
       [](const DaemonFixture& f) { return f.desired_path + ":8:9: error: unknown key 'memberz'"; }},
      {"group-readable key", [](DaemonFixture& f) { ::chmod(f.fx.key_path.c_str(), 0640); },
       [](const DaemonFixture& f) { return "run: chmod 600 " + f.fx.key_path; }},
      {"non-loopback admin without a token",
       [](DaemonFixture& f) {
         f.admin_host = "0.0.0.0";
         f.write_config();
       },
       [](const DaemonFixture& f) {
         return f.config_path + ":5:11: error: the admin endpoint listens on 0.0.0.0 without a token";
       }},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    DaemonFixture f;
    f.add_apps({"com.acme.shop"});
    f.write_desired(k_daemon_desired);
    c.break_it(f);
    f.start();
    const auto code = f.daemon->wait(15s);
    REQUIRE_MESSAGE(code, f.log());
    CHECK_MESSAGE(*code == 78, f.log());
    CHECK_MESSAGE(test_support::read_text(f.log_path).find(c.expect(f)) != std::string::npos, f.log());
    CHECK_FALSE(f.notify->find("READY=1"));
    CHECK(f.sim().write_count() == 0);
  }
}

TEST_CASE("ascsync run: no WATCHDOG=1 when WATCHDOG_PID names another process") {
  DaemonFixture f;
  f.add_apps({"com.acme.shop"});
  f.write_desired(k_daemon_desired);
  f.notify = std::make_unique<test_support::NotifySocket>(f.dir + "/notify.sock");
  auto env = f.base_env();
  env.push_back("NOTIFY_SOCKET=" + f.notify->path());
  env.push_back("WATCHDOG_USEC=200000");
  env.push_back("WATCHDOG_PID=1");  // systemd's watchdog is meant for another process
  f.daemon = std::make_unique<test_support::ChildProcess>(
      test_support::ascsync_binary(), Strings{"--config", f.config_path, "run"}, env, f.log_path, false);
  REQUIRE_MESSAGE(f.notify->wait_for("READY=1"), f.log());
  REQUIRE_MESSAGE(f.wait_for_cycle(0), f.log());
  std::this_thread::sleep_for(500ms);  // 2.5 watchdog intervals
  CHECK_MESSAGE(f.notify->values("WATCHDOG").empty(), f.log());
  f.daemon->signal(SIGTERM);
  CHECK(f.daemon->wait(20s) == 0);
}
