#include "service/service_metrics.hpp"

#include "util/time.hpp"

namespace service {

namespace {

// A cycle lists every collection of a team: well under a second against an idle simulator,
// minutes for a large team whose rate budget is tight.
const std::vector<double> k_cycle_buckets = {0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800};

double to_double(long long v) {
  return static_cast<double>(v);
}

}  // namespace

ServiceMetrics::ServiceMetrics()
    : cycle_duration_seconds(m_registry.histogram(
          "ascsync_cycle_duration_seconds", "Wall time of one reconcile cycle (refresh, plan, guard, apply).",
          {"team"}, k_cycle_buckets)),
      cycles_total(m_registry.counter(
          "ascsync_cycles_total",
          "Reconcile cycles finished, by outcome (success, blocked, failed, cancelled, paused).",
          {"team", "outcome"})),
      cycle_deadline_exceeded_total(m_registry.counter(
          "ascsync_cycle_deadline_exceeded_total",
          "Reconcile cycles stopped because they ran past cycle_timeout (counted as failed too).", {"team"})),
      last_success_timestamp_seconds(
          m_registry.gauge("ascsync_last_success_timestamp_seconds",
                           "Unix time at which the last successful cycle of the team finished.", {"team"})),
      api_requests_total(
          m_registry.counter("ascsync_api_requests_total",
                             "App Store Connect API requests, by route template and HTTP status "
                             "(0 = no response).",
                             {"team", "route", "status"})),
      rate_limit_remaining(m_registry.gauge("ascsync_rate_limit_remaining",
                                            "Requests left in the API key's rolling hour, from X-Rate-Limit.",
                                            {"team"})),
      rate_limit_limit(m_registry.gauge("ascsync_rate_limit_limit",
                                        "Hourly request limit of the API key, from X-Rate-Limit.", {"team"})),
      drift_events_total(m_registry.counter(
          "ascsync_drift_events_total",
          "Changes made outside ascsync, detected by a refresh, by object kind.", {"team", "kind"})),
      pending_journal_entries(m_registry.gauge("ascsync_pending_journal_entries",
                                               "Journaled writes whose outcome is not yet confirmed.",
                                               {"team"})),
      objects(
          m_registry.gauge("ascsync_objects", "Objects in the team's mirror, by kind.", {"team", "kind"})),
      certificate_expiry_timestamp_seconds(m_registry.gauge("ascsync_certificate_expiry_timestamp_seconds",
                                                            "Unix time at which a certificate expires.",
                                                            {"team", "certificate_id", "type"})),
      certificate_slots_used(
          m_registry.gauge("ascsync_certificate_slots_used",
                           "Certificates of the type that hold a slot (not expired), whoever "
                           "owns them.",
                           {"team", "type"})),
      certificate_slots_limit(
          m_registry.gauge("ascsync_certificate_slots_limit",
                           "Certificate slots of the type: policy.certificate_slots, or the "
                           "lower limit Apple enforced.",
                           {"team", "type"})),
      certificate_seconds_to_expiry(m_registry.gauge(
          "ascsync_certificate_seconds_to_expiry",
          "Seconds from the end of the team's last cycle to the certificate's expiry; owner is owned, "
          "adopted or foreign, name the declared name it serves.",
          {"team", "certificate_id", "type", "owner", "name"})),
      profile_seconds_to_expiry(m_registry.gauge(
          "ascsync_profile_seconds_to_expiry",
          "Seconds from the end of the team's last cycle to the provisioning profile's expiry.",
          {"team", "profile_id", "name", "type"})),
      config_valid(
          m_registry.gauge("ascsync_config_valid",
                           "1 when the last configuration load succeeded, 0 when the daemon runs on the "
                           "last good configuration.")),
      config_reloads_total(m_registry.counter("ascsync_config_reloads_total",
                                              "Configuration reloads, by outcome (success, failure).",
                                              {"outcome"})),
      plan_changes(m_registry.gauge("ascsync_plan_changes", "Changes in the team's last plan, by action.",
                                    {"team", "action"})),
      up(m_registry.gauge("ascsync_up", "1 while the daemon runs.")),
      build_info(
          m_registry.gauge("ascsync_build_info", "Always 1; the labels describe the build.", {"version"})),
      team_config_valid(
          m_registry.gauge("ascsync_team_config_valid",
                           "1 when the team's key file and desired state loaded; 0 when the team "
                           "cannot run or runs on its last good desired state.",
                           {"team"})),
      budget_paused_until_timestamp_seconds(m_registry.gauge(
          "ascsync_budget_paused_until_timestamp_seconds",
          "Unix time until which the team's last cycle paused because the rate budget reached "
          "its reserve; 0 when it did not pause.",
          {"team"})) {
  up.set({}, 1);
  build_info.set({ASCSYNC_VERSION}, 1);
  // Known before the first reload so that the alert on reload failures has a baseline.
  config_reloads_total.inc({"success"}, 0);
  config_reloads_total.inc({"failure"}, 0);
}

void ServiceMetrics::record_cycle(const std::string& team, const CycleResult& result,
                                  std::chrono::duration<double> elapsed, util::TimePoint finished) {
  cycle_duration_seconds.observe({team}, elapsed.count());
  cycles_total.inc({team, util::metric_label(result.outcome)});
  // Present (0) from the first cycle on, so an alert can use increase() right away.
  cycle_deadline_exceeded_total.inc({team}, result.deadline_exceeded ? 1 : 0);
  if (result.ok()) last_success_timestamp_seconds.set({team}, to_double(util::to_unix(finished)));

  for (const auto& r : result.api_requests)
    api_requests_total.inc({team, r.route, std::to_string(r.status)}, to_double(r.count));
  if (result.rate_limit_remaining) rate_limit_remaining.set({team}, to_double(*result.rate_limit_remaining));
  if (result.rate_limit_limit) rate_limit_limit.set({team}, to_double(*result.rate_limit_limit));
  for (const auto& [kind, n] : result.drift_events) drift_events_total.inc({team, kind}, to_double(n));
  if (result.pending_journal_entries)
    pending_journal_entries.set({team}, to_double(*result.pending_journal_entries));
  for (const auto& [kind, n] : result.objects) objects.set({team, kind}, to_double(n));

  if (result.certificates) {
    // Replaced as a whole: a revoked or expired certificate must stop being reported.
    certificate_expiry_timestamp_seconds.remove_where("team", team);
    for (const auto& c : *result.certificates)
      certificate_expiry_timestamp_seconds.set({team, c.id, c.type}, to_double(util::to_unix(c.expires)));
  }
  if (result.certificate_slots) {
    certificate_slots_used.remove_where("team", team);
    certificate_slots_limit.remove_where("team", team);
    for (const auto& sl : *result.certificate_slots) {
      certificate_slots_used.set({team, sl.type}, to_double(sl.used));
      certificate_slots_limit.set({team, sl.type}, to_double(sl.limit));
    }
  }
  const auto seconds_left = [&](util::TimePoint t) {
    return to_double(util::to_unix(t)) - to_double(util::to_unix(finished));
  };
  if (result.certificate_owners) {
    certificate_seconds_to_expiry.remove_where("team", team);
    for (const auto& c : *result.certificate_owners)
      certificate_seconds_to_expiry.set({team, c.id, c.type, c.owner, c.name}, seconds_left(c.expires));
  }
  if (result.profiles) {
    profile_seconds_to_expiry.remove_where("team", team);
    for (const auto& p : *result.profiles)
      profile_seconds_to_expiry.set({team, p.id, p.name, p.type}, seconds_left(p.expires));
  }
  budget_paused_until_timestamp_seconds.set(
      {team}, result.outcome == util::CycleOutcome::paused && result.paused_until
                  ? to_double(util::to_unix(*result.paused_until))
                  : 0.0);
  if (result.ok() || result.outcome == util::CycleOutcome::blocked) {
    // The last plan as a whole: actions absent from it are 0, not their stale older value.
    plan_changes.remove_where("team", team);
    for (const auto& [action, n] : result.plan_changes) plan_changes.set({team, action}, to_double(n));
  }
}

void ServiceMetrics::record_config_load(bool valid, bool is_reload) {
  config_valid.set({}, valid ? 1 : 0);
  if (is_reload) config_reloads_total.inc({valid ? "success" : "failure"});
}

void ServiceMetrics::record_team_config(const std::string& team, bool valid) {
  team_config_valid.set({team}, valid ? 1 : 0);
}

void ServiceMetrics::forget_team(const std::string& team) {
  m_registry.remove_where("team", team);
}

}  // namespace service
