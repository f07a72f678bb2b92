// Delivery to local receivers that check the documented formats: PagerDuty Events API v2,
// Slack incoming webhooks, the signed generic webhook, e-mail through msmtp into an aiosmtpd
// sink. Plus the outbox promises: a receiver that is down gets the notification once it is
// back, and a restart does not re-send.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <atomic>

#include "alerts/channels.hpp"
#include "alerts/service.hpp"
#include "support/alerts_fixture.hpp"
#include "util/files.hpp"

using namespace test_support;
using Kind = config::AlertChannelConfig::Kind;
using std::chrono::hours;

namespace {

std::string secret_file(const TempDir& dir, const std::string& name, const std::string& value) {
  const auto p = dir.write(name, value + "\n");
  ::chmod(p.c_str(), 0600);
  return p;
}

// A critical certificate alert (2 days left) evaluated once through `svc`.
void fire_critical(alerts::AlertService& svc, util::TimePoint expires) {
  auto f = cert_facts("acme", util::system_clock()->now(), {certificate("C1", expires)});
  auto r = svc.after_cycle(f, true, std::chrono::minutes(15));
  REQUIRE(r.ok());
}

void clear_certificates(alerts::AlertService& svc) {
  auto r =
      svc.after_cycle(cert_facts("acme", util::system_clock()->now(), {}), true, std::chrono::minutes(15));
  REQUIRE(r.ok());
  CHECK(r->resolved == 1);
}

}  // namespace

TEST_CASE("PagerDuty Events API v2: trigger and resolve with one dedup key; routing key from a file") {
  TempDir dir;
  Receiver pd(0, 202, R"({"status":"success","message":"Event processed"})");
  config::AlertsConfig cfg;
  cfg.channels.push_back(
      channel("pager", Kind::pagerduty, pd.url(), secret_file(dir, "pd-key", "R0UTINGKEY123")));
  cfg.channels.back().min_severity = "critical";
  alerts::AlertService svc(dir.str("a.db"), cfg, util::system_clock(), fast_delivery());
  svc.start();
  const auto expires = util::system_clock()->now() + hours(48);
  fire_critical(svc, expires);
  REQUIRE(pd.wait_for(1));
  clear_certificates(svc);
  REQUIRE(pd.wait_for(2));
  svc.stop();
  const auto got = pd.got();
  REQUIRE(got.size() == 2);
  const auto trigger = got[0].json();
  CHECK(got[0].path == "/v2/enqueue");
  CHECK(trigger["routing_key"] == "R0UTINGKEY123");
  CHECK(trigger["event_action"] == "trigger");
  CHECK(trigger["dedup_key"] == "ascsync/acme/AscsyncCertificateExpiring/certificate/C1");
  CHECK(trigger["payload"]["severity"] == "critical");
  CHECK(trigger["payload"]["source"].is_string());
  CHECK(trigger["payload"]["summary"].get<std::string>().find("expires in") != std::string::npos);
  CHECK(trigger["payload"]["summary"].get<std::string>().size() <= 1024);
  CHECK(util::parse_rfc3339(trigger["payload"]["timestamp"].get<std::string>()).has_value());
  CHECK(trigger["payload"]["custom_details"]["description"].is_string());
  const auto resolve = got[1].json();
  CHECK(resolve["event_action"] == "resolve");
  CHECK(resolve["dedup_key"] == trigger["dedup_key"]);
  CHECK(resolve["routing_key"] == "R0UTINGKEY123");
}

TEST_CASE("webhook: JSON body with an HMAC-SHA256 signature that verifies; Slack: text and blocks") {
  TempDir dir;
  Receiver hook;
  Receiver slack;
  config::AlertsConfig cfg;
  cfg.channels.push_back(
      channel("hook", Kind::webhook, hook.url() + "/hook", secret_file(dir, "hook-secret", "s3cr3t")));
  cfg.channels.push_back(
      channel("chat", Kind::slack, "", secret_file(dir, "slack-url", slack.url() + "/services/T/B/X")));
  alerts::AlertService svc(dir.str("a.db"), cfg, util::system_clock(), fast_delivery());
  svc.start();
  fire_critical(svc, util::system_clock()->now() + hours(48));
  REQUIRE(hook.wait_for(1));
  REQUIRE(slack.wait_for(1));
  clear_certificates(svc);
  REQUIRE(hook.wait_for(2));
  REQUIRE(slack.wait_for(2));
  svc.stop();

  const auto h = hook.got();
  CHECK(h[0].path == "/hook");
  const std::string stamp = h[0].header("X-Ascsync-Timestamp");
  const std::string sig = h[0].header("X-Ascsync-Signature");
  CHECK(sig == "sha256=" + alerts::hmac_sha256_hex("s3cr3t", stamp + "." + h[0].body));
  CHECK(sig != "sha256=" + alerts::hmac_sha256_hex("wrong", stamp + "." + h[0].body));
  // RFC 4231 test case 2, so the signature is the standard HMAC-SHA256.
  CHECK(alerts::hmac_sha256_hex("Jefe", "what do ya want for nothing?") ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  const auto body = h[0].json();
  CHECK(body["status"] == "firing");
  CHECK(body["labels"]["alertname"] == "AscsyncCertificateExpiring");
  CHECK(body["labels"]["severity"] == "critical");
  CHECK(body["labels"]["team"] == "acme");
  CHECK(body["labels"]["object"] == "certificate/C1");
  CHECK(body["dedup_key"] == "ascsync/acme/AscsyncCertificateExpiring/certificate/C1");
  CHECK(h[1].json()["status"] == "resolved");

  const auto s = slack.got();
  CHECK(s[0].path == "/services/T/B/X");
  CHECK(s[0].json()["text"].get<std::string>().find("[FIRING] AscsyncCertificateExpiring") == 0);
  CHECK(s[0].json()["blocks"].is_array());
  CHECK(s[1].json()["text"].get<std::string>().find("[RESOLVED]") == 0);
}

TEST_CASE("a receiver that is down gets the notification once it is back; a restart does not re-send") {
  TempDir dir;
  const int port = free_loopback_port();
  config::AlertsConfig cfg;
  cfg.channels.push_back(channel("hook", Kind::webhook, "http://127.0.0.1:" + std::to_string(port) + "/h",
                                 secret_file(dir, "hook-secret", "k")));
  const auto expires = util::system_clock()->now() + hours(48);
  {
    alerts::AlertService svc(dir.str("a.db"), cfg, util::system_clock(), fast_delivery());
    std::atomic<long long> failed{0};
    svc.set_delivery_observer([&](const std::string&, const std::string& outcome) {
      if (outcome == "failed") ++failed;
    });
    svc.start();
    const auto t0 = std::chrono::steady_clock::now();
    fire_critical(svc, expires);  // the cycle does not wait for the dead channel
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(2));
    CHECK(poll_until([&] { return failed >= 2; }, std::chrono::seconds(10)));
    Receiver hook(port);
    REQUIRE(hook.wait_for(1));
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    CHECK(hook.count() == 1);
    svc.stop();
  }
  {
    // Restart: same database, same condition; nothing new to send.
    Receiver hook(port);
    alerts::AlertService svc(dir.str("a.db"), cfg, util::system_clock(), fast_delivery());
    svc.start();
    fire_critical(svc, expires);
    std::this_thread::sleep_for(std::chrono::milliseconds(600));
    CHECK(hook.count() == 0);
    svc.stop();
  }
}

TEST_CASE("e-mail through a sendmail-compatible program (msmtp) into an SMTP sink (aiosmtpd)") {
  const std::string msmtp = require_tool("msmtp");
  const std::string python = require_tool("python3");
  TempDir dir;
  const int port = free_loopback_port();
  const std::string mbox = dir.str("mail");
  // The sink: aiosmtpd's debugging handler prints every message it receives.
  ChildProcess sink(python,
                    {"-m", "aiosmtpd", "-n", "-d", "-l", "127.0.0.1:" + std::to_string(port), "-c",
                     "aiosmtpd.handlers.Debugging"},
                    {"PATH=/usr/bin:/bin", "PYTHONUNBUFFERED=1"}, mbox, false);
  REQUIRE(poll_until(
      [&] {
        httplib::Client probe("127.0.0.1", port);
        probe.set_connection_timeout(0, 100000);
        return static_cast<bool>(probe.Get("/")) || probe.Get("/").error() != httplib::Error::Connection;
      },
      std::chrono::seconds(10), std::chrono::milliseconds(100)));
  const std::string sendmail =
      dir.write("sendmail", "#!/bin/sh\nexec " + msmtp + " --host=127.0.0.1 --port=" + std::to_string(port) +
                                " --auth=off --tls=off \"$@\"\n");
  ::chmod(sendmail.c_str(), 0755);
  config::AlertsConfig cfg;
  auto mail = channel("mail", Kind::email);
  mail.to = {"oncall@acme.example"};
  mail.sendmail = sendmail;
  mail.from = "ascsync@acme.example";
  cfg.channels.push_back(mail);
  alerts::AlertService svc(dir.str("a.db"), cfg, util::system_clock(), fast_delivery());
  std::atomic<long long> sent{0};
  svc.set_delivery_observer([&](const std::string&, const std::string& outcome) {
    if (outcome == "sent") ++sent;
  });
  svc.start();
  fire_critical(svc, util::system_clock()->now() + hours(48));
  CHECK(poll_until([&] { return sent >= 1; }, std::chrono::seconds(15)));
  clear_certificates(svc);
  CHECK(poll_until([&] { return sent >= 2; }, std::chrono::seconds(15)));
  svc.stop();
  CHECK(poll_until(
      [&] {
        const auto text = read_text(mbox);
        return text.find("Subject: [RESOLVED] AscsyncCertificateExpiring") != std::string::npos;
      },
      std::chrono::seconds(5)));
  const auto text = read_text(mbox);
  CHECK(text.find("Subject: [FIRING] AscsyncCertificateExpiring acme") != std::string::npos);
  CHECK(text.find("oncall@acme.example") != std::string::npos);
  CHECK(text.find("X-Ascsync-Dedup-Key: ascsync/acme/AscsyncCertificateExpiring/certificate/C1") !=
        std::string::npos);
  sink.kill_now();
}
