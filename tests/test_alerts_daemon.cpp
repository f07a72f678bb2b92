// Black box: `ascsync run` with alerts configured. A certificate inside an expiry tier (in the
// simulator, so in the mirror after the first cycle) is notified once through a signed webhook,
// shows in /status, /metrics and `ascsync alerts --json`; `ascsync alerts test` reaches the
// channel; a restart does not notify again.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include "support/alerts_fixture.hpp"
#include "support/daemon_fixture.hpp"

using namespace test_support;

TEST_CASE("the daemon notifies a certificate in an expiry tier once, across a restart, and reports it") {
  DaemonFixture d;
  Receiver hook;
  const std::string cert_id =
      d.sim().add_certificate("DISTRIBUTION", "Apple Distribution: Acme", std::chrono::hours(24 * 10));
  const std::string secret = d.dir + "/hook-secret";
  write_text(secret, "s3cr3t-value\n");
  ::chmod(secret.c_str(), 0600);
  d.write_config("1h", "alerts:\n  channels:\n    - name: hook\n      webhook: {url: " + hook.url() +
                           "/hook, secret_file: hook-secret}\n");
  d.start();
  REQUIRE_MESSAGE(d.wait_for_cycle(0), d.log());
  REQUIRE_MESSAGE(hook.wait_for(1), d.log());
  const auto body = hook.got().front().json();
  CHECK(body["labels"]["alertname"] == "AscsyncCertificateExpiring");
  CHECK(body["labels"]["object"] == "certificate/" + cert_id);
  CHECK(body["tier_days"] == 14);

  const auto status = d.status();
  REQUIRE(status.contains("alerts"));
  REQUIRE(status["alerts"].size() == 1);
  CHECK(status["alerts"][0]["name"] == "AscsyncCertificateExpiring");
  CHECK(status["alerts"][0]["labels"]["severity"] == "warning");
  CHECK(poll_until(
      [&] { return d.metric(R"(ascsync_alert_notifications_total{channel="hook",outcome="sent"})") == 1.0; },
      std::chrono::seconds(5)));
  CHECK(d.metric(R"(ascsync_alerts_firing{alertname="AscsyncCertificateExpiring",severity="warning"})") ==
        1.0);
  CHECK(d.metric(R"(ascsync_alerts_firing{alertname="AscsyncApiKeyUnauthorized",severity="critical"})") ==
        0.0);

  // The secret never reaches the log.
  CHECK(read_text(d.log_path).find("s3cr3t-value") == std::string::npos);

  auto listed = d.ascsync({"alerts", "--json"});
  REQUIRE_MESSAGE(listed.exit_code == 0, listed.err);
  const auto j = nlohmann::json::parse(listed.out);
  REQUIRE(j["firing"].size() == 1);
  CHECK(j["firing"][0]["dedup_key"] == "ascsync/acme/AscsyncCertificateExpiring/certificate/" + cert_id);
  CHECK(j["notifications"][0]["delivered"] == true);
  auto text = d.ascsync({"alerts"});
  CHECK(text.out.find("AscsyncCertificateExpiring") != std::string::npos);

  auto test = d.ascsync({"alerts", "test", "--channel", "hook"});
  CHECK_MESSAGE(test.exit_code == 0, test.err);
  REQUIRE(hook.wait_for(2));
  CHECK(hook.got()[1].json()["event"] == "test");
  auto unknown = d.ascsync({"alerts", "test", "--channel", "nope"});
  CHECK(unknown.exit_code == 1);
  CHECK(unknown.err.find("no alert channel named 'nope' (configured: hook)") != std::string::npos);

  // Restart: the same condition, no second notification.
  d.daemon->signal(SIGTERM);
  REQUIRE(d.daemon->wait(std::chrono::seconds(20)) == 0);
  d.start();
  REQUIRE_MESSAGE(d.wait_for_cycle(0), d.log());
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  CHECK(hook.count() == 2);
}
