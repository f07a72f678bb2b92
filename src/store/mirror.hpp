#pragma once
// The per-team mirror of App Store Connect: snapshot rows, sync runs and drift events.
// A refresh calls begin_run, lists everything, then commit_snapshot (or fail_run). The apply
// step calls the upsert_* / delete_* / *_memberships methods after each successful write so the
// mirror tracks what ascsync did without waiting for the next refresh.
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/model.hpp"
#include "store/database.hpp"
#include "util/clock.hpp"
#include "util/result.hpp"

namespace store {

// What a refresh cost, reported by the client.
struct RunStats {
  int64_t requests_sent = 0;
  std::optional<int64_t> rate_remaining;  // from the last X-Rate-Limit header
  std::optional<int64_t> rate_limit;      // the hourly limit
};

// Rows per kind in a committed snapshot.
struct SnapshotCounts {
  int64_t apps = 0;
  int64_t users = 0;
  int64_t invitations = 0;
  int64_t groups = 0;
  int64_t testers = 0;
  int64_t memberships = 0;
  int64_t certificates = 0;
  int64_t profiles = 0;
  bool operator==(const SnapshotCounts&) const = default;
};

SnapshotCounts count_rows(const core::Snapshot& snapshot);

struct SyncRun {
  int64_t id = 0;
  std::string team;
  util::TimePoint started_at;
  std::optional<util::TimePoint> finished_at;
  std::string outcome;  // "running" | "ok" | "failed"
  std::string error;    // util::Error::describe() of a failed run
  RunStats stats;
  SnapshotCounts counts;  // zero unless ok
  int64_t events = 0;     // drift events recorded by this run
};

struct Event {
  int64_t id = 0;
  std::string team;
  util::TimePoint at;
  std::optional<int64_t> run_id;
  std::string kind;  // see drift_events() in store/snapshot_diff.hpp
  std::string key;   // store/keys.hpp
  nlohmann::json details;
};

class Mirror {
 public:
  explicit Mirror(Database& db) : m_db(&db) {}

  // Starts a sync run (outcome "running") and returns its id.
  util::Result<int64_t> begin_run(const std::string& team, util::TimePoint started);

  // In one transaction: diffs `snapshot` against the team's stored snapshot, appends the drift
  // as events (none for a team's first snapshot), updates the changed rows so the stored snapshot
  // equals `snapshot`, and finishes the run as ok with stats and counts. Only call after every
  // listing succeeded. Fails, changing nothing, when the run is not this team's running run.
  util::Status commit_snapshot(const std::string& team, int64_t run_id, const core::Snapshot& snapshot,
                               const RunStats& stats, util::TimePoint finished);
  // The same for a refresh that left kinds out (`not_read`: "users", "invitations", "groups",
  // "testers", "certificates", "profiles", "apps" -> why). Those kinds are not "empty": their
  // stored rows stay as last read (and are copied into `snapshot`), no drift is recorded for
  // them, and they are listed as not read (see unread()) until a refresh reads them again.
  util::Status commit_snapshot(const std::string& team, int64_t run_id, core::Snapshot& snapshot,
                               const std::map<std::string, std::string>& not_read, const RunStats& stats,
                               util::TimePoint finished);

  struct Unread {
    std::string kind;
    std::string reason;
    util::TimePoint since;
  };
  // Kinds the team's last committed refresh did not read, sorted by kind.
  util::Result<std::vector<Unread>> unread(const std::string& team);

  // Finishes the run as failed; the stored snapshot stays untouched.
  util::Status fail_run(const std::string& team, int64_t run_id, const util::Error& error,
                        const RunStats& stats, util::TimePoint finished);

  // The team's stored snapshot, normalized; empty when the team was never refreshed.
  util::Result<core::Snapshot> load_snapshot(const std::string& team);
  // True once a snapshot of the team has been committed.
  util::Result<bool> has_snapshot(const std::string& team);

  util::Result<std::optional<SyncRun>> last_run(const std::string& team);
  // The last ok run, for "mirror age" in status and metrics.
  util::Result<std::optional<SyncRun>> last_successful_run(const std::string& team);
  // Newest first.
  util::Result<std::vector<SyncRun>> recent_runs(const std::string& team, int limit);
  // Every team that has at least one run, sorted.
  util::Result<std::vector<std::string>> teams();

  // Events with id > since_id, oldest first, at most `limit`.
  util::Result<std::vector<Event>> events(const std::string& team, int64_t since_id, int limit);

  // Apply-time updates, each in its own transaction. Upserts replace the whole object,
  // including its id lists (visible apps, a tester's groups, a profile's certificates).
  util::Status upsert_app(const std::string& team, const core::App& app);
  util::Status upsert_user(const std::string& team, const core::User& user);
  util::Status delete_user(const std::string& team, const std::string& user_id);
  util::Status upsert_invitation(const std::string& team, const core::Invitation& invitation);
  util::Status delete_invitation(const std::string& team, const std::string& invitation_id);
  util::Status upsert_group(const std::string& team, const core::BetaGroup& group);
  // Also drops the group's memberships.
  util::Status delete_group(const std::string& team, const std::string& group_id);
  util::Status upsert_tester(const std::string& team, const core::BetaTester& tester);
  util::Status delete_tester(const std::string& team, const std::string& tester_id);
  // The testers must already be in the mirror. Adding an existing membership is a no-op.
  util::Status add_memberships(const std::string& team, const std::string& group_id,
                               const std::vector<std::string>& tester_ids);
  util::Status remove_memberships(const std::string& team, const std::string& group_id,
                                  const std::vector<std::string>& tester_ids);
  util::Status upsert_certificate(const std::string& team, const core::Certificate& certificate);
  // A revoked certificate leaves the mirror.
  util::Status delete_certificate(const std::string& team, const std::string& certificate_id);
  util::Status upsert_profile(const std::string& team, const core::Profile& profile);

 private:
  util::Result<std::optional<SyncRun>> one_run(const std::string& sql, const std::string& team);

  Database* m_db;
};

}  // namespace store
