#pragma once
// A fingerprint of what a plan is made from: a team's snapshot, collection by collection, and
// the set of objects ascsync manages. A saved plan (`ascsync plan --out`) carries it; `ascsync
// apply FILE` refreshes, fingerprints what it would plan from and applies only when nothing
// moved. Pure, no I/O: it hashes exactly the snapshot and managed set the planner sees.
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/model.hpp"

namespace store {

struct SnapshotFingerprint {
  // Collection -> SHA-256 (hex) of its objects in id order, every field: "apps", "users",
  // "invitations", "groups", "testers", "memberships", "certificates", "profiles", and
  // "managed" (the keys ascsync created or adopted).
  std::map<std::string, std::string> collections;

  // One SHA-256 (hex) over every collection's.
  std::string digest() const;
  bool operator==(const SnapshotFingerprint&) const = default;
};

// Order-independent: equal snapshots (whatever the order of their lists) fingerprint alike.
// A field added to a core model struct must be added here too (snapshot_fingerprint.cpp).
SnapshotFingerprint snapshot_fingerprint(const core::Snapshot& snapshot,
                                         const std::set<std::string>& managed);

// The collections whose fingerprints differ (present in either), sorted.
std::vector<std::string> changed_collections(const SnapshotFingerprint& before,
                                             const SnapshotFingerprint& after);

}  // namespace store
