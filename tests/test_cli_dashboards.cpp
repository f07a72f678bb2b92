// What ops load into Prometheus and Grafana (config/prometheus, config/grafana) names only
// metrics that /metrics exports (the daemon's and the alerts hook's); promtool's own checks and rule unit
// tests run as the `prometheus` CTest entry (tests/prometheus/).
#include <doctest/doctest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

#include "app/daemon_alerts.hpp"
#include "service/service_metrics.hpp"
#include "support/temp_dir.hpp"
#include "util/time.hpp"

namespace {

std::string read_source(const std::string& relative) {
  std::ifstream in(std::string(ASCSYNC_TEST_SOURCE_DIR) + "/" + relative);
  REQUIRE_MESSAGE(in.good(), relative);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The metric families of an exposition in which every metric has at least one series.
std::set<std::string> exported_families() {
  service::ServiceMetrics m;
  service::CycleResult r;
  r.outcome = util::CycleOutcome::converged;
  r.objects = {{"user", 1}};
  r.plan_changes = {{"create", 1}};
  r.drift_events = {{"user", 1}};
  r.api_requests = {{"GET /v1/users", 200, 1}};
  r.rate_limit_remaining = 3500;
  r.rate_limit_limit = 3600;
  r.pending_journal_entries = 0;
  r.certificates =
      std::vector<service::CertificateExpiry>{{"CERT1", "IOS_DISTRIBUTION", util::from_unix(1'900'000'000)}};
  r.certificate_slots = std::vector<service::CertificateSlots>{{"IOS_DISTRIBUTION", 1, 3}};
  r.certificate_owners = std::vector<service::CertificateOwner>{
      {"CERT1", "owned", "app-store", "IOS_DISTRIBUTION", util::from_unix(1'900'000'000)}};
  r.profiles = std::vector<service::ProfileExpiry>{
      {"PROF1", "Shop App Store", "IOS_APP_STORE", util::from_unix(1'900'000'000)}};
  m.record_cycle("acme", r, std::chrono::milliseconds(100), util::from_unix(1'800'000'000));
  service::CycleResult late;
  late.outcome = util::CycleOutcome::failed;
  late.deadline_exceeded = true;
  m.record_cycle("acme", late, std::chrono::milliseconds(100), util::from_unix(1'800'000'100));
  m.record_config_load(true, true);
  // The alert metrics, registered by the daemon's alerts hook into the same registry.
  test_support::TempDir dir("ascsync-dashboards");
  config::DaemonConfig cfg;
  cfg.database = dir.str("ascsync.db");
  config::AlertChannelConfig channel;
  channel.name = "hook";
  channel.url = "http://127.0.0.1:1";
  cfg.alerts.channels.push_back(channel);
  app::DaemonAlerts alerts(cfg, util::system_clock(), m.registry());
  std::set<std::string> out;
  std::istringstream lines(m.render());
  for (std::string line; std::getline(lines, line);)
    if (line.rfind("# TYPE ", 0) == 0) out.insert(line.substr(7, line.find(' ', 7) - 7));
  return out;
}

// Metric names a PromQL text uses; histogram series map to their family.
std::set<std::string> metrics_in(const std::string& promql) {
  std::set<std::string> out;
  static const std::regex k_name(R"(ascsync_[a-z_]+)");
  for (auto it = std::sregex_iterator(promql.begin(), promql.end(), k_name); it != std::sregex_iterator();
       ++it) {
    std::string name = it->str();
    for (const char* suffix : {"_bucket", "_sum", "_count"})
      if (name.ends_with(suffix) && name != "ascsync_objects")
        name = name.substr(0, name.size() - std::string(suffix).size());
    out.insert(name);
  }
  return out;
}

}  // namespace

TEST_CASE("dashboards: the Grafana dashboard is valid JSON whose every query names an exported metric") {
  const auto families = exported_families();
  const auto dashboard =
      nlohmann::json::parse(read_source("config/grafana/ascsync-dashboard.json"), nullptr, false);
  REQUIRE_FALSE(dashboard.is_discarded());
  REQUIRE(dashboard.at("panels").is_array());
  std::set<int> ids;
  size_t queries = 0;
  for (const auto& panel : dashboard["panels"]) {
    CAPTURE(panel.value("title", std::string()));
    CHECK(ids.insert(panel.at("id").get<int>()).second);  // panel ids are unique
    for (const auto& target : panel.at("targets")) {
      const std::string expr = target.at("expr").get<std::string>();
      ++queries;
      const auto names = metrics_in(expr);
      CHECK_MESSAGE(!names.empty(), expr);
      for (const auto& name : names) CHECK_MESSAGE(families.contains(name), name << " in " << expr);
    }
  }
  CHECK(queries >= 10);
  for (const char* needed :
       {"ascsync_cycles_total", "ascsync_last_success_timestamp_seconds", "ascsync_api_requests_total",
        "ascsync_rate_limit_remaining", "ascsync_certificate_expiry_timestamp_seconds"})
    CHECK_MESSAGE(dashboard.dump().find(needed) != std::string::npos, needed);
}

TEST_CASE("dashboards: the Prometheus rules name only exported metrics") {
  const auto families = exported_families();
  const std::string rules = read_source("config/prometheus/ascsync.rules.yml");
  const auto names = metrics_in(rules);
  CHECK(names.size() >= 6);
  for (const auto& name : names) CHECK_MESSAGE(families.contains(name), name);
}
