#pragma once
// The difference between two snapshots of one team, matched by Apple id: used to update the
// mirror row by row and to record drift events. Pure, no I/O.
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "core/model.hpp"

namespace store {

template <typename T>
struct KindDelta {
  std::vector<const T*> added;                         // only in the newer snapshot
  std::vector<const T*> removed;                       // only in the older snapshot
  std::vector<std::pair<const T*, const T*>> changed;  // (older, newer): same id, different value
  bool empty() const { return added.empty() && removed.empty() && changed.empty(); }
  size_t size() const { return added.size() + removed.size() + changed.size(); }
};

struct SnapshotDelta {
  KindDelta<core::App> apps;
  KindDelta<core::User> users;
  KindDelta<core::Invitation> invitations;
  KindDelta<core::BetaGroup> groups;
  KindDelta<core::BetaTester> testers;
  KindDelta<core::Certificate> certificates;
  KindDelta<core::Profile> profiles;
  bool empty() const;
};

// Every list in the delta is in id order. Pointers point into `before` and `after`, which must
// outlive the delta. Neither snapshot needs to be normalized.
SnapshotDelta diff_snapshots(const core::Snapshot& before, const core::Snapshot& after);

struct DriftEvent {
  std::string kind;  // e.g. "tester_added", "membership_removed", "certificate_revoked"
  std::string key;   // store/keys.hpp, e.g. "tester:ann@example.com"
  nlohmann::json details;
};

// The drift a delta represents, as events: user_*, invitation_*, group_*, tester_*,
// membership_* and certificate_* (added / removed / changed; a certificate that disappears is
// "certificate_revoked"). "*_changed" details hold {"changes": {field: {before, after}}}.
// Membership events are reported for testers present in both snapshots; the groups of an added
// or removed tester are listed in its own event. Apps and profiles produce no events.
std::vector<DriftEvent> drift_events(const core::Snapshot& before, const core::Snapshot& after,
                                     const SnapshotDelta& delta);

}  // namespace store
