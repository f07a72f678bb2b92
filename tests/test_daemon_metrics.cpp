// The metrics registry and its Prometheus text exposition, checked by promtool itself.
#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <stdexcept>
#include <string>

#include "service/metrics.hpp"
#include "service/service_metrics.hpp"
#include "support/shell.hpp"
#include "util/time.hpp"

using service::Registry;

namespace {

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

using test_support::run_command;
using test_support::ShellResult;

std::string temp_file(const std::string& content) {
  char path[] = "/tmp/ascsync-metrics-XXXXXX";
  const int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  std::ofstream(path) << content;
  close(fd);
  return path;
}

}  // namespace

TEST_CASE("metrics: sample values render as Prometheus expects") {
  struct Row {
    double value;
    const char* text;
  };
  const Row rows[] = {{0, "0"},
                      {1, "1"},
                      {42, "42"},
                      {0.25, "0.25"},
                      {1e-9, "1e-09"},
                      {1.8e9, "1800000000"},
                      {-3.5, "-3.5"},
                      {std::numeric_limits<double>::infinity(), "+Inf"},
                      {-std::numeric_limits<double>::infinity(), "-Inf"},
                      {std::nan(""), "NaN"}};
  for (const auto& row : rows) {
    CAPTURE(row.text);
    CHECK(service::format_sample(row.value) == row.text);
  }
}

TEST_CASE("metrics: label values and help text are escaped") {
  CHECK(service::escape_label_value("a\"b\\c\nd") == "a\\\"b\\\\c\\nd");
  CHECK(service::escape_help("line\\one\ntwo \"q\"") == "line\\\\one\\ntwo \"q\"");
  Registry r;
  r.gauge("x_info_value", "Help with\nnewline.", {"name"}).set({"say \"hi\"\n"}, 1);
  const std::string text = r.render();
  CHECK(contains(text, "# HELP x_info_value Help with\\nnewline.\n"));
  CHECK(contains(text, "x_info_value{name=\"say \\\"hi\\\"\\n\"} 1\n"));
}

TEST_CASE("metrics: counters, gauges and histograms render HELP, TYPE and series") {
  Registry r;
  auto& c = r.counter("t_requests_total", "Requests.", {"route", "status"});
  auto& g = r.gauge("t_temperature_celsius", "Temperature.");
  auto& h = r.histogram("t_duration_seconds", "Duration.", {"team"}, {0.5, 1, 5});
  auto& empty = r.gauge("t_unused", "Never set.", {"x"});
  (void)empty;

  c.inc({"GET /v1/users", "200"});
  c.inc({"GET /v1/users", "200"}, 2);
  c.inc({"GET /v1/users", "200"}, -5);  // ignored: counters never go down
  g.set({}, 21.5);
  for (double v : {0.1, 0.5, 0.7, 3.0, 100.0}) h.observe({"acme"}, v);

  CHECK(c.value({"GET /v1/users", "200"}) == 3);
  CHECK(h.count({"acme"}) == 5);
  const std::string text = r.render();
  CHECK(contains(text,
                 "# HELP t_requests_total Requests.\n# TYPE t_requests_total counter\n"
                 "t_requests_total{route=\"GET /v1/users\",status=\"200\"} 3\n"));
  CHECK(contains(text, "# TYPE t_temperature_celsius gauge\nt_temperature_celsius 21.5\n"));
  CHECK(contains(text,
                 "# TYPE t_duration_seconds histogram\n"
                 "t_duration_seconds_bucket{team=\"acme\",le=\"0.5\"} 2\n"
                 "t_duration_seconds_bucket{team=\"acme\",le=\"1\"} 3\n"
                 "t_duration_seconds_bucket{team=\"acme\",le=\"5\"} 4\n"
                 "t_duration_seconds_bucket{team=\"acme\",le=\"+Inf\"} 5\n"
                 "t_duration_seconds_sum{team=\"acme\"} 104.3\n"
                 "t_duration_seconds_count{team=\"acme\"} 5\n"));
  CHECK_FALSE(contains(text, "t_unused"));  // no series, no family
}

TEST_CASE("metrics: registration rejects names that break the conventions") {
  Registry r;
  CHECK_THROWS_AS(r.counter("requests", "no _total"), std::invalid_argument);
  CHECK_THROWS_AS(r.gauge("items_total", "gauge named like a counter"), std::invalid_argument);
  CHECK_THROWS_AS(r.gauge("9lives", "bad start"), std::invalid_argument);
  CHECK_THROWS_AS(r.gauge("a-b", "bad char"), std::invalid_argument);
  CHECK_THROWS_AS(r.gauge("ok_name", "reserved label", {"__x"}), std::invalid_argument);
  CHECK_THROWS_AS(r.histogram("h_seconds", "le reserved", {"le"}, {1}), std::invalid_argument);
  CHECK_THROWS_AS(r.histogram("h2_seconds", "unsorted", {}, {2, 1}), std::invalid_argument);
  r.gauge("dup", "first");
  CHECK_THROWS_AS(r.gauge("dup", "second"), std::invalid_argument);
  auto& g = r.gauge("two_labels", "arity", {"a", "b"});
  CHECK_THROWS_AS(g.set({"only-one"}, 1), std::invalid_argument);
}

TEST_CASE("metrics: series of one label value can be dropped everywhere") {
  Registry r;
  auto& g = r.gauge("objs", "Objects.", {"team", "kind"});
  auto& c = r.counter("cycles_total", "Cycles.", {"team"});
  g.set({"a", "user"}, 1);
  g.set({"b", "user"}, 2);
  c.inc({"a"});
  r.remove_where("team", "a");
  CHECK_FALSE(g.has({"a", "user"}));
  CHECK(g.has({"b", "user"}));
  CHECK_FALSE(contains(r.render(), "team=\"a\""));
}

TEST_CASE("metrics: record_cycle folds a cycle into the ascsync metrics") {
  service::ServiceMetrics m;
  service::CycleResult r;
  r.outcome = util::CycleOutcome::converged;
  r.objects = {{"user", 12}, {"beta_tester", 340}};
  r.plan_changes = {{"create", 2}, {"delete", 1}};
  r.drift_events = {{"beta_tester", 3}};
  r.api_requests = {{"GET /v1/users", 200, 4}, {"POST /v1/betaTesters", 429, 1}};
  r.rate_limit_remaining = 3500;
  r.rate_limit_limit = 3600;
  r.pending_journal_entries = 0;
  r.certificates =
      std::vector<service::CertificateExpiry>{{"CERT1", "DISTRIBUTION", util::from_unix(1'900'000'000)}};
  m.record_cycle("acme", r, std::chrono::milliseconds(1500), util::from_unix(1'800'000'000));

  CHECK(m.cycles_total.value({"acme", "success"}) == 1);
  CHECK(m.last_success_timestamp_seconds.value({"acme"}) == 1'800'000'000);
  CHECK(m.objects.value({"acme", "beta_tester"}) == 340);
  CHECK(m.api_requests_total.value({"acme", "POST /v1/betaTesters", "429"}) == 1);
  CHECK(m.certificate_expiry_timestamp_seconds.value({"acme", "CERT1", "DISTRIBUTION"}) == 1'900'000'000);
  CHECK(m.cycle_duration_seconds.count({"acme"}) == 1);

  // A failed cycle knows nothing new: earlier gauges stay, the failure is counted.
  service::CycleResult failed;
  failed.outcome = util::CycleOutcome::failed;
  m.record_cycle("acme", failed, std::chrono::milliseconds(10), util::from_unix(1'800'000'100));
  CHECK(m.cycles_total.value({"acme", "failed"}) == 1);
  CHECK(m.last_success_timestamp_seconds.value({"acme"}) == 1'800'000'000);
  CHECK(m.objects.value({"acme", "user"}) == 12);
  CHECK(m.plan_changes.value({"acme", "create"}) == 2);

  // The next plan replaces the previous one; a certificate gone from Apple stops being reported.
  r.plan_changes = {{"update", 1}};
  r.certificates = std::vector<service::CertificateExpiry>{};
  m.record_cycle("acme", r, std::chrono::milliseconds(10), util::from_unix(1'800'000'200));
  CHECK_FALSE(m.plan_changes.has({"acme", "create"}));
  CHECK(m.plan_changes.value({"acme", "update"}) == 1);
  CHECK_FALSE(m.certificate_expiry_timestamp_seconds.has({"acme", "CERT1", "DISTRIBUTION"}));

  m.forget_team("acme");
  CHECK_FALSE(contains(m.render(), "acme"));
}

TEST_CASE("metrics: promtool check metrics accepts the exposition with every metric populated") {
  service::ServiceMetrics m;
  for (const std::string team : {"acme", "we\"ird\\team"}) {
    service::CycleResult r;
    r.outcome = util::CycleOutcome::converged;
    r.objects = {
        {"user", 12}, {"invitation", 1}, {"beta_group", 3}, {"beta_tester", 340}, {"certificate", 2}};
    r.plan_changes = {{"create", 2}, {"update", 0}, {"delete", 1}};
    r.drift_events = {{"user", 1}, {"beta_tester", 3}};
    r.api_requests = {
        {"GET /v1/users", 200, 4}, {"POST /v1/betaTesters", 429, 1}, {"GET /v1/certificates", 0, 1}};
    r.rate_limit_remaining = 3500;
    r.rate_limit_limit = 3600;
    r.pending_journal_entries = 1;
    r.certificates = std::vector<service::CertificateExpiry>{
        {"CERT1", "DISTRIBUTION", util::from_unix(1'900'000'000)},
        {"CERT2", "IOS_DISTRIBUTION", util::from_unix(1'910'000'000)}};
    m.record_cycle(team, r, std::chrono::milliseconds(2300), util::from_unix(1'800'000'000));
    service::CycleResult failed;
    failed.outcome = util::CycleOutcome::failed;
    m.record_cycle(team, failed, std::chrono::milliseconds(400), util::from_unix(1'800'000'100));
  }
  m.record_config_load(true, false);
  m.record_config_load(false, true);
  const std::string text = m.render();

  // Every planned metric is present.
  for (const char* name :
       {"ascsync_cycle_duration_seconds_bucket", "ascsync_cycles_total",
        "ascsync_last_success_timestamp_seconds", "ascsync_api_requests_total",
        "ascsync_rate_limit_remaining", "ascsync_rate_limit_limit", "ascsync_drift_events_total",
        "ascsync_pending_journal_entries", "ascsync_objects", "ascsync_certificate_expiry_timestamp_seconds",
        "ascsync_config_valid", "ascsync_config_reloads_total", "ascsync_plan_changes", "ascsync_up",
        "ascsync_build_info"}) {
    CAPTURE(name);
    CHECK(contains(text, std::string("\n") + name));
  }

  if (run_command("command -v promtool").exit_code != 0) {
    FAIL("promtool not found: install Debian package 'prometheus' (scripts/install-deps.sh --test)");
  }
  const std::string path = temp_file(text);
  const auto result = run_command("promtool check metrics < " + path);
  std::remove(path.c_str());
  INFO("exposition:\n" << text << "\npromtool said:\n" << result.output);
  CHECK(result.exit_code == 0);
  CHECK(result.output.empty());
}

TEST_CASE("metrics: promtool really complains about a broken exposition") {
  if (run_command("command -v promtool").exit_code != 0) {
    FAIL("promtool not found: install Debian package 'prometheus' (scripts/install-deps.sh --test)");
  }
  // A counter without _total and a unit that is not a base unit: what the registry prevents.
  const std::string path = temp_file(
      "# HELP requests Requests.\n# TYPE requests counter\nrequests 1\n"
      "# HELP latency_milliseconds Latency.\n# TYPE latency_milliseconds gauge\nlatency_milliseconds 3\n");
  const auto result = run_command("promtool check metrics < " + path);
  std::remove(path.c_str());
  CHECK(result.exit_code != 0);
  CHECK(contains(result.output, "_total"));
}
