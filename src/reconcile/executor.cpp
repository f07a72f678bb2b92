#include "reconcile/executor.hpp"

#include <spdlog/spdlog.h>

#include <csignal>

#include "kinds/dispatch.hpp"
#include "kinds/plan_json.hpp"
#include "store/audit.hpp"
#include "store/conditions.hpp"
#include "store/database.hpp"
#include "store/journal.hpp"
#include "store/managed.hpp"
#include "store/mirror.hpp"

namespace reconcile {

std::string ApplyReport::first_error() const {
  for (const auto& o : outcomes)
    if (!o.error.empty()) return o.key + ": " + o.error;
  return {};
}

namespace {

using nlohmann::json;
using util::ErrorKind;

// Requests a change may need, checked against the budget before it starts.
constexpr int k_requests_per_change = 3;

class Executor final : public kinds::ApplyEnv {
 public:
  Executor(const core::Plan& plan, ApplyContext& ctx)
      : m_plan(plan),
        m_ctx(ctx),
        m_mirror(*ctx.db),
        m_journal(*ctx.db),
        m_managed(*ctx.db),
        m_audit(*ctx.db),
        m_conditions(*ctx.db) {}

  // kinds::ApplyEnv
  asc::Api& api() override { return *m_ctx.api; }
  const core::Snapshot& snapshot() const override { return *m_ctx.snapshot; }
  void wrote() override {
    ++m_report.writes;
    if (m_ctx.crash_after_writes > 0 && m_report.writes >= m_ctx.crash_after_writes) {
      spdlog::critical("crash point reached after {} writes (ASCSYNC_CRASH_AFTER_WRITES)", m_report.writes);
      spdlog::default_logger()->flush();
      std::raise(SIGKILL);
    }
  }
  void mirror(kinds::MirrorUpdate update) override { m_mirror_updates.push_back(std::move(update)); }
  std::optional<std::string> group_id(const core::GroupRef& ref) const override {
    if (ref.id) return *ref.id;
    const auto it = m_created_groups.find(ref.key);
    if (it != m_created_groups.end()) return it->second;
    return std::nullopt;
  }
  void group_created(const std::string& key, const std::string& id) override { m_created_groups[key] = id; }

  ApplyReport run() {
    for (const auto& change : m_plan.changes) {
      const bool past_deadline = m_ctx.deadline && std::chrono::steady_clock::now() >= *m_ctx.deadline;
      // A change may take a few requests (a create and its read-back, linkage chunks): start it
      // only with that much above the budget's reserve (invariant 7).
      if (!m_report.stopped_early && change.sends_requests() && m_ctx.api) {
        if (auto room = m_ctx.api->client().budget_headroom(k_requests_per_change); !room) {
          m_report.stopped_early = true;
          m_report.paused_for_budget = room.error();
          spdlog::info("team {}: {}", m_ctx.team, room.error().message);
        }
      }
      if (m_report.stopped_early || m_ctx.stop.stop_requested() || past_deadline) {
        m_report.stopped_early = true;
        record(change, "skipped",
               m_ctx.stop.stop_requested() ? "stopped before this change"
               : past_deadline ? std::string(asc::k_cycle_deadline_exceeded) + " before this change"
               : m_report.paused_for_budget ? "paused for the rate budget before this change"
                                            : "an earlier failure stopped the apply");
        ++m_report.skipped;
        continue;
      }
      switch (change.action) {
        case core::Action::adopt:
          adopt(change);
          break;
        case core::Action::blocked:
          blocked(change);
          break;
        default:
          execute(change);
          break;
      }
    }
    if (!m_mirror_updates.empty()) begin_bookkeeping();
    if (auto st = commit_bookkeeping(); !st)
      spdlog::error(
          "team {}: the apply's last bookkeeping was not saved ({}); the next cycle reads its "
          "changes back",
          m_ctx.team, st.error().describe());
    return std::move(m_report);
  }

 private:
  // Bookkeeping (managed keys, audit, conditions, journal completions) is grouped into one write
  // transaction that the next journal intent commits, or the end of the apply: each intent is
  // still durable before its request (one fsync), and the rows written after a response ride on
  // that same commit instead of costing one fsync each. The transaction is never open while a
  // request is in flight (it would hold SQLite's write lock against other teams), and a crash
  // before it commits loses only rows that crash recovery rebuilds: the entry stays pending and
  // the next cycle reads the object back.
  // Opens the grouped transaction (once) and writes into it the mirror updates of the requests
  // sent since: every bookkeeping write starts here, so the mirror is never behind the rows
  // written after it. A failed mirror update is logged, not fatal: the next refresh replaces the
  // mirror's rows anyway.
  void begin_bookkeeping() {
    if (!m_bookkeeping) {
      auto tx = store::WriteTransaction::begin(*m_ctx.db);
      if (tx) {
        m_bookkeeping.emplace(std::move(*tx));
      } else {
        // Not fatal: each row then commits on its own, as it would without grouping.
        spdlog::warn("team {}: cannot group bookkeeping writes: {}", m_ctx.team, tx.error().describe());
      }
    }
    for (auto& update : m_mirror_updates)
      if (auto st = update(m_mirror, m_ctx.team); !st)
        spdlog::error("team {}: mirror update failed: {}", m_ctx.team, st.error().describe());
    m_mirror_updates.clear();
  }

  util::Status commit_bookkeeping() {
    if (!m_bookkeeping) return util::ok_status();
    auto st = m_bookkeeping->commit();
    m_bookkeeping.reset();
    return st;
  }

  void record(const core::Change& c, const std::string& outcome, const std::string& error) {
    begin_bookkeeping();
    m_report.outcomes.push_back({c.key, core::to_string(c.action), outcome, error});
    store::AuditRecord a;
    a.plan_id = m_ctx.plan_id;
    a.at = m_ctx.clock->now();
    a.change_kind = core::to_string(c.kind());
    a.change_key = c.key;
    a.action = core::to_string(c.action);
    a.before = kinds::attributes_to_json(c.before);
    a.after = kinds::attributes_to_json(c.after);
    a.outcome = outcome;
    a.error = error;
    if (auto r = m_audit.record_audit(m_ctx.team, a); !r)
      spdlog::error("team {}: audit record for {} failed: {}", m_ctx.team, c.key, r.error().describe());
  }

  void condition(const std::string& key, std::string_view type, std::string_view reason,
                 const std::string& msg) {
    begin_bookkeeping();
    if (auto r = m_conditions.set_condition(m_ctx.team, key, type, reason, msg, m_ctx.clock->now()); !r)
      spdlog::error("team {}: condition for {} not saved: {}", m_ctx.team, key, r.error().describe());
  }

  // Records which keys ascsync manages after `c`. A failure is an error: a created object that is
  // not recorded as managed would never be pruned, and an adopted one would be planned again.
  util::Status apply_managed(const core::Change& c, std::string_view how) {
    begin_bookkeeping();
    for (const auto& k : c.unmanage)
      if (auto st = m_managed.unmark_managed(m_ctx.team, k); !st) return st;
    for (const auto& k : c.manage)
      if (auto st = m_managed.mark_managed(m_ctx.team, k, how, m_ctx.clock->now()); !st) return st;
    return util::ok_status();
  }

  // The request succeeded but its bookkeeping did not: the journal entry stays pending, so the
  // next cycle reads the object back and records it (crash recovery), and this apply stops.
  void bookkeeping_failed(const core::Change& c, const util::Error& e) {
    const std::string msg =
        "applied, but recording it failed: " + e.describe() + "; the next cycle reads it back";
    spdlog::error("team {}: {} {}: {}", m_ctx.team, core::to_string(c.action), c.key, msg);
    record(c, "failed", msg);
    condition(c.key, "failed", "LocalError", msg);
    ++m_report.failed;
    m_report.stopped_early = true;
  }

  void adopt(const core::Change& c) {
    if (auto st = apply_managed(c, "adopted"); !st) {
      const std::string msg = "recording it as managed failed: " + st.error().describe();
      record(c, "failed", msg);
      condition(c.key, "failed", "LocalError", msg);
      ++m_report.failed;
      m_report.stopped_early = true;
      return;
    }
    record(c, "adopted", "");
    condition(c.key, "ready", "Adopted", c.reason);
    ++m_report.adopted;
  }

  void blocked(const core::Change& c) {
    record(c, "blocked", c.reason);
    condition(c.key, "blocked", "Blocked", c.reason);
    ++m_report.blocked;
  }

  // Records the intent for `c` (or for one half of a create-before-destroy replace: "create" or
  // "delete", kept in the request's "half" field for recovery).
  util::Result<int64_t> journal_intent(const core::Change& c, const char* half) {
    begin_bookkeeping();
    store::JournalEntry entry;
    entry.kind = core::to_string(c.kind());
    entry.action = core::to_string(c.action);
    entry.natural_key = c.key;
    entry.request = kinds::change_to_json(c);
    if (half) entry.request[k_journal_half_field] = half;
    entry.plan_id = m_ctx.plan_id;
    auto id = m_journal.record_pending(m_ctx.team, entry, m_ctx.clock->now());
    // The commit makes the intent (and the bookkeeping grouped before it) durable; without it no
    // request may be sent.
    if (auto st = commit_bookkeeping(); !st) return std::move(st).error();
    return id;
  }

  void unknown_outcome(const core::Change& c) {
    ++m_report.unknown;
    m_report.stopped_early = true;
    const std::string msg = "outcome unknown; the next refresh reads it back";
    record(c, "unknown", msg);
    condition(c.key, "failed", "OutcomeUnknown", msg);
  }

  void succeeded(const core::Change& c) {
    record(c, "applied", "");
    condition(c.key, "ready", "Applied", c.reason);
    ++m_report.applied;
  }

  void execute(const core::Change& c) {
    if (c.action == core::Action::replace && c.order == core::ReplaceOrder::create_before_destroy) {
      execute_create_first(c);
      return;
    }
    auto id = journal_intent(c, nullptr);
    if (!id) {
      // Without the intent on disk no request may be sent.
      fail(c, std::nullopt, id.error(), true);
      return;
    }
    auto done = kinds::apply(*this, c, kinds::Half::whole);
    if (!done) {
      fail(c, *id, done.error(), false);
      return;
    }
    if (done->unknown) {
      unknown_outcome(c);
      return;  // the entry stays pending on purpose
    }
    if (auto st = apply_managed(c, "created"); !st) return bookkeeping_failed(c, st.error());
    complete_done(*id, done->result);
    succeeded(c);
  }

  void complete_done(int64_t id, const json& result) {
    begin_bookkeeping();
    if (auto r = m_journal.complete(id, "done", result, "", m_ctx.clock->now()); !r)
      spdlog::error("team {}: journal entry {} not completed: {}", m_ctx.team, id, r.error().describe());
  }

  // A create-before-destroy replace: the new object first, then the old one goes. Each half has
  // its own journal entry, written before its request, so a crash between them is read back half
  // by half: the create half resolves as done (the new object exists and becomes managed), the
  // delete half was never written or resolves as not happened (the old id is still there), and
  // the next plan sees the old object and removes it again.
  void execute_create_first(const core::Change& c) {
    const std::string old_id = kinds::replaced_id(c);
    if (old_id.empty()) {
      return fail(
          c, std::nullopt,
          util::make_error(ErrorKind::internal, std::string("a ") + core::to_string(c.kind()) +
                                                    " replace without the id of the object it replaces"),
          true);
    }
    auto create_id = journal_intent(c, k_half_create);
    if (!create_id) return fail(c, std::nullopt, create_id.error(), true);
    auto made = kinds::apply(*this, c, kinds::Half::create);
    if (!made) return fail(c, *create_id, made.error(), false);
    if (made->unknown) return unknown_outcome(c);
    // A 409 read back by natural key may find the old object: then Apple refused the new one
    // next to it, and deleting the old one would leave none.
    if (made->made_id.empty() || made->made_id == old_id) {
      return fail(c, *create_id,
                  util::make_error(ErrorKind::conflict, "App Store Connect refused a new " +
                                                            std::string(core::to_string(c.kind())) +
                                                            " next to the old one; the old one was kept"),
                  false);
    }
    if (auto st = apply_managed(c, "created"); !st) return bookkeeping_failed(c, st.error());
    complete_done(*create_id, made->result);

    auto delete_id = journal_intent(c, k_half_delete);
    if (!delete_id) return fail(c, std::nullopt, delete_id.error(), true);
    auto gone = kinds::apply(*this, c, kinds::Half::destroy);
    if (!gone) return fail(c, *delete_id, gone.error(), false);
    complete_done(*delete_id, gone->result);
    succeeded(c);
  }

  void fail(const core::Change& c, std::optional<int64_t> id, const util::Error& e, bool local) {
    const std::string msg = e.describe();
    spdlog::warn("team {}: {} {} failed: {}", m_ctx.team, core::to_string(c.action), c.key, msg);
    begin_bookkeeping();
    if (id) (void)m_journal.complete(*id, "failed", nullptr, msg, m_ctx.clock->now());
    record(c, "failed", msg);
    condition(c.key, "failed", local ? "LocalError" : "RequestFailed", msg);
    ++m_report.failed;
    // A transient failure (or a local one) will hit the next change too: stop and let the next
    // cycle retry from a fresh refresh. A terminal one (e.g. 409, 422) concerns this object only.
    if (local || util::is_retryable(e.kind) || e.kind == ErrorKind::auth) m_report.stopped_early = true;
    if (asc::is_budget_pause(e)) m_report.paused_for_budget = e;
  }

  const core::Plan& m_plan;
  ApplyContext& m_ctx;
  store::Mirror m_mirror;
  store::Journal m_journal;
  store::ManagedObjects m_managed;
  store::AuditTrail m_audit;
  store::Conditions m_conditions;
  std::optional<store::WriteTransaction> m_bookkeeping;  // see begin_bookkeeping()
  std::vector<kinds::MirrorUpdate> m_mirror_updates;     // see begin_bookkeeping()
  std::map<std::string, std::string> m_created_groups;   // group key -> id created by this apply
  ApplyReport m_report;
};

}  // namespace

ApplyReport apply_plan(const core::Plan& plan, ApplyContext& ctx) {
  return Executor(plan, ctx).run();
}

}  // namespace reconcile
