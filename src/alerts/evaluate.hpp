#pragma once
// Pure evaluation: what one team's facts (mirror, last cycle, journal, health) say should be
// firing now. No I/O, the clock is a value: conditions in, desired alert set out. The engine
// (engine.hpp) compares the result with the stored state and decides what to send.
#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "alerts/alert.hpp"
#include "core/model.hpp"
#include "util/clock.hpp"
#include "util/cycle_outcome.hpp"

namespace alerts {

struct Rules {
  std::vector<int> expiry_days{30, 14, 7, 3, 1};  // descending
  int critical_days = 3;                          // a tier at or below this is critical
  int team_stale_intervals = 3;
  std::chrono::seconds journal_stuck_after{3600};
};

// How the team's last cycle ended, as the alert rules need it.
struct CycleFacts {
  // As the daemon reported it: converged, blocked, failed, cancelled or paused (budget at its reserve).
  util::CycleOutcome outcome = util::CycleOutcome::converged;
  std::string error;          // one line (util::Error::describe()), empty on success
  bool unauthorized = false;  // Apple answered 401 (or the key could not be used)
  bool forbidden = false;     // Apple answered 403
  bool rate_limited = false;  // 429, or the budget read 0 remaining
  std::optional<long long> rate_remaining;
  std::optional<long long> rate_limit;
};

struct TeamFacts {
  std::string team;
  util::TimePoint now;
  // The mirrored certificates and profiles; nullopt when the team has no snapshot yet.
  std::optional<std::vector<core::Certificate>> certificates;
  std::optional<std::vector<core::Profile>> profiles;
  // Certificates ascsync has replaced with a renewal (their declared name moved on to the
  // successor; an owned one is revoked as revoke_replaced says): no expiry alert, nothing for a
  // person to do.
  std::set<std::string> replaced_certificate_ids;
  std::optional<CycleFacts> cycle;  // nullopt: no cycle ended now (a periodic check)
  // Set when the desired state was checked: empty = valid, else the first diagnostic (file:line:col ...).
  std::optional<std::string> desired_state_error;
  // Set when the journal was read: created_at of the oldest pending entry (nullopt inside = none).
  std::optional<std::optional<util::TimePoint>> oldest_pending_journal;
  long long pending_journal_entries = 0;
  // Health: the last successful cycle, when the team was first seen, its interval.
  std::optional<util::TimePoint> last_success;
  std::optional<util::TimePoint> first_seen;
  std::chrono::seconds interval{15 * 60};
};

struct Evaluation {
  std::vector<Alert> firing;
  // Alert names these facts decide; firing alerts of other names keep their state (e.g. a
  // failed refresh says nothing about whether a 401 is cured).
  std::set<std::string> covered;
};

Evaluation evaluate(const TeamFacts& facts, const Rules& rules);

// The tier `remaining` falls in: the smallest configured day count >= remaining, or nullopt.
std::optional<int> tier_for(std::chrono::seconds remaining, const std::vector<int>& days);

// Event alerts the certificate renewal step raises through AlertEngine::raise (not evaluated
// from the mirror). `slots`: one line per certificate occupying a slot of that type.
Alert renewal_blocked(const std::string& team, const std::string& certificate_name, const std::string& type,
                      int limit, const std::vector<std::string>& slots, const std::string& revoke_hint);
Alert certificate_renewed(const std::string& team, const std::string& certificate_name,
                          const std::string& serial, const std::string& expires, const std::string& p12_path);

}  // namespace alerts
