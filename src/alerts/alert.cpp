#include "alerts/alert.hpp"

namespace alerts {

const char* to_string(Severity s) {
  switch (s) {
    case Severity::info:
      return "info";
    case Severity::warning:
      return "warning";
    case Severity::critical:
      return "critical";
  }
  return "warning";
}

std::optional<Severity> parse_severity(std::string_view text) {
  if (text == "info") return Severity::info;
  if (text == "warning") return Severity::warning;
  if (text == "critical") return Severity::critical;
  return std::nullopt;
}

const std::vector<CatalogEntry>& catalog() {
  static const std::vector<CatalogEntry> entries = {
      {k_certificate_expiring, Severity::warning, false},
      {k_certificate_expired, Severity::critical, false},
      {k_certificate_renewal_blocked, Severity::critical, false},
      {k_certificate_renewed, Severity::info, true},
      {k_profile_invalid, Severity::warning, false},
      {k_profile_expiring, Severity::warning, false},
      {k_api_key_unauthorized, Severity::critical, false},
      {k_api_key_forbidden, Severity::critical, false},
      {k_team_stale, Severity::critical, false},
      {k_desired_state_invalid, Severity::warning, false},
      {k_rate_budget_exhausted, Severity::warning, false},
      {k_journal_stuck, Severity::critical, false},
  };
  return entries;
}

const CatalogEntry* find_catalog(std::string_view name) {
  for (const auto& e : catalog())
    if (name == e.name) return &e;
  return nullptr;
}

std::string Alert::dedup_key() const {
  return "ascsync/" + team + "/" + name + "/" + object;
}

nlohmann::json Alert::labels() const {
  return {{"alertname", name}, {"team", team}, {"severity", to_string(severity)}, {"object", object}};
}

nlohmann::json Alert::to_json() const {
  nlohmann::json j = {{"name", name},
                      {"team", team},
                      {"object", object},
                      {"severity", to_string(severity)},
                      {"summary", summary},
                      {"description", description},
                      {"details", details},
                      {"one_shot", one_shot},
                      {"dedup_key", dedup_key()}};
  j["tier"] = tier ? nlohmann::json(*tier) : nlohmann::json(nullptr);
  return j;
}

Alert Alert::from_json(const nlohmann::json& j) {
  Alert a;
  a.name = j.value("name", "");
  a.team = j.value("team", "");
  a.object = j.value("object", "");
  a.severity = parse_severity(j.value("severity", "warning")).value_or(Severity::warning);
  if (j.contains("tier") && j["tier"].is_number_integer()) a.tier = j["tier"].get<int>();
  a.summary = j.value("summary", "");
  a.description = j.value("description", "");
  if (j.contains("details")) a.details = j["details"];
  a.one_shot = j.value("one_shot", false);
  return a;
}

}  // namespace alerts
