#pragma once
// The alert catalogue (docs/alerts.md): names, severities and the shape every alert has —
// labels (team, alertname, severity, object), a one-line summary, a description whose last
// sentence is the next step, and a stable dedup key. Pure data; no I/O.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace alerts {

enum class Severity { info = 0, warning = 1, critical = 2 };
const char* to_string(Severity s);
std::optional<Severity> parse_severity(std::string_view text);

// Alert names are part of the interface: never rename one.
inline constexpr const char* k_certificate_expiring = "AscsyncCertificateExpiring";
inline constexpr const char* k_certificate_expired = "AscsyncCertificateExpired";
inline constexpr const char* k_certificate_renewal_blocked = "AscsyncCertificateRenewalBlocked";
inline constexpr const char* k_certificate_renewed = "AscsyncCertificateRenewed";
inline constexpr const char* k_profile_invalid = "AscsyncProfileInvalid";
inline constexpr const char* k_profile_expiring = "AscsyncProfileExpiring";
inline constexpr const char* k_api_key_unauthorized = "AscsyncApiKeyUnauthorized";
inline constexpr const char* k_api_key_forbidden = "AscsyncApiKeyForbidden";
inline constexpr const char* k_team_stale = "AscsyncTeamStale";
inline constexpr const char* k_desired_state_invalid = "AscsyncDesiredStateInvalid";
inline constexpr const char* k_rate_budget_exhausted = "AscsyncRateBudgetExhausted";
inline constexpr const char* k_journal_stuck = "AscsyncJournalStuck";

struct CatalogEntry {
  const char* name;
  Severity severity;  // the usual one; expiry alerts are warning above 3 days, critical at 3 and below
  bool one_shot;      // a notification, not a condition: fires once, never resolves (Renewed)
};
// Every alert, in docs/alerts.md order.
const std::vector<CatalogEntry>& catalog();
const CatalogEntry* find_catalog(std::string_view name);

struct Alert {
  std::string name;  // alertname
  std::string team;
  std::string object;  // what it is about: "certificate/ABC123", "team", "journal", ...
  Severity severity = Severity::warning;
  std::optional<int> tier;                            // expiry alerts: the day tier reached (30, 14, ...)
  std::string summary;                                // one line
  std::string description;                            // ends with the next step a person takes
  nlohmann::json details = nlohmann::json::object();  // extra facts (expiry date, serial, slots, ...)
  bool one_shot = false;

  // "ascsync/<team>/<alertname>/<object>": the same alert always has the same key, across
  // tiers, repeats and restarts (PagerDuty dedup_key, Alertmanager identity, webhook field).
  std::string dedup_key() const;
  // {alertname, team, severity, object}
  nlohmann::json labels() const;

  nlohmann::json to_json() const;
  static Alert from_json(const nlohmann::json& j);
};

}  // namespace alerts
