// Alert evaluation (pure) and the engine's state machine over SQLite: fire once per tier,
// repeat, resolve, survive a restart, the renewal API.
#include <doctest/doctest.h>

#include "alerts/engine.hpp"
#include "alerts/evaluate.hpp"
#include "alerts/service.hpp"
#include "support/alerts_fixture.hpp"

using namespace test_support;
using Kind = config::AlertChannelConfig::Kind;
using std::chrono::hours;

namespace {

constexpr auto k_day = hours(24);

config::AlertsConfig two_channels() {
  config::AlertsConfig cfg;
  cfg.channels.push_back(channel("am", Kind::alertmanager, "http://127.0.0.1:1"));
  auto pager = channel("pager", Kind::pagerduty, "http://127.0.0.1:1", "/nonexistent");
  pager.min_severity = "critical";
  cfg.channels.push_back(pager);
  return cfg;
}

long long outbox_count(store::Database& db, const std::string& where = "1") {
  return std::stoll(*db.query_text("SELECT count(*) FROM alert_outbox WHERE " + where));
}

}  // namespace

TEST_CASE("evaluate: certificate tiers, expiry, labels and dedup key") {
  const auto now = at("2026-11-01T00:00:00Z");
  auto f = cert_facts("acme", now,
                      {certificate("C1", now + 20 * k_day), certificate("C2", now + 2 * k_day),
                       certificate("C3", now - hours(1)), certificate("C4", now + 90 * k_day)});
  auto ev = alerts::evaluate(f, alerts::Rules{});
  REQUIRE(ev.firing.size() == 3);
  CHECK(ev.covered.count(alerts::k_certificate_expiring));
  const auto& c1 = ev.firing[0];
  CHECK(c1.name == "AscsyncCertificateExpiring");
  CHECK(c1.tier == 30);
  CHECK(c1.severity == alerts::Severity::warning);
  CHECK(c1.labels() == nlohmann::json{{"alertname", "AscsyncCertificateExpiring"},
                                      {"team", "acme"},
                                      {"severity", "warning"},
                                      {"object", "certificate/C1"}});
  CHECK(c1.dedup_key() == "ascsync/acme/AscsyncCertificateExpiring/certificate/C1");
  CHECK(c1.summary.find('\n') == std::string::npos);
  CHECK(c1.description.find("Renew it before") != std::string::npos);
  CHECK(ev.firing[1].tier == 3);
  CHECK(ev.firing[1].severity == alerts::Severity::critical);
  CHECK(ev.firing[2].name == "AscsyncCertificateExpired");
  CHECK(alerts::tier_for(std::chrono::seconds(8 * 86400), {30, 14, 7, 3, 1}) == 14);
  CHECK(alerts::tier_for(std::chrono::seconds(7 * 86400), {30, 14, 7, 3, 1}) == 7);
  CHECK_FALSE(alerts::tier_for(std::chrono::seconds(31 * 86400), {30, 14, 7, 3, 1}).has_value());
}

TEST_CASE("evaluate: a certificate ascsync replaced with a renewal raises no expiry alert") {
  const auto now = at("2026-11-01T00:00:00Z");
  auto f =
      cert_facts("acme", now, {certificate("OLD", now + 20 * k_day), certificate("F1", now + 20 * k_day)});
  f.replaced_certificate_ids = {"OLD"};
  auto ev = alerts::evaluate(f, alerts::Rules{});
  REQUIRE(ev.firing.size() == 1);
  CHECK(ev.firing[0].object == "certificate/F1");           // a foreign one still needs a person
  CHECK(ev.covered.count(alerts::k_certificate_expiring));  // so the replaced one's alert resolves
}

TEST_CASE("evaluate: key, rate budget, desired state, journal, staleness, profiles") {
  const auto now = at("2026-11-01T00:00:00Z");
  alerts::TeamFacts f;
  f.team = "acme";
  f.now = now;
  alerts::CycleFacts c;
  c.outcome = util::CycleOutcome::failed;
  c.error = "auth: Apple rejected the key [HTTP 401 NOT_AUTHORIZED]";
  c.unauthorized = true;
  f.cycle = c;
  f.desired_state_error = "team.yaml:3:5: error: unknown key 'emial'";
  f.oldest_pending_journal = std::optional<util::TimePoint>(now - hours(2));
  f.pending_journal_entries = 2;
  f.first_seen = now - hours(2);
  f.interval = std::chrono::minutes(15);
  core::Profile p;
  p.id = "P1";
  p.name = "Acme AppStore";
  p.profile_type = "IOS_APP_STORE";
  p.profile_state = "INVALID";
  p.expiration_date = util::format_rfc3339(now + 5 * k_day);
  f.profiles = std::vector<core::Profile>{p};
  auto ev = alerts::evaluate(f, alerts::Rules{});
  std::set<std::string> names;
  for (const auto& a : ev.firing) {
    names.insert(a.name);
    // Every description ends with the next step: a full sentence.
    CHECK(a.description.back() == '.');
  }
  CHECK(names == std::set<std::string>{"AscsyncApiKeyUnauthorized", "AscsyncDesiredStateInvalid",
                                       "AscsyncJournalStuck", "AscsyncTeamStale", "AscsyncProfileInvalid",
                                       "AscsyncProfileExpiring"});
  // A network failure says nothing about the key: the key alerts keep their state.
  c = alerts::CycleFacts{};
  c.outcome = util::CycleOutcome::failed;
  c.error = "network: connection refused";
  f.cycle = c;
  CHECK_FALSE(alerts::evaluate(f, alerts::Rules{}).covered.count(alerts::k_api_key_unauthorized));
  c.forbidden = true;
  f.cycle = c;
  CHECK(alerts::evaluate(f, alerts::Rules{}).covered.count(alerts::k_api_key_unauthorized));
}

TEST_CASE("engine: fires once per tier, repeats, resolves, and a restart neither re-pages nor forgets") {
  TempDir dir;
  const std::string path = dir.str("ascsync.db");
  util::ManualClock clock(at("2026-11-01T00:00:00Z"));
  const auto expires = clock.now() + 20 * k_day;
  auto evaluate_now = [&](store::Database& db) {
    alerts::AlertEngine engine(db, two_channels(), clock);
    auto changes =
        engine.apply("acme", alerts::evaluate(cert_facts("acme", clock.now(), {certificate("C1", expires)}),
                                              alerts::rules_from(engine.config())));
    REQUIRE(changes.ok());
    return *changes;
  };
  {
    auto db = store::Database::open(path);
    REQUIRE(db.ok());
    auto first = evaluate_now(*db);
    CHECK(first.fired == 1);
    CHECK(first.notifications == 1);  // warning: Alertmanager only, not the critical-only pager
    clock.advance(hours(1));
    CHECK(evaluate_now(*db).notifications == 0);  // same tier: nothing new
  }
  {
    // Restart: a new connection and engine over the same file.
    auto db = store::Database::open(path);
    REQUIRE(db.ok());
    CHECK(evaluate_now(*db).notifications == 0);
    clock.advance(7 * k_day);  // 12 days left: the 14-day tier
    auto deeper = evaluate_now(*db);
    CHECK(deeper.escalated == 1);
    CHECK(deeper.notifications == 1);
    clock.advance(hours(23));
    CHECK(evaluate_now(*db).notifications == 0);
    clock.advance(hours(2));  // repeat (24h) is due; Alertmanager repeats on its own
    auto repeat = evaluate_now(*db);
    CHECK(repeat.repeated == 1);
    CHECK(repeat.notifications == 0);
    clock.set(expires - 2 * k_day);  // 3-day tier: critical, so the pager joins
    auto critical = evaluate_now(*db);
    CHECK(critical.escalated == 1);
    CHECK(critical.notifications == 3);  // AM: end the warning-labelled alert + fire critical; pager: trigger
    CHECK(outbox_count(*db, "channel = 'pager' AND event = 'firing'") == 1);
    CHECK(outbox_count(*db, "channel = 'am' AND event = 'resolved'") == 1);

    // Renewed (or moved out of the window): the certificate is gone from the mirror.
    alerts::AlertEngine engine(*db, two_channels(), clock);
    auto resolved =
        engine.apply("acme", alerts::evaluate(cert_facts("acme", clock.now(), {}), alerts::Rules{}));
    REQUIRE(resolved.ok());
    CHECK(resolved->resolved == 1);
    CHECK(outbox_count(*db, "channel = 'pager' AND event = 'resolved'") == 1);
    auto firing = alerts::load_instances(*db, true);
    REQUIRE(firing.ok());
    CHECK(firing->empty());
  }
}

TEST_CASE("engine: a tier crossed twice pages once") {
  TempDir dir;
  auto db = store::Database::open(dir.str("ascsync.db"));
  REQUIRE(db.ok());
  util::ManualClock clock(at("2026-11-01T00:00:00Z"));
  auto cfg = two_channels();
  cfg.channels[1].min_severity = "info";  // the pager sees every notification
  alerts::AlertEngine engine(*db, cfg, clock);
  auto at_days = [&](double days) {
    const auto expires = clock.now() + std::chrono::duration_cast<std::chrono::seconds>(days * k_day);
    auto c = engine.apply(
        "acme",
        alerts::evaluate(cert_facts("acme", clock.now(), {certificate("C1", expires)}), alerts::Rules{}));
    REQUIRE(c.ok());
    return *c;
  };
  CHECK(at_days(6.5).fired == 1);          // 7-day tier
  CHECK(at_days(8).notifications == 0);    // the expiry moved back out of the tier (clock skew, a re-read)
  CHECK(at_days(6.5).notifications == 0);  // ... and in again: no second page
  CHECK(outbox_count(*db, "channel = 'pager'") == 1);
  auto inst = alerts::load_instance(*db, "ascsync/acme/AscsyncCertificateExpiring/certificate/C1");
  REQUIRE(inst.ok());
  REQUIRE(inst->has_value());
  CHECK((*inst)->alert.tier == 7);
}

TEST_CASE("engine: the renewal API raises and resolves, Renewed is one notification") {
  TempDir dir;
  auto db = store::Database::open(dir.str("ascsync.db"));
  REQUIRE(db.ok());
  util::ManualClock clock(at("2026-11-01T00:00:00Z"));
  auto cfg = two_channels();
  alerts::AlertEngine engine(*db, cfg, clock);
  auto blocked = alerts::renewal_blocked(
      "acme", "dist", "DISTRIBUTION", 2,
      {"C1 'Acme Distribution' expires 2026-11-20 (owned)", "C9 'Old CI' expires 2027-03-01 (foreign)"},
      "Revoke C9 in App Store Connect if CI no longer uses it, then run ascsync "
      "trigger.");
  CHECK(blocked.description.find("C9 'Old CI'") != std::string::npos);
  auto r1 = engine.raise(blocked);
  REQUIRE(r1.ok());
  CHECK(r1->fired == 1);
  CHECK(r1->notifications == 2);  // critical: both channels
  auto r2 = engine.raise(blocked);
  REQUIRE(r2.ok());
  CHECK(r2->notifications == 0);
  auto done = engine.resolve("acme", alerts::k_certificate_renewal_blocked, "certificate/dist");
  REQUIRE(done.ok());
  CHECK(done->resolved == 1);
  CHECK(done->notifications == 2);

  auto renewed = alerts::certificate_renewed("acme", "dist", "7A3F", "2027-11-01T00:00:00Z",
                                             "/var/lib/ascsync/p12/dist.p12");
  CHECK(renewed.severity == alerts::Severity::info);
  auto r3 = engine.raise(renewed);
  REQUIRE(r3.ok());
  CHECK(r3->notifications == 1);  // info: Alertmanager only (the pager wants critical)
  auto firing = alerts::load_instances(*db, true);
  REQUIRE(firing.ok());
  CHECK(firing->empty());  // one-shot: never left firing
  // An evaluation does not resolve what it does not cover.
  auto kept = engine.raise(blocked);
  REQUIRE(kept.ok());
  REQUIRE(engine.apply("acme", alerts::evaluate(cert_facts("acme", clock.now(), {}), alerts::Rules{})).ok());
  CHECK(alerts::load_instances(*db, true)->size() == 1);
}

TEST_CASE("delivery backoff grows, is capped and jittered") {
  alerts::DeliveryOptions o;
  CHECK(alerts::backoff_delay(1, o, 0.0) == std::chrono::seconds(5));
  CHECK(alerts::backoff_delay(2, o, 0.0) == std::chrono::seconds(10));
  CHECK(alerts::backoff_delay(50, o, 0.0) == std::chrono::minutes(10));
  CHECK(alerts::backoff_delay(50, o, 1.0) == std::chrono::minutes(5));
}

TEST_CASE("catalogue: every alert of the issue, each documented in docs/alerts.md") {
  const auto doc = read_text(std::string(ASCSYNC_TEST_SOURCE_DIR) + "/docs/alerts.md");
  CHECK(alerts::catalog().size() == 12);
  for (const auto& e : alerts::catalog()) {
    const std::string name = e.name;
    CAPTURE(name);
    CHECK(doc.find(std::string("### ") + e.name) != std::string::npos);
  }
}

TEST_CASE("AscsyncTeamStale: a configured team whose cycles never succeed goes stale, and recovers") {
  TempDir dir;
  auto clock = std::make_shared<util::ManualClock>(at("2026-11-01T00:00:00Z"));
  alerts::AlertService svc(dir.str("a.db"), config::AlertsConfig{}, clock);
  svc.set_teams({{"acme", std::chrono::minutes(15)}});
  REQUIRE(svc.check_stale().ok());
  CHECK(svc.status().empty());
  clock->advance(std::chrono::minutes(46));  // > 3 intervals, no cycle ever ended
  REQUIRE(svc.check_stale().ok());
  const auto firing = svc.status();
  REQUIRE(firing.size() == 1);
  CHECK(firing[0]["name"] == "AscsyncTeamStale");
  CHECK(firing[0]["labels"]["severity"] == "critical");
  alerts::TeamFacts facts;
  facts.team = "acme";
  facts.now = clock->now();
  auto ok = svc.after_cycle(facts, true, std::chrono::minutes(15));
  REQUIRE(ok.ok());
  CHECK(ok->resolved == 1);
  CHECK(svc.status().empty());
}
