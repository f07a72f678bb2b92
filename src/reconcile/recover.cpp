#include "reconcile/recover.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "kinds/dispatch.hpp"
#include "kinds/plan_json.hpp"
#include "reconcile/executor.hpp"
#include "store/journal.hpp"
#include "store/managed.hpp"

namespace reconcile {

namespace {

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

}  // namespace

util::Result<RecoveryReport> resolve_pending(const std::string& team, store::Database& db,
                                             const core::Snapshot& fresh, const util::Clock& clock) {
  store::Journal journal(db);
  store::ManagedObjects managed(db);
  RecoveryReport report;
  auto pending = journal.pending(team);
  if (!pending) return pending.error();
  for (const auto& entry : *pending) {
    auto change = kinds::change_from_json(entry.request);
    if (!change) return blocked_by(team, entry, change.error().message);
    // A create-before-destroy replace was journaled half by half: the create half happened when
    // an object other than the old one exists, the delete half when the old id is gone.
    kinds::Half half = kinds::Half::whole;
    if (change->action == core::Action::replace &&
        change->order == core::ReplaceOrder::create_before_destroy) {
      const auto h = entry.request.find(k_journal_half_field);
      const std::string name =
          h != entry.request.end() && h->is_string() ? h->get<std::string>() : std::string();
      if (name != k_half_create && name != k_half_delete)
        return blocked_by(team, entry, "a create_before_destroy replace without its half (create or delete)");
      if (kinds::replaced_id(*change).empty())
        return blocked_by(team, entry, "a create_before_destroy replace without the old object's id");
      half = name == k_half_create ? kinds::Half::create : kinds::Half::destroy;
    }
    auto found = kinds::exists(*change, fresh, half);
    if (!found) return blocked_by(team, entry, found.error().message);
    if (!found->has_value()) {
      // Settled by re-planning (memberships: linkage calls are idempotent and the refreshed
      // memberships are the truth; the next plan adds or removes whatever is still missing, and
      // records managed keys then).
      auto r = journal.complete(entry.id, "resolved", {{"happened", nullptr}}, "", clock.now());
      if (!r) return r.error();
      ++report.resolved_absent;
      continue;
    }
    const bool exists = **found;
    const bool is_delete = change->action == core::Action::destroy || half == kinds::Half::destroy;
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
