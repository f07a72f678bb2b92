#include "signing/converge.hpp"

#include <spdlog/spdlog.h>

#include <set>

#include "store/audit.hpp"
#include "store/signing.hpp"

namespace signing {

namespace {

// One audit row per certificate or profile action, like the executor's for the other kinds.
void audit_signing(Context& ctx, const std::string& kind, const std::string& key, const std::string& action,
                   const std::string& outcome, const std::string& error, nlohmann::json after = nullptr) {
  store::AuditTrail trail(*ctx.db);
  store::AuditRecord r;
  r.plan_id = ctx.plan_id;
  r.at = ctx.clock->now();
  r.change_kind = kind;
  r.change_key = key;
  r.action = action;
  r.after = std::move(after);
  r.outcome = outcome;
  r.error = error;
  if (auto st = trail.record_audit(ctx.team, r); !st)
    spdlog::error("team {}: audit not recorded: {}", ctx.team, st.error().describe());
}

}  // namespace

ConvergeReport converge(Context& ctx, const core::DesiredState& desired, const Assessment& assessment) {
  (void)desired;
  ConvergeReport report;
  std::set<std::string> failed_names;
  const auto note = [&](std::string line) {
    spdlog::info("team {}: {}", ctx.team, line);
    report.messages.push_back(std::move(line));
  };
  // (1)-(4) Certificates.
  for (const auto& a : assessment.certificates) {
    if (a.due == Due::none) continue;
    const auto& d = *a.declared;
    if (a.blocked) {
      ++report.blocked;
      failed_names.insert(d.name);
      note("certificate \"" + d.name + "\" blocked: " + *a.blocked);
      audit_signing(ctx, "certificate", renewal_key(d.name), "renew", "blocked", *a.blocked);
      continue;
    }
    auto r = renew_certificate(ctx, d, a);
    if (!r) {
      failed_names.insert(d.name);
      if (r.error().kind == util::ErrorKind::auth) {
        // The key's role may not do it: retrying cannot help until a person changes the role.
        ++report.blocked;
        note("certificate \"" + d.name + "\" blocked: " + r.error().message);
        audit_signing(ctx, "certificate", renewal_key(d.name), "renew", "blocked", r.error().message);
      } else {
        ++report.failed;
        note("certificate \"" + d.name + "\" failed: " + r.error().describe());
        audit_signing(ctx, "certificate", renewal_key(d.name), "renew", "failed", r.error().describe());
      }
      continue;
    }
    if (r->unknown) {
      ++report.unknown;
      failed_names.insert(d.name);
      note("certificate \"" + d.name + "\" unknown: " + r->unknown->message);
      audit_signing(ctx, "certificate", renewal_key(d.name), "renew", "unknown", r->unknown->message);
      continue;
    }
    ++report.renewed;
    audit_signing(ctx, "certificate", renewal_key(d.name), "renew", "applied", "",
                  {{"certificate_id", r->renewed->certificate.id},
                   {"serial", r->renewed->certificate.serial_number},
                   {"expires", r->renewed->certificate.expiration_date},
                   {"fingerprint", r->renewed->fingerprint},
                   {"read_back", r->renewed->read_back}});
    note("certificate \"" + d.name + "\" renewed: " + r->renewed->certificate.id + " (serial " +
         r->renewed->certificate.serial_number + ", expires " + r->renewed->certificate.expiration_date +
         ")");
  }
  // (5) Profiles that follow.
  for (const auto& p : assessment.profiles) {
    if (p.action == ProfileAction::none) continue;
    const auto& d = *p.declared;
    if (p.action == ProfileAction::blocked) {
      ++report.blocked;
      note("profile \"" + d.name + "\" blocked: " + p.reason);
      continue;
    }
    bool waits = false;
    for (const auto& n : d.certificates) waits = waits || failed_names.count(n) > 0;
    if (waits) {
      ++report.blocked;
      note("profile \"" + d.name + "\" not regenerated: its certificate was not renewed");
      continue;
    }
    auto ids = profile_certificate_ids(ctx, p, assessment.certificates);
    if (!ids) {
      ++report.failed;
      note("profile \"" + d.name + "\" failed: " + ids.error().describe());
      continue;
    }
    auto r = regenerate_profile(ctx, p, *ids);
    if (!r) {
      ++report.failed;
      note("profile \"" + d.name + "\" failed: " + r.error().describe());
      continue;
    }
    if (r->unknown) {
      ++report.unknown;
      note("profile \"" + d.name + "\" unknown: " + r->unknown->message);
      continue;
    }
    ++report.profiles;
    audit_signing(ctx, "profile", profile_key(d.name), to_string(p.action), "applied", "",
                  {{"profile_id", r->profile->id}, {"certificate_ids", *ids}});
    note("profile \"" + d.name + "\" " + (p.action == ProfileAction::create ? "created" : "regenerated") +
         ": " + r->profile->id);
  }
  // (6) Revocations whose time has come (and "immediately" ones of this run's renewals).
  std::vector<std::pair<store::SigningRecord, std::string>> revoke;
  for (const auto& r : assessment.revocations) revoke.emplace_back(r.record, r.reason);
  if (report.failed == 0 && report.unknown == 0) {
    // Renewals with revoke_replaced: immediately: their predecessors are "replaced" now.
    for (const auto& a : assessment.certificates) {
      if (!a.revoke_current_after || failed_names.count(a.declared->name)) continue;
      store::SigningRecords records(*ctx.db);
      auto rows = records.list(ctx.team);
      if (!rows) continue;
      for (const auto& row : *rows)
        if (row.owned() && row.certificate_id == a.current->id && row.state == "replaced")
          revoke.emplace_back(row, "revoke_replaced: immediately");
    }
  }
  for (const auto& [record, why] : revoke) {
    if (auto st = revoke_certificate(ctx, record, why); !st) {
      ++report.failed;
      note("certificate \"" + record.name + "\" " + record.certificate_id +
           " not revoked: " + st.error().describe());
      continue;
    }
    ++report.revoked;
    audit_signing(ctx, "certificate", revocation_key(record.name, record.certificate_id), "revoke", "applied",
                  why);
    note("certificate \"" + record.name + "\" " + record.certificate_id + " revoked (" + why + ")");
  }
  return report;
}

}  // namespace signing
