#include "app/daemon_alerts.hpp"

#include <spdlog/spdlog.h>

#include <exception>

#include "config/desired_state.hpp"
#include "util/strings.hpp"

namespace app {

namespace {

bool starts_with(const std::string& s, const char* prefix) {
  return s.rfind(prefix, 0) == 0;
}

// The first diagnostic of a desired-state load error ("file:line:col: error: ..."), else its first line.
std::string first_diagnostic(const std::string& message) {
  const auto lines = util::split(message, '\n');
  for (const auto& l : lines)
    if (l.find(": error:") != std::string::npos) return util::trim(l);
  return lines.empty() ? message : util::trim(lines.front());
}

}  // namespace

alerts::CycleFacts cycle_facts(const service::CycleResult& r) {
  alerts::CycleFacts c;
  c.outcome = r.outcome;
  c.error = r.error;
  // CycleResult.error is util::Error::describe(): "<kind>: <message> [HTTP <status> ...]".
  if (r.outcome == util::CycleOutcome::failed && starts_with(r.error, "auth:")) {
    if (r.error.find("[HTTP 403") != std::string::npos)
      c.forbidden = true;
    else
      c.unauthorized = true;
  }
  // A cycle paused at the budget's reserve is the exhausted budget, seen before any 429.
  c.rate_limited = r.outcome == util::CycleOutcome::paused ||
                   (r.outcome == util::CycleOutcome::failed && starts_with(r.error, "rate_limited:"));
  c.rate_remaining = r.rate_limit_remaining;
  c.rate_limit = r.rate_limit_limit;
  return c;
}

DaemonAlerts::DaemonAlerts(const config::DaemonConfig& cfg, const std::shared_ptr<util::Clock>& clock,
                           service::Registry& registry, alerts::DeliveryOptions options)
    : m_clock(clock),
      m_service(cfg.database, cfg.alerts, clock, std::move(options)),
      m_firing(registry.gauge("ascsync_alerts_firing", "Alerts firing now, by alert name and severity.",
                              {"alertname", "severity"})),
      m_notifications(
          registry.counter("ascsync_alert_notifications_total",
                           "Alert notification delivery attempts, by channel and outcome (sent, failed).",
                           {"channel", "outcome"})) {
  for (const auto& ch : cfg.alerts.channels)
    for (const char* outcome : {"sent", "failed"}) m_notifications.inc({ch.name, outcome}, 0);
  m_service.set_delivery_observer([this](const std::string& channel, const std::string& outcome) {
    m_notifications.inc({channel, outcome});
    update_gauges();
  });
  set_teams(cfg);
  update_gauges();
  m_service.start();
}

DaemonAlerts::~DaemonAlerts() {
  m_service.stop();
}

void DaemonAlerts::set_teams(const config::DaemonConfig& cfg) {
  std::vector<std::pair<std::string, std::chrono::seconds>> teams;
  for (const auto& t : cfg.teams)
    if (t.enabled) teams.emplace_back(t.name, t.interval);
  m_service.set_teams(teams);
}

void DaemonAlerts::after_cycle(const std::string& team, const service::CycleResult& result,
                               const std::shared_ptr<const config::DaemonConfig>& config) {
  try {
    alerts::TeamFacts facts;
    facts.team = team;
    facts.now = m_clock->now();
    facts.cycle = cycle_facts(result);
    std::chrono::seconds interval{15 * 60};
    if (const config::TeamConfig* tc = config ? config->find_team(team) : nullptr) {
      interval = tc->interval;
      // Why: the runtime keeps the last good desired state running, so an invalid edit is
      // otherwise only a log line; on-call learns of it from this alert.
      auto desired = config::load_desired_state(tc->desired_state);
      facts.desired_state_error = desired ? std::string() : first_diagnostic(desired.error().message);
    }
    auto changes = m_service.after_cycle(std::move(facts), result.ok(), interval);
    if (!changes) spdlog::error("team {}: alerts: {}", team, changes.error().describe());
    update_gauges();
  } catch (const std::exception& e) {
    spdlog::error("team {}: alerts: internal error: {}", team, e.what());
  }
}

nlohmann::json DaemonAlerts::status() {
  return m_service.status();
}

void DaemonAlerts::update_gauges() {
  std::lock_guard lock(m_gauge_mutex);  // workers and cycles call this concurrently
  const auto counts = m_service.firing_counts();
  m_firing.clear();
  for (const auto& entry : alerts::catalog())
    for (const char* sev : {"info", "warning", "critical"}) {
      auto it = counts.find({entry.name, sev});
      if (it != counts.end()) m_firing.set({entry.name, sev}, static_cast<double>(it->second));
    }
  // Why: an explicit 0 for the usual severity keeps `ascsync_alerts_firing > 0` rules simple.
  for (const auto& entry : alerts::catalog())
    if (!m_firing.has({entry.name, alerts::to_string(entry.severity)}))
      m_firing.set({entry.name, alerts::to_string(entry.severity)}, 0);
}

}  // namespace app
