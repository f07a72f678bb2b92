#include "reconcile/recover.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/payload_json.hpp"
#include "core/plan_json.hpp"
#include "reconcile/executor.hpp"
#include "store/journal.hpp"
#include "store/managed.hpp"

namespace reconcile {

namespace {

bool has_email(const std::vector<std::string>& emails, const std::string& email) {
  return std::find(emails.begin(), emails.end(), core::email_key(email)) != emails.end();
}

// The cycle refuses to plan while an entry cannot be read back: closing it unread could make the
// next plan repeat a write that happened (a second invitation, a lost certificate slot).
util::Error blocked_by(const std::string& team, const store::JournalEntry& entry, const std::string& why) {
  return util::make_error(
      util::ErrorKind::internal,
      "team " + team + ": pending journal entry " + std::to_string(entry.id) + " (" + entry.action + " " +
          entry.kind + " " + entry.natural_key + ") cannot be decoded (" + why +
          "), so ascsync cannot read back whether it happened; it stays pending and nothing is planned or "
          "applied for this team until it is settled. If a newer ascsync wrote it, run that version; "
          "otherwise check " +
          entry.natural_key +
          " in App Store Connect and close the entry by hand (sqlite3: UPDATE journal SET state = "
          "'resolved' WHERE id = " +
          std::to_string(entry.id) + ";)");
}

// What a change is read back by: its email, or its app id and group name; and for a replace the
// id of the object it removes.
struct Identity {
  std::string email;
  std::string app_id;
  std::string name;
  std::string replaced_id;
};

util::Result<Identity> identity_of(const core::Change& c) {
  Identity id;
  switch (c.kind) {
    case core::ChangeKind::invitation: {
      auto p = core::decode_invitation(c);
      if (!p) return p.error();
      id.email = p->email;
      id.replaced_id = p->invitation_id;
      break;
    }
    case core::ChangeKind::user: {
      auto p = core::decode_user(c);
      if (!p) return p.error();
      id.email = p->email;
      break;
    }
    case core::ChangeKind::tester: {
      auto p = core::decode_tester(c);
      if (!p) return p.error();
      id.email = p->email;
      break;
    }
    case core::ChangeKind::group: {
      auto p = core::decode_group(c);
      if (!p) return p.error();
      id.app_id = p->app_id;
      id.name = p->name;
      id.replaced_id = p->group_id;
      break;
    }
    case core::ChangeKind::membership: {
      auto p = core::decode_membership(c);
      if (!p) return p.error();
      break;
    }
  }
  return id;
}

// Whether the object the change was about exists in the fresh snapshot; an object whose id is
// `except_id` does not count (the old object of a create-before-destroy replace).
bool present(const core::Change& c, const Identity& who, const core::Snapshot& s,
             const std::string& except_id = "") {
  std::vector<std::string> emails;
  switch (c.kind) {
    case core::ChangeKind::invitation:
      // An accepted invitation became a user: the write happened either way.
      for (const auto& i : s.invitations)
        if (i.id != except_id) emails.push_back(core::email_key(i.email));
      for (const auto& u : s.users) emails.push_back(core::email_key(u.username));
      return has_email(emails, who.email);
    case core::ChangeKind::user:
      for (const auto& u : s.users) emails.push_back(core::email_key(u.username));
      return has_email(emails, who.email);
    case core::ChangeKind::tester:
      for (const auto& t : s.testers) emails.push_back(core::email_key(t.email));
      return has_email(emails, who.email);
    case core::ChangeKind::group:
      return std::any_of(s.groups.begin(), s.groups.end(), [&](const core::BetaGroup& g) {
        return g.app_id == who.app_id && g.name == who.name && g.id != except_id;
      });
    case core::ChangeKind::membership:
      break;  // handled by the caller
  }
  return false;
}

bool id_present(const core::Change& c, const core::Snapshot& s, const std::string& id) {
  if (c.kind == core::ChangeKind::group)
    return std::any_of(s.groups.begin(), s.groups.end(),
                       [&](const core::BetaGroup& g) { return g.id == id; });
  return std::any_of(s.invitations.begin(), s.invitations.end(),
                     [&](const core::Invitation& i) { return i.id == id; });
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
    if (!change) return blocked_by(team, entry, change.error().message);
    auto who = identity_of(*change);
    if (!who) return blocked_by(team, entry, who.error().message);
    if (change->kind == core::ChangeKind::membership) {
      // Linkage calls are idempotent and the refreshed memberships are the truth: the next plan
      // adds or removes whatever is still missing, and records managed keys then.
      auto r = journal.complete(entry.id, "resolved", {{"happened", nullptr}}, "", clock.now());
      if (!r) return r.error();
      ++report.resolved_absent;
      continue;
    }
    // A create-before-destroy replace was journaled half by half: the create half happened when
    // an object other than the old one exists, the delete half when the old id is gone.
    std::string half;
    if (change->action == core::Action::replace &&
        change->order == core::ReplaceOrder::create_before_destroy) {
      const auto h = entry.request.find(k_journal_half_field);
      half = h != entry.request.end() && h->is_string() ? h->get<std::string>() : std::string();
      if (half != k_half_create && half != k_half_delete)
        return blocked_by(team, entry, "a create_before_destroy replace without its half (create or delete)");
      if (who->replaced_id.empty())
        return blocked_by(team, entry, "a create_before_destroy replace without the old object's id");
    }
    const bool is_delete = change->action == core::Action::destroy || half == k_half_delete;
    const bool exists = half == k_half_delete   ? id_present(*change, fresh, who->replaced_id)
                        : half == k_half_create ? present(*change, *who, fresh, who->replaced_id)
                                                : present(*change, *who, fresh);
    // A create/replace that exists happened; a delete that is gone happened.
    const bool happened = is_delete ? !exists : exists;
    if (happened) {
      // Recorded before the entry is closed: a failure here leaves it pending for the next cycle.
      for (const auto& k : change->unmanage)
        if (auto st = managed.unmark_managed(team, k); !st) return std::move(st).error();
      if (!is_delete)
        for (const auto& k : change->manage)
          if (auto st = managed.mark_managed(team, k, "created", clock.now()); !st)
            return std::move(st).error();
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
