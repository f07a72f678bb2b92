#pragma once
// Crash recovery (invariant 3): journal entries still pending were left by a process that died
// between sending a write and recording its outcome. They are settled by reading back — the
// freshly refreshed snapshot is the read-back, by email, group name or id — never by repeating
// the request. A create whose object exists is recorded as done (its keys become managed, so
// ascsync keeps owning what it made); one whose object is absent is closed and the next plan
// creates it again. An entry that cannot be decoded (unknown kind or action, a payload without
// the identity to read it back by) is never closed unread: resolve_pending() leaves it pending
// and fails, naming the entry and what to do, so the cycle plans and applies nothing for the team
// until it is settled (the whole team is refused, not just the key: what the entry was about, and
// so which keys depend on it, is exactly what cannot be read).
#include <string>

#include "core/model.hpp"
#include "store/database.hpp"
#include "util/clock.hpp"

namespace reconcile {

struct RecoveryReport {
  int resolved_present = 0;  // the write had happened
  int resolved_absent = 0;   // it had not (or was undone since)
};

util::Result<RecoveryReport> resolve_pending(const std::string& team, store::Database& db,
                                             const core::Snapshot& fresh, const util::Clock& clock);

}  // namespace reconcile
