#pragma once
// Every metric ascsync exports, registered in one place (documented in docs/operations.md).
#include <chrono>
#include <string>

#include "service/cycle_result.hpp"
#include "service/metrics.hpp"

namespace service {

class ServiceMetrics {
 private:
  // Declared first: the family references below are initialised from it.
  Registry m_registry;

 public:
  ServiceMetrics();

  Registry& registry() { return m_registry; }
  std::string render() const { return m_registry.render(); }

  // Folds one finished cycle into the metrics.
  void record_cycle(const std::string& team, const CycleResult& result, std::chrono::duration<double> elapsed,
                    util::TimePoint finished);
  // Records a configuration load (at start-up, or a reload when `is_reload`).
  void record_config_load(bool valid, bool is_reload);
  // Forgets every series of a team that left the configuration.
  void forget_team(const std::string& team);
  // A team's configuration problem (TeamSchedule::error) after a (re)load.
  void record_team_config(const std::string& team, bool valid);

  HistogramFamily& cycle_duration_seconds;
  CounterFamily& cycles_total;
  CounterFamily& cycle_deadline_exceeded_total;
  GaugeFamily& last_success_timestamp_seconds;
  CounterFamily& api_requests_total;
  GaugeFamily& rate_limit_remaining;
  GaugeFamily& rate_limit_limit;
  CounterFamily& drift_events_total;
  GaugeFamily& pending_journal_entries;
  GaugeFamily& objects;
  GaugeFamily& certificate_expiry_timestamp_seconds;
  GaugeFamily& certificate_slots_used;
  GaugeFamily& certificate_slots_limit;
  GaugeFamily& certificate_seconds_to_expiry;
  GaugeFamily& profile_seconds_to_expiry;
  GaugeFamily& config_valid;
  CounterFamily& config_reloads_total;
  GaugeFamily& plan_changes;
  GaugeFamily& up;
  GaugeFamily& build_info;
  GaugeFamily& team_config_valid;                      // 0 while a team's key file or desired state is broken
  GaugeFamily& budget_paused_until_timestamp_seconds;  // 0 unless the last cycle paused for budget
};

}  // namespace service
