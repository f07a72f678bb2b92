// Against a real Alertmanager (Debian's prometheus-alertmanager, started here on loopback and
// routing to a local webhook receiver): a certificate inside an expiry tier, read from the mirror
// after a refresh from the simulator, fires AscsyncCertificateExpiring with the documented
// labels; after renewal (a new certificate, the old one revoked) the alert resolves.
#include <doctest/doctest.h>

#include "alerts/service.hpp"
#include "reconcile/refresh.hpp"
#include "support/alerts_fixture.hpp"
#include "support/reconcile_fixture.hpp"

using namespace test_support;
using Kind = config::AlertChannelConfig::Kind;

namespace {

// prometheus-alertmanager on a free loopback port with no clustering, routing everything to
// `webhook_url` with short group timers; killed by the destructor.
class Alertmanager {
 public:
  Alertmanager(const TempDir& dir, const std::string& webhook_url) {
    const std::string binary = require_tool("prometheus-alertmanager");
    m_port = free_loopback_port();
    const std::string cfg = dir.write("alertmanager.yml",
                                      "route:\n"
                                      "  receiver: hook\n"
                                      "  group_by: ['alertname', 'team', 'object']\n"
                                      "  group_wait: 100ms\n"
                                      "  group_interval: 1s\n"
                                      "  repeat_interval: 1h\n"
                                      "receivers:\n"
                                      "  - name: hook\n"
                                      "    webhook_configs:\n"
                                      "      - url: " +
                                          webhook_url +
                                          "\n"
                                          "        send_resolved: true\n");
    m_process = std::make_unique<ChildProcess>(
        binary,
        std::vector<std::string>{"--config.file=" + cfg, "--storage.path=" + dir.str("am-data"),
                                 "--web.listen-address=127.0.0.1:" + std::to_string(m_port),
                                 "--cluster.listen-address=", "--log.level=warn"},
        std::vector<std::string>{"PATH=/usr/bin:/bin"}, dir.str("alertmanager.log"), false);
    const bool ready = poll_until(
        [&] {
          httplib::Client c("127.0.0.1", m_port);
          c.set_connection_timeout(0, 200000);
          auto r = c.Get("/-/ready");
          return r && r->status == 200;
        },
        std::chrono::seconds(15), std::chrono::milliseconds(100));
    if (!ready)
      throw std::runtime_error("alertmanager did not become ready:\n" +
                               read_text(dir.str("alertmanager.log")));
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(m_port); }
  // GET /api/v2/alerts (active, unsilenced): the alerts Alertmanager holds.
  nlohmann::json alerts() const {
    httplib::Client c("127.0.0.1", m_port);
    auto r = c.Get("/api/v2/alerts?active=true&silenced=false&inhibited=false");
    if (!r || r->status != 200) return nlohmann::json::array();
    return nlohmann::json::parse(r->body, nullptr, false);
  }

 private:
  int m_port = 0;
  std::unique_ptr<ChildProcess> m_process;
};

// The webhook notifications (Alertmanager's webhook format) received so far, flattened to
// (status, alert) pairs.
std::vector<std::pair<std::string, nlohmann::json>> am_notifications(const Receiver& r) {
  std::vector<std::pair<std::string, nlohmann::json>> out;
  for (const auto& got : r.got()) {
    const auto j = got.json();
    if (!j.is_object() || !j.contains("alerts")) continue;
    for (const auto& a : j["alerts"]) out.emplace_back(a.value("status", ""), a);
  }
  return out;
}

}  // namespace

TEST_CASE(
    "a real Alertmanager gets AscsyncCertificateExpiring from the mirror, then its resolve after renewal") {
  TempDir dir;
  Receiver receiver;
  Alertmanager am(dir, receiver.url() + "/am");

  ReconcileFixture world;
  const std::string old_id =
      world.sim().add_certificate("DISTRIBUTION", "Apple Distribution: Acme", std::chrono::hours(24 * 10));
  util::SystemClock clock;
  auto refreshed = reconcile::refresh("acme", *world.api, *world.db, clock);
  REQUIRE(refreshed.ok());

  config::AlertsConfig cfg;
  cfg.channels.push_back(channel("am", Kind::alertmanager, am.url()));
  alerts::AlertService svc(world.db_path, cfg, util::system_clock(), fast_delivery());
  svc.start();
  alerts::TeamFacts facts;
  facts.team = "acme";
  facts.now = clock.now();
  auto fired = svc.after_cycle(facts, true, std::chrono::minutes(15));
  REQUIRE(fired.ok());
  CHECK(fired->fired == 1);

  const nlohmann::json labels = {{"alertname", "AscsyncCertificateExpiring"},
                                 {"team", "acme"},
                                 {"severity", "warning"},
                                 {"object", "certificate/" + old_id}};
  REQUIRE(poll_until(
      [&] {
        for (const auto& a : am.alerts())
          if (a["labels"] == labels) return true;
        return false;
      },
      std::chrono::seconds(10)));
  for (const auto& a : am.alerts())
    if (a["labels"] == labels) {
      CHECK(a["annotations"]["summary"].get<std::string>().find("expires in") != std::string::npos);
      CHECK(a["annotations"]["tier_days"] == "14");
      CHECK(a["annotations"]["description"].get<std::string>().find("Renew it before") != std::string::npos);
    }
  REQUIRE(poll_until([&] { return !am_notifications(receiver).empty(); }, std::chrono::seconds(10)));
  CHECK(am_notifications(receiver).front().first == "firing");
  CHECK(am_notifications(receiver).front().second["labels"] == labels);

  // Renewal: a new certificate exists and the old one is revoked; the next refresh sees it.
  world.sim().add_certificate("DISTRIBUTION", "Apple Distribution: Acme", std::chrono::hours(24 * 365));
  REQUIRE(world.api->delete_certificate(old_id).ok());
  REQUIRE(reconcile::refresh("acme", *world.api, *world.db, clock).ok());
  facts.now = clock.now();
  auto resolved = svc.after_cycle(facts, true, std::chrono::minutes(15));
  REQUIRE(resolved.ok());
  CHECK(resolved->resolved == 1);
  CHECK(resolved->fired == 0);
  REQUIRE(poll_until(
      [&] {
        for (const auto& [status, a] : am_notifications(receiver))
          if (status == "resolved" && a["labels"] == labels) return true;
        return false;
      },
      std::chrono::seconds(15)));
  CHECK(poll_until([&] { return am.alerts().empty(); }, std::chrono::seconds(5)));
  svc.stop();
}
