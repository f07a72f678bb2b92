#include "alerts/evaluate.hpp"

#include <algorithm>

#include "util/time.hpp"

namespace alerts {

namespace {

using std::chrono::duration_cast;
using std::chrono::seconds;

Alert make(std::string name, std::string team, std::string object, Severity severity) {
  Alert a;
  a.name = std::move(name);
  a.team = std::move(team);
  a.object = std::move(object);
  a.severity = severity;
  return a;
}

std::string days_text(seconds remaining) {
  const long long hours = remaining.count() / 3600;
  if (hours < 48) return std::to_string(std::max<long long>(hours, 0)) + " hours";
  return std::to_string(hours / 24) + " days";
}

std::string cert_label(const core::Certificate& c) {
  std::string name = !c.display_name.empty() ? c.display_name : (!c.name.empty() ? c.name : c.id);
  return "'" + name + "' (" + c.certificate_type + ", serial " + c.serial_number + ")";
}

// How many certificates of each type are in use: on-call needs the slot picture.
std::string slot_text(const std::vector<core::Certificate>& all, const std::string& type) {
  int n = 0;
  for (const auto& c : all)
    if (c.certificate_type == type) ++n;
  return std::to_string(n) + " " + type + " certificate(s) in use (Apple allows 2-3 per type)";
}

void certificate_alerts(const TeamFacts& f, const Rules& rules, Evaluation& out) {
  for (const auto& c : *f.certificates) {
    if (f.replaced_certificate_ids.contains(c.id)) continue;
    auto exp = util::parse_rfc3339(c.expiration_date);
    if (!exp) continue;
    const auto remaining = duration_cast<seconds>(*exp - f.now);
    Alert a;
    a.team = f.team;
    a.object = "certificate/" + c.id;
    a.details = {{"certificate_id", c.id},
                 {"certificate_type", c.certificate_type},
                 {"serial_number", c.serial_number},
                 {"expiration_date", c.expiration_date},
                 {"slots", slot_text(*f.certificates, c.certificate_type)}};
    if (remaining.count() <= 0) {
      a.name = k_certificate_expired;
      a.severity = Severity::critical;
      a.summary = "Certificate " + cert_label(c) + " of team " + f.team + " expired on " + c.expiration_date;
      a.description =
          "The certificate expired on " + c.expiration_date +
          "; builds signed with it can no longer be distributed and profiles using it are invalid. " +
          slot_text(*f.certificates, c.certificate_type) +
          ". Create a replacement now (ascsync renews certificates it owns; for a foreign one, create it "
          "in App Store Connect > Certificates) and regenerate the profiles that used it.";
      out.firing.push_back(std::move(a));
      continue;
    }
    auto tier = tier_for(remaining, rules.expiry_days);
    if (!tier) continue;
    a.name = k_certificate_expiring;
    a.tier = *tier;
    a.severity = *tier <= rules.critical_days ? Severity::critical : Severity::warning;
    a.details["tier_days"] = *tier;
    a.summary = "Certificate " + cert_label(c) + " of team " + f.team + " expires in " +
                days_text(remaining) + " (" + c.expiration_date + ")";
    a.description =
        "The certificate is inside the " + std::to_string(*tier) + "-day expiry window and expires on " +
        c.expiration_date + ". " + slot_text(*f.certificates, c.certificate_type) + ". Renew it before " +
        c.expiration_date +
        ": check that ascsync's renewal has a free slot (ascsync alerts; AscsyncCertificateRenewalBlocked "
        "names what to revoke), or for a foreign certificate create the replacement in App Store Connect.";
    out.firing.push_back(std::move(a));
  }
}

void profile_alerts(const TeamFacts& f, const Rules& rules, Evaluation& out) {
  for (const auto& p : *f.profiles) {
    const std::string label = "'" + (p.name.empty() ? p.id : p.name) + "' (" + p.profile_type + ")";
    if (p.profile_state == "INVALID") {
      Alert a;
      a.name = k_profile_invalid;
      a.team = f.team;
      a.object = "profile/" + p.id;
      a.severity = Severity::warning;
      a.details = {{"profile_id", p.id}, {"profile_type", p.profile_type}, {"uuid", p.uuid}};
      a.summary = "Provisioning profile " + label + " of team " + f.team + " is INVALID";
      a.description =
          "Apple marks a profile invalid when a certificate or device it includes was revoked or "
          "expired; builds cannot be signed with it. Regenerate the profile in App Store Connect (or let "
          "ascsync regenerate it after renewal) and update the CI that downloads it.";
      out.firing.push_back(std::move(a));
    }
    auto exp = util::parse_rfc3339(p.expiration_date);
    if (!exp) continue;
    const auto remaining = duration_cast<seconds>(*exp - f.now);
    std::optional<int> tier =
        remaining.count() <= 0 ? std::optional<int>(0) : tier_for(remaining, rules.expiry_days);
    if (!tier) continue;
    Alert a;
    a.name = k_profile_expiring;
    a.team = f.team;
    a.object = "profile/" + p.id;
    a.tier = *tier;
    a.severity = *tier <= rules.critical_days ? Severity::critical : Severity::warning;
    a.details = {{"profile_id", p.id}, {"expiration_date", p.expiration_date}, {"tier_days", *tier}};
    a.summary = "Provisioning profile " + label + " of team " + f.team +
                (remaining.count() <= 0 ? " expired on " : " expires on ") + p.expiration_date;
    a.description =
        "Builds signed with this profile stop installing when it expires. Regenerate the profile in App "
        "Store Connect before " +
        p.expiration_date + " and update the CI that downloads it.";
    out.firing.push_back(std::move(a));
  }
}

void cycle_alerts(const TeamFacts& f, const CycleFacts& c, Evaluation& out) {
  if (c.outcome == util::CycleOutcome::cancelled) return;
  const bool key_known = c.outcome != util::CycleOutcome::failed || c.unauthorized || c.forbidden;
  if (key_known) {
    out.covered.insert(k_api_key_unauthorized);
    out.covered.insert(k_api_key_forbidden);
  }
  out.covered.insert(k_rate_budget_exhausted);
  if (c.unauthorized) {
    Alert a = make(k_api_key_unauthorized, f.team, "api_key", Severity::critical);
    a.details = {{"error", c.error}};
    a.summary = "App Store Connect rejected team " + f.team + "'s API key (401)";
    a.description =
        "Apple answered 401 NOT_AUTHORIZED: the key was revoked, the issuer or key id is wrong, or the "
        ".p8 file does not belong to the key. No cycle can run for this team. Last error: " +
        c.error +
        ". Check the key in App Store Connect > Users and Access > Integrations and, if it was revoked, "
        "create a new team key and replace private_key_file, key_id and issuer_id, then reload (SIGHUP).";
    out.firing.push_back(std::move(a));
  }
  if (c.forbidden) {
    Alert a = make(k_api_key_forbidden, f.team, "api_key", Severity::critical);
    a.details = {{"error", c.error}};
    a.summary = "Team " + f.team + "'s API key lacks a role or access it needs (403)";
    a.description =
        "Apple answered 403 FORBIDDEN: the key's role cannot read or change a kind the desired state "
        "manages (TestFlight needs App Manager; users and invitations need Admin; certificates need Admin "
        "or Access to Certificates). Last error: " +
        c.error +
        ". Give the key the missing role in App Store Connect > Users and Access > Integrations, or stop "
        "managing that kind in the desired state.";
    out.firing.push_back(std::move(a));
  }
  if (c.rate_limited || (c.rate_remaining && *c.rate_remaining <= 0)) {
    Alert a = make(k_rate_budget_exhausted, f.team, "rate_budget", Severity::warning);
    a.details = {{"error", c.error}};
    if (c.rate_remaining) a.details["remaining"] = *c.rate_remaining;
    if (c.rate_limit) a.details["limit"] = *c.rate_limit;
    a.summary = "Team " + f.team + " exhausted its App Store Connect rate budget";
    a.description =
        "Apple's hourly request budget for this key is used up (down to ascsync's reserve, a 429, or 0 "
        "remaining), so cycles are "
        "deferred until the rolling hour frees requests. Find who else uses the key (other tools, "
        "scripts) and give ascsync its own key, or lengthen the team's interval.";
    out.firing.push_back(std::move(a));
  }
}

}  // namespace

std::optional<int> tier_for(std::chrono::seconds remaining, const std::vector<int>& days) {
  std::optional<int> best;
  for (int d : days)
    if (remaining <= std::chrono::seconds(static_cast<long long>(d) * 86400) && (!best || d < *best))
      best = d;
  return best;
}

Evaluation evaluate(const TeamFacts& f, const Rules& rules) {
  Evaluation out;
  if (f.certificates) {
    out.covered.insert(k_certificate_expiring);
    out.covered.insert(k_certificate_expired);
    certificate_alerts(f, rules, out);
  }
  if (f.profiles) {
    out.covered.insert(k_profile_invalid);
    out.covered.insert(k_profile_expiring);
    profile_alerts(f, rules, out);
  }
  if (f.cycle) cycle_alerts(f, *f.cycle, out);
  if (f.desired_state_error) {
    out.covered.insert(k_desired_state_invalid);
    if (!f.desired_state_error->empty()) {
      Alert a = make(k_desired_state_invalid, f.team, "desired_state", Severity::warning);
      a.details = {{"error", *f.desired_state_error}};
      a.summary = "Team " + f.team + "'s desired state is invalid: " + *f.desired_state_error;
      a.description =
          "The YAML on disk does not load; ascsync keeps applying the last good desired state, so "
          "the edit is not in effect. Fix the file at the position shown (ascsync validate prints every "
          "problem), then run ascsync trigger.";
      out.firing.push_back(std::move(a));
    }
  }
  if (f.oldest_pending_journal) {
    out.covered.insert(k_journal_stuck);
    const auto& oldest = *f.oldest_pending_journal;
    if (oldest && f.now - *oldest >= rules.journal_stuck_after) {
      Alert a = make(k_journal_stuck, f.team, "journal", Severity::critical);
      a.details = {{"pending", f.pending_journal_entries}, {"oldest", util::format_rfc3339(*oldest)}};
      a.summary = "Team " + f.team + " has " + std::to_string(f.pending_journal_entries) +
                  " journal entries pending since " + util::format_rfc3339(*oldest);
      a.description =
          "Writes to App Store Connect were journaled but never settled; recovery reads them back at "
          "the start of each cycle, so entries this old mean cycles are not completing. Run ascsync "
          "status --team " +
          f.team +
          " to see the entries and the last error, fix that cause, then run "
          "ascsync trigger.";
      out.firing.push_back(std::move(a));
    }
  }
  if (f.last_success || f.first_seen) {
    out.covered.insert(k_team_stale);
    const util::TimePoint since = f.last_success ? *f.last_success : *f.first_seen;
    const auto limit = f.interval * rules.team_stale_intervals;
    if (f.now - since > limit) {
      Alert a = make(k_team_stale, f.team, "team", Severity::critical);
      a.details = {{"since", util::format_rfc3339(since)},
                   {"interval_seconds", f.interval.count()},
                   {"intervals", rules.team_stale_intervals}};
      if (f.cycle && !f.cycle->error.empty()) a.details["last_error"] = f.cycle->error;
      a.summary = "Team " + f.team + " has had no successful cycle since " + util::format_rfc3339(since);
      a.description =
          "No cycle succeeded for " + std::to_string(rules.team_stale_intervals) +
          " intervals, so the mirror, drift detection and expiry warnings for this team are stale. Read "
          "the last error with ascsync status --team " +
          f.team +
          " (or journalctl -u ascsync) and fix its cause; other alerts for this team name the usual ones.";
      out.firing.push_back(std::move(a));
    }
  }
  return out;
}

Alert renewal_blocked(const std::string& team, const std::string& certificate_name, const std::string& type,
                      int limit, const std::vector<std::string>& slots, const std::string& revoke_hint) {
  Alert a = make(k_certificate_renewal_blocked, team, "certificate/" + certificate_name, Severity::critical);
  a.details = {{"certificate", certificate_name}, {"type", type}, {"limit", limit}, {"slots", slots}};
  std::string table;
  for (const auto& s : slots) table += (table.empty() ? "" : "; ") + s;
  a.summary = "Renewal of certificate '" + certificate_name + "' (" + type + ") in team " + team +
              " is blocked: no free slot";
  a.description = "All " + std::to_string(limit) + " " + type + " slots are taken: " + table +
                  ". ascsync never revokes a certificate it does not own. " + revoke_hint;
  return a;
}

Alert certificate_renewed(const std::string& team, const std::string& certificate_name,
                          const std::string& serial, const std::string& expires,
                          const std::string& p12_path) {
  Alert a = make(k_certificate_renewed, team, "certificate/" + certificate_name, Severity::info);
  a.one_shot = true;
  a.details = {{"certificate", certificate_name},
               {"serial_number", serial},
               {"expiration_date", expires},
               {"p12", p12_path}};
  a.summary = "Certificate '" + certificate_name + "' of team " + team + " was renewed: serial " + serial +
              ", expires " + expires;
  a.description =
      "The new certificate and its key are exported to " + p12_path +
      "; the replaced certificate is revoked after the overlap. Update CI secrets that hold a copy of "
      "the old p12 from " +
      p12_path + ".";
  return a;
}

}  // namespace alerts
