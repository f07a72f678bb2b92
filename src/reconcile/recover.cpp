#include "reconcile/recover.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/plan_json.hpp"
#include "store/journal.hpp"
#include "store/managed.hpp"

namespace reconcile {

namespace {

bool has_email(const std::vector<std::string>& emails, const std::string& email) {
  return std::find(emails.begin(), emails.end(), core::email_key(email)) != emails.end();
}

// Whether the object the change was about exists in the fresh snapshot.
bool present(const core::Change& c, const core::Snapshot& s) {
  const auto& p = c.payload;
  const std::string email = p.value("email", std::string());
  std::vector<std::string> emails;
  switch (c.kind) {
    case core::ChangeKind::invitation:
      // An accepted invitation became a user: the write happened either way.
      for (const auto& i : s.invitations) emails.push_back(core::email_key(i.email));
      for (const auto& u : s.users) emails.push_back(core::email_key(u.username));
      return has_email(emails, email);
    case core::ChangeKind::user:
      for (const auto& u : s.users) emails.push_back(core::email_key(u.username));
      return has_email(emails, email);
    case core::ChangeKind::tester:
      for (const auto& t : s.testers) emails.push_back(core::email_key(t.email));
      return has_email(emails, email);
    case core::ChangeKind::group: {
      const std::string app_id = p.value("app_id", std::string());
      const std::string name = p.value("name", std::string());
      return std::any_of(s.groups.begin(), s.groups.end(),
                         [&](const core::BetaGroup& g) { return g.app_id == app_id && g.name == name; });
    }
    case core::ChangeKind::membership:
      break;  // handled by the caller
  }
  return false;
}

}  // namespace

util::Result<RecoveryReport> resolve_pending(const std::string& team, store::Database& db,
                                             const core::Snapshot& fresh, const util::Clock& clock) {
  store::Journal journal(db);
  store::ManagedObjects managed(db);
  RecoveryReport report;
  auto pending = journal.pending(team);
  if (!pending) return pending.error();
  for (const auto& entry : *pending) {
    auto change = core::change_from_json(entry.request);
    if (!change) {
      (void)journal.complete(entry.id, "resolved", {{"present", nullptr}},
                             "unreadable entry: " + change.error().message, clock.now());
      continue;
    }
    if (change->kind == core::ChangeKind::membership) {
      // Linkage calls are idempotent and the refreshed memberships are the truth: the next plan
      // adds or removes whatever is still missing, and records managed keys then.
      auto r = journal.complete(entry.id, "resolved", {{"happened", nullptr}}, "", clock.now());
      if (!r) return r.error();
      ++report.resolved_absent;
      continue;
    }
    const bool is_delete = change->action == core::Action::destroy;
    const bool exists = present(*change, fresh);
    // A create/replace that exists happened; a delete that is gone happened.
    const bool happened = is_delete ? !exists : exists;
    if (happened) {
      for (const auto& k : change->unmanage) (void)managed.unmark_managed(team, k);
      if (!is_delete)
        for (const auto& k : change->manage) (void)managed.mark_managed(team, k, "created", clock.now());
      ++report.resolved_present;
    } else {
      ++report.resolved_absent;
    }
    spdlog::info("team {}: journal entry {} ({} {}) resolved by read-back: {}", team, entry.id, entry.action,
                 entry.natural_key, happened ? "it happened" : "it did not happen");
    auto r =
        journal.complete(entry.id, "resolved", {{"happened", happened}, {"exists", exists}}, "", clock.now());
    if (!r) return r.error();
  }
  return report;
}

}  // namespace reconcile
