#include "store/mirror.hpp"

#include <algorithm>
#include <set>

#include "store/mirror_rows.hpp"
#include "store/snapshot_diff.hpp"
#include "util/time.hpp"

namespace store {

namespace {

constexpr const char* k_run_columns =
    "SELECT id, team, started_at, finished_at, outcome, error, requests_sent, rate_remaining, rate_limit, "
    "apps, "
    "users, invitations, beta_groups, beta_testers, memberships, certificates, profiles, events FROM "
    "sync_runs ";

SyncRun read_run(const Statement& s) {
  SyncRun run;
  run.id = s.column_int(0);
  run.team = s.column_text(1);
  run.started_at = column_time(s.column_text(2));
  if (!s.column_is_null(3)) run.finished_at = column_time(s.column_text(3));
  run.outcome = s.column_text(4);
  run.error = s.column_text(5);
  run.stats.requests_sent = s.column_int(6);
  run.stats.rate_remaining = s.column_opt_int(7);
  run.stats.rate_limit = s.column_opt_int(8);
  run.counts = {s.column_int(9),  s.column_int(10), s.column_int(11), s.column_int(12),
                s.column_int(13), s.column_int(14), s.column_int(15), s.column_int(16)};
  run.events = s.column_int(17);
  return run;
}

util::Error not_running(const std::string& team, int64_t run_id) {
  return util::make_error(util::ErrorKind::internal,
                          "sync run " + std::to_string(run_id) + " of team \"" + team +
                              "\" is not running (finished already or another team's); "
                              "this is a bug, please report it");
}

// Brings the stored rows from `before` to `after` using the delta between them.
util::Status apply_delta(Database& db, const std::string& team, const SnapshotDelta& delta) {
  using rows::Table;
  for (const auto* x : delta.apps.removed)
    if (auto st = rows::delete_row(db, Table::apps, team, x->id); !st) return st;
  for (const auto* x : delta.apps.added)
    if (auto st = rows::write_app(db, team, *x); !st) return st;
  for (const auto& [b, a] : delta.apps.changed)
    if (auto st = rows::write_app(db, team, *a); !st) return st;

  for (const auto* x : delta.users.removed)
    if (auto st = rows::delete_row(db, Table::users, team, x->id); !st) return st;
  for (const auto* x : delta.users.added)
    if (auto st = rows::write_user(db, team, *x); !st) return st;
  for (const auto& [b, a] : delta.users.changed)
    if (auto st = rows::write_user(db, team, *a); !st) return st;

  for (const auto* x : delta.invitations.removed)
    if (auto st = rows::delete_row(db, Table::invitations, team, x->id); !st) return st;
  for (const auto* x : delta.invitations.added)
    if (auto st = rows::write_invitation(db, team, *x); !st) return st;
  for (const auto& [b, a] : delta.invitations.changed)
    if (auto st = rows::write_invitation(db, team, *a); !st) return st;

  for (const auto* x : delta.groups.removed)
    if (auto st = rows::delete_row(db, Table::groups, team, x->id); !st) return st;
  for (const auto* x : delta.groups.added)
    if (auto st = rows::write_group(db, team, *x); !st) return st;
  for (const auto& [b, a] : delta.groups.changed)
    if (auto st = rows::write_group(db, team, *a); !st) return st;

  for (const auto* x : delta.testers.removed)
    if (auto st = rows::delete_row(db, Table::testers, team, x->id); !st) return st;
  for (const auto* x : delta.testers.added) {
    if (auto st = rows::write_tester(db, team, *x); !st) return st;
    for (const auto& group_id : x->group_ids)
      if (auto st = rows::add_membership(db, team, group_id, x->id); !st) return st;
  }
  for (const auto& [b, a] : delta.testers.changed) {
    if (auto st = rows::write_tester(db, team, *a); !st) return st;
    auto old_groups = b->group_ids;
    auto new_groups = a->group_ids;
    std::sort(old_groups.begin(), old_groups.end());
    std::sort(new_groups.begin(), new_groups.end());
    if (old_groups == new_groups) continue;
    std::vector<std::string> gone;
    std::set_difference(old_groups.begin(), old_groups.end(), new_groups.begin(), new_groups.end(),
                        std::back_inserter(gone));
    for (const auto& group_id : gone)
      if (auto st = rows::remove_membership(db, team, group_id, a->id); !st) return st;
    for (const auto& group_id : new_groups)
      if (auto st = rows::add_membership(db, team, group_id, a->id); !st) return st;
  }

  for (const auto* x : delta.certificates.removed)
    if (auto st = rows::delete_row(db, Table::certificates, team, x->id); !st) return st;
  for (const auto* x : delta.certificates.added)
    if (auto st = rows::write_certificate(db, team, *x); !st) return st;
  for (const auto& [b, a] : delta.certificates.changed)
    if (auto st = rows::write_certificate(db, team, *a); !st) return st;

  for (const auto* x : delta.profiles.removed)
    if (auto st = rows::delete_row(db, Table::profiles, team, x->id); !st) return st;
  for (const auto* x : delta.profiles.added)
    if (auto st = rows::write_profile(db, team, *x); !st) return st;
  for (const auto& [b, a] : delta.profiles.changed)
    if (auto st = rows::write_profile(db, team, *a); !st) return st;
  return util::ok_status();
}

// The team's mirror generation (migration 0006): bumped by triggers on every write to its mirror
// rows. std::nullopt on a database without the table (an older schema): no memo then.
std::optional<int64_t> mirror_generation(Database& db, const std::string& team) {
  auto s = db.prepare("SELECT generation FROM mirror_generation WHERE team = ?1");
  if (!s) return std::nullopt;
  s->bind_text(1, team);
  auto row = s->step();
  if (!row) return std::nullopt;
  return *row ? s->column_int(0) : 0;
}

// Runs `fn()` (returning util::Status) inside a write transaction.
template <typename Fn>
util::Status in_transaction(Database& db, Fn fn) {
  auto tx = WriteTransaction::begin(db);
  if (!tx) return std::move(tx).error();
  if (auto st = fn(); !st) return st;
  return tx->commit();
}

}  // namespace

SnapshotCounts count_rows(const core::Snapshot& snapshot) {
  auto n = [](size_t size) { return static_cast<int64_t>(size); };
  return {n(snapshot.apps.size()),         n(snapshot.users.size()),   n(snapshot.invitations.size()),
          n(snapshot.groups.size()),       n(snapshot.testers.size()), n(snapshot.membership_count()),
          n(snapshot.certificates.size()), n(snapshot.profiles.size())};
}

util::Result<int64_t> Mirror::begin_run(const std::string& team, util::TimePoint started) {
  auto s = m_db->prepare("INSERT INTO sync_runs (team, started_at, outcome) VALUES (?1, ?2, 'running')");
  if (!s) return std::move(s).error();
  s->bind_text(1, team).bind_text(2, util::format_rfc3339(started));
  if (auto st = s->run(); !st) return std::move(st).error();
  return static_cast<int64_t>(sqlite3_last_insert_rowid(m_db->handle()));
}

util::Status Mirror::commit_snapshot(const std::string& team, int64_t run_id, const core::Snapshot& snapshot,
                                     const RunStats& stats, util::TimePoint finished) {
  core::Snapshot copy = snapshot;
  return commit_snapshot(team, run_id, copy, {}, stats, finished);
}

util::Result<std::vector<Mirror::Unread>> Mirror::unread(const std::string& team) {
  auto s = m_db->prepare("SELECT kind, reason, since FROM mirror_unread WHERE team = ?1 ORDER BY kind");
  if (!s) return std::move(s).error();
  s->bind_text(1, team);
  std::vector<Unread> out;
  for (;;) {
    auto row = s->step();
    if (!row) return std::move(row).error();
    if (!*row) break;
    out.push_back({s->column_text(0), s->column_text(1), column_time(s->column_text(2))});
  }
  return out;
}

util::Status Mirror::commit_snapshot(const std::string& team, int64_t run_id, core::Snapshot& snapshot,
                                     const std::map<std::string, std::string>& not_read,
                                     const RunStats& stats, util::TimePoint finished) {
  auto& memos = m_db->snapshot_memos();
  std::optional<int64_t> generation_after;
  auto committed = in_transaction(*m_db, [&]() -> util::Status {
    auto had_snapshot = has_snapshot(team);
    if (!had_snapshot) return std::move(had_snapshot).error();
    // The stored snapshot: this connection's copy of what it committed last while nobody has
    // written the team's mirror rows since (same generation), else read from the rows.
    std::shared_ptr<const core::Snapshot> before;
    const auto generation = mirror_generation(*m_db, team);
    if (const auto memo = memos.find(team);
        generation && memo != memos.end() && memo->second.generation == *generation)
      before = memo->second.snapshot;
    memos.erase(team);
    if (!before) {
      auto read = rows::read_snapshot(*m_db, team);
      if (!read) return std::move(read).error();
      before = std::make_shared<const core::Snapshot>(std::move(*read));
    }
    // A kind not read keeps what the mirror holds: never "everything was deleted".
    for (const auto& [kind, why] : not_read) {
      if (kind == "apps")
        snapshot.apps = before->apps;
      else if (kind == "users")
        snapshot.users = before->users;
      else if (kind == "invitations")
        snapshot.invitations = before->invitations;
      else if (kind == "groups")
        snapshot.groups = before->groups;
      else if (kind == "testers")
        snapshot.testers = before->testers;
      else if (kind == "certificates")
        snapshot.certificates = before->certificates;
      else if (kind == "profiles")
        snapshot.profiles = before->profiles;
    }
    if (not_read.count("groups") != not_read.count("testers")) {
      // Memberships live on testers and point at groups: keep the stored ones consistent.
      std::set<std::string> group_ids;
      for (const auto& g : snapshot.groups) group_ids.insert(g.id);
      for (auto& t : snapshot.testers)
        std::erase_if(t.group_ids, [&](const std::string& id) { return group_ids.count(id) == 0; });
    }
    snapshot.normalize();
    // mirror_unread is schema v3; a database still on an older schema has nothing to record.
    auto has_unread = m_db->query_text("SELECT count(*) FROM sqlite_schema WHERE name = 'mirror_unread'");
    if (!has_unread) return std::move(has_unread).error();
    if (*has_unread == "1") {
      // "Not read since": kept from the refresh that first left the kind out.
      std::map<std::string, std::string> since;
      {
        auto old = unread(team);
        if (!old) return std::move(old).error();
        for (const auto& u : *old) since[u.kind] = util::format_rfc3339(u.since);
      }
      const std::string at = util::format_rfc3339(finished);
      auto del = m_db->prepare("DELETE FROM mirror_unread WHERE team = ?1");
      if (!del) return std::move(del).error();
      del->bind_text(1, team);
      if (auto st = del->run(); !st) return st;
      auto ins =
          m_db->prepare("INSERT INTO mirror_unread (team, kind, reason, since) VALUES (?1, ?2, ?3, ?4)");
      if (!ins) return std::move(ins).error();
      for (const auto& [kind, why] : not_read) {
        ins->reset();
        ins->bind_text(1, team).bind_text(2, kind).bind_text(3, why);
        ins->bind_text(4, since.count(kind) ? since[kind] : at);
        if (auto st = ins->run(); !st) return st;
      }
    }
    const SnapshotDelta delta = diff_snapshots(*before, snapshot);
    if (auto st = apply_delta(*m_db, team, delta); !st) return st;

    // A team's first snapshot is a baseline, not drift.
    std::vector<DriftEvent> drift;
    if (*had_snapshot) drift = drift_events(*before, snapshot, delta);
    const std::string at = util::format_rfc3339(finished);
    auto ins = m_db->prepare(
        "INSERT INTO events (team, at, run_id, kind, object_key, details) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    if (!ins) return std::move(ins).error();
    for (const auto& event : drift) {
      ins->reset();
      ins->bind_text(1, team).bind_text(2, at).bind_int(3, run_id).bind_text(4, event.kind);
      ins->bind_text(5, event.key).bind_text(6, event.details.dump());
      if (auto st = ins->run(); !st) return st;
    }

    const SnapshotCounts counts = count_rows(snapshot);
    auto upd = m_db->prepare(
        "UPDATE sync_runs SET finished_at = ?3, outcome = 'ok', error = '', requests_sent = ?4, "
        "rate_remaining = ?5, rate_limit = ?6, apps = ?7, users = ?8, invitations = ?9, beta_groups = ?10, "
        "beta_testers = ?11, memberships = ?12, certificates = ?13, profiles = ?14, events = ?15 "
        "WHERE id = ?1 AND team = ?2 AND outcome = 'running'");
    if (!upd) return std::move(upd).error();
    upd->bind_int(1, run_id).bind_text(2, team).bind_text(3, at).bind_int(4, stats.requests_sent);
    upd->bind_opt_int(5, stats.rate_remaining).bind_opt_int(6, stats.rate_limit);
    upd->bind_int(7, counts.apps).bind_int(8, counts.users).bind_int(9, counts.invitations);
    upd->bind_int(10, counts.groups).bind_int(11, counts.testers).bind_int(12, counts.memberships);
    upd->bind_int(13, counts.certificates).bind_int(14, counts.profiles);
    upd->bind_int(15, static_cast<int64_t>(drift.size()));
    if (auto st = upd->run(); !st) return st;
    if (sqlite3_changes(m_db->handle()) != 1) return not_running(team, run_id);
    generation_after = mirror_generation(*m_db, team);
    return util::ok_status();
  });
  if (committed && generation_after && m_db->keeps_snapshot_memos())
    memos[team] = Database::SnapshotMemo{*generation_after, std::make_shared<const core::Snapshot>(snapshot)};
  return committed;
}

util::Status Mirror::fail_run(const std::string& team, int64_t run_id, const util::Error& error,
                              const RunStats& stats, util::TimePoint finished) {
  auto s = m_db->prepare(
      "UPDATE sync_runs SET finished_at = ?3, outcome = 'failed', error = ?4, requests_sent = ?5, "
      "rate_remaining = ?6, rate_limit = ?7 WHERE id = ?1 AND team = ?2 AND outcome = 'running'");
  if (!s) return std::move(s).error();
  s->bind_int(1, run_id).bind_text(2, team).bind_text(3, util::format_rfc3339(finished));
  s->bind_text(4, error.describe()).bind_int(5, stats.requests_sent);
  s->bind_opt_int(6, stats.rate_remaining).bind_opt_int(7, stats.rate_limit);
  if (auto st = s->run(); !st) return st;
  if (sqlite3_changes(m_db->handle()) != 1) return not_running(team, run_id);
  return util::ok_status();
}

util::Result<core::Snapshot> Mirror::load_snapshot(const std::string& team) {
  // One read transaction so the tables come from the same commit even while another process writes.
  if (auto st = m_db->exec("BEGIN"); !st) return std::move(st).error();
  auto snapshot = rows::read_snapshot(*m_db, team);
  if (auto st = m_db->exec(snapshot ? "COMMIT" : "ROLLBACK"); !st && snapshot) return std::move(st).error();
  return snapshot;
}

util::Result<bool> Mirror::has_snapshot(const std::string& team) {
  auto s = m_db->prepare("SELECT 1 FROM sync_runs WHERE team = ?1 AND outcome = 'ok' LIMIT 1");
  if (!s) return std::move(s).error();
  s->bind_text(1, team);
  return s->step();
}

util::Result<std::optional<SyncRun>> Mirror::one_run(const std::string& sql, const std::string& team) {
  auto s = m_db->prepare(sql);
  if (!s) return std::move(s).error();
  s->bind_text(1, team);
  auto row = s->step();
  if (!row) return std::move(row).error();
  if (!*row) return std::optional<SyncRun>();
  return std::optional<SyncRun>(read_run(*s));
}

util::Result<std::optional<SyncRun>> Mirror::last_run(const std::string& team) {
  return one_run(std::string(k_run_columns) + "WHERE team = ?1 ORDER BY id DESC LIMIT 1", team);
}

util::Result<std::optional<SyncRun>> Mirror::last_successful_run(const std::string& team) {
  return one_run(std::string(k_run_columns) + "WHERE team = ?1 AND outcome = 'ok' ORDER BY id DESC LIMIT 1",
                 team);
}

util::Result<std::vector<SyncRun>> Mirror::recent_runs(const std::string& team, int limit) {
  auto s = m_db->prepare(std::string(k_run_columns) + "WHERE team = ?1 ORDER BY id DESC LIMIT ?2");
  if (!s) return std::move(s).error();
  s->bind_text(1, team).bind_int(2, limit);
  std::vector<SyncRun> out;
  while (true) {
    auto row = s->step();
    if (!row) return std::move(row).error();
    if (!*row) return out;
    out.push_back(read_run(*s));
  }
}

util::Result<std::vector<std::string>> Mirror::teams() {
  auto s = m_db->prepare("SELECT DISTINCT team FROM sync_runs ORDER BY team");
  if (!s) return std::move(s).error();
  std::vector<std::string> out;
  while (true) {
    auto row = s->step();
    if (!row) return std::move(row).error();
    if (!*row) return out;
    out.push_back(s->column_text(0));
  }
}

util::Result<std::vector<Event>> Mirror::events(const std::string& team, int64_t since_id, int limit) {
  auto s = m_db->prepare(
      "SELECT id, team, at, run_id, kind, object_key, details FROM events WHERE team = ?1 AND id > ?2 "
      "ORDER BY id LIMIT ?3");
  if (!s) return std::move(s).error();
  s->bind_text(1, team).bind_int(2, since_id).bind_int(3, limit);
  std::vector<Event> out;
  while (true) {
    auto row = s->step();
    if (!row) return std::move(row).error();
    if (!*row) return out;
    Event e;
    e.id = s->column_int(0);
    e.team = s->column_text(1);
    e.at = column_time(s->column_text(2));
    e.run_id = s->column_opt_int(3);
    e.kind = s->column_text(4);
    e.key = s->column_text(5);
    e.details = nlohmann::json::parse(s->column_text(6), nullptr, false);
    out.push_back(std::move(e));
  }
}

util::Status Mirror::upsert_app(const std::string& team, const core::App& app) {
  return in_transaction(*m_db, [&] { return rows::write_app(*m_db, team, app); });
}

util::Status Mirror::upsert_user(const std::string& team, const core::User& user) {
  return in_transaction(*m_db, [&] { return rows::write_user(*m_db, team, user); });
}

util::Status Mirror::delete_user(const std::string& team, const std::string& user_id) {
  return in_transaction(*m_db, [&] { return rows::delete_row(*m_db, rows::Table::users, team, user_id); });
}

util::Status Mirror::upsert_invitation(const std::string& team, const core::Invitation& invitation) {
  return in_transaction(*m_db, [&] { return rows::write_invitation(*m_db, team, invitation); });
}

util::Status Mirror::delete_invitation(const std::string& team, const std::string& invitation_id) {
  return in_transaction(
      *m_db, [&] { return rows::delete_row(*m_db, rows::Table::invitations, team, invitation_id); });
}

util::Status Mirror::upsert_group(const std::string& team, const core::BetaGroup& group) {
  return in_transaction(*m_db, [&] { return rows::write_group(*m_db, team, group); });
}

util::Status Mirror::delete_group(const std::string& team, const std::string& group_id) {
  return in_transaction(*m_db, [&]() -> util::Status {
    if (auto st = rows::remove_group_memberships(*m_db, team, group_id); !st) return st;
    return rows::delete_row(*m_db, rows::Table::groups, team, group_id);
  });
}

util::Status Mirror::upsert_tester(const std::string& team, const core::BetaTester& tester) {
  return in_transaction(*m_db, [&]() -> util::Status {
    if (auto st = rows::write_tester(*m_db, team, tester); !st) return st;
    return rows::replace_tester_memberships(*m_db, team, tester.id, tester.group_ids);
  });
}

util::Status Mirror::delete_tester(const std::string& team, const std::string& tester_id) {
  return in_transaction(*m_db,
                        [&] { return rows::delete_row(*m_db, rows::Table::testers, team, tester_id); });
}

util::Status Mirror::add_memberships(const std::string& team, const std::string& group_id,
                                     const std::vector<std::string>& tester_ids) {
  return in_transaction(*m_db, [&]() -> util::Status {
    for (const auto& id : tester_ids)
      if (auto st = rows::add_membership(*m_db, team, group_id, id); !st) return st;
    return util::ok_status();
  });
}

util::Status Mirror::remove_memberships(const std::string& team, const std::string& group_id,
                                        const std::vector<std::string>& tester_ids) {
  return in_transaction(*m_db, [&]() -> util::Status {
    for (const auto& id : tester_ids)
      if (auto st = rows::remove_membership(*m_db, team, group_id, id); !st) return st;
    return util::ok_status();
  });
}

util::Status Mirror::upsert_certificate(const std::string& team, const core::Certificate& certificate) {
  return in_transaction(*m_db, [&] { return rows::write_certificate(*m_db, team, certificate); });
}

util::Status Mirror::delete_certificate(const std::string& team, const std::string& certificate_id) {
  return in_transaction(
      *m_db, [&] { return rows::delete_row(*m_db, rows::Table::certificates, team, certificate_id); });
}

util::Status Mirror::upsert_profile(const std::string& team, const core::Profile& profile) {
  return in_transaction(*m_db, [&] { return rows::write_profile(*m_db, team, profile); });
}

}  // namespace store
