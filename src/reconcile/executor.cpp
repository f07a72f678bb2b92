#include "reconcile/executor.hpp"

#include <spdlog/spdlog.h>

#include <csignal>

#include "core/payload_json.hpp"
#include "core/plan_json.hpp"
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

// What one change's execution produced.
struct Done {
  json result = json::object();
  bool unknown = false;  // the write may or may not have happened
};

// Requests a change may need, checked against the budget before it starts.
constexpr int k_requests_per_change = 3;

class Executor {
 public:
  Executor(const core::Plan& plan, ApplyContext& ctx)
      : m_plan(plan),
        m_ctx(ctx),
        m_mirror(*ctx.db),
        m_journal(*ctx.db),
        m_managed(*ctx.db),
        m_audit(*ctx.db),
        m_conditions(*ctx.db) {
    for (const auto& g : ctx.snapshot->groups) m_groups[g.id] = &g;
  }

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
  void begin_bookkeeping() {
    if (m_bookkeeping) return;
    auto tx = store::WriteTransaction::begin(*m_ctx.db);
    if (!tx) {
      // Not fatal: each row then commits on its own, as it would without grouping.
      spdlog::warn("team {}: cannot group bookkeeping writes: {}", m_ctx.team, tx.error().describe());
      return;
    }
    m_bookkeeping.emplace(std::move(*tx));
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
    a.change_kind = core::to_string(c.kind);
    a.change_key = c.key;
    a.action = core::to_string(c.action);
    a.before = c.before;
    a.after = c.after;
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
    store::JournalEntry entry;
    entry.kind = core::to_string(c.kind);
    entry.action = core::to_string(c.action);
    entry.natural_key = c.key;
    entry.request = core::change_to_json(c);
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
    // A payload the executor cannot read is a bug: refuse before anything is journaled or sent.
    if (auto s = core::check_payload(c); !s) return fail(c, std::nullopt, s.error(), true);
    auto id = journal_intent(c, nullptr);
    if (!id) {
      // Without the intent on disk no request may be sent.
      fail(c, std::nullopt, id.error(), true);
      return;
    }
    auto done = dispatch(c);
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
    std::optional<core::GroupPayload> group;
    std::optional<core::InvitationPayload> invitation;
    std::string old_id;
    if (c.kind == core::ChangeKind::group) {
      auto p = core::decode_group(c);
      if (!p) return fail(c, std::nullopt, p.error(), true);
      old_id = p->group_id;
      group = std::move(*p);
    } else if (c.kind == core::ChangeKind::invitation) {
      auto p = core::decode_invitation(c);
      if (!p) return fail(c, std::nullopt, p.error(), true);
      old_id = p->invitation_id;
      invitation = std::move(*p);
    } else {
      return fail(
          c, std::nullopt,
          util::make_error(ErrorKind::internal, std::string("the executor cannot create a new ") +
                                                    core::to_string(c.kind) + " before deleting the old one"),
          true);
    }
    auto create_id = journal_intent(c, k_half_create);
    if (!create_id) return fail(c, std::nullopt, create_id.error(), true);
    auto made = group ? create_group(c.key, *group) : create_invitation(*invitation);
    if (!made) return fail(c, *create_id, made.error(), false);
    if (made->unknown) return unknown_outcome(c);
    // A 409 read back by natural key may find the old object: then Apple refused the new one
    // next to it, and deleting the old one would leave none.
    const auto made_id = made->result.find(group ? "group_id" : "invitation_id");
    if (made_id == made->result.end() || *made_id == old_id) {
      return fail(c, *create_id,
                  util::make_error(ErrorKind::conflict, "App Store Connect refused a new " +
                                                            std::string(core::to_string(c.kind)) +
                                                            " next to the old one; the old one was kept"),
                  false);
    }
    if (auto st = apply_managed(c, "created"); !st) return bookkeeping_failed(c, st.error());
    complete_done(*create_id, made->result);

    auto delete_id = journal_intent(c, k_half_delete);
    if (!delete_id) return fail(c, std::nullopt, delete_id.error(), true);
    auto gone = group ? delete_group(old_id) : delete_invitation(old_id);
    if (!gone) return fail(c, *delete_id, gone.error(), false);
    complete_done(*delete_id, {{"deleted", old_id}});
    succeeded(c);
  }

  util::Status delete_group(const std::string& id) {
    auto s = m_ctx.api->delete_beta_group(id);
    if (!s && s.error().kind != ErrorKind::not_found) return s.error();
    wrote();
    (void)mirror_ok(m_mirror.delete_group(m_ctx.team, id));
    return util::ok_status();
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

  // Called after every successful write request.
  void wrote() {
    ++m_report.writes;
    if (m_ctx.crash_after_writes > 0 && m_report.writes >= m_ctx.crash_after_writes) {
      spdlog::critical("crash point reached after {} writes (ASCSYNC_CRASH_AFTER_WRITES)", m_report.writes);
      spdlog::default_logger()->flush();
      std::raise(SIGKILL);
    }
  }

  util::Status mirror_ok(util::Status s) {
    if (!s) spdlog::error("team {}: mirror update failed: {}", m_ctx.team, s.error().describe());
    return s;
  }

  // Resolves a group reference: its id, or the id of a group this apply created.
  std::optional<std::string> group_id(const core::GroupRef& ref) {
    if (ref.id) return *ref.id;
    auto it = m_created_groups.find(ref.key);
    if (it != m_created_groups.end()) return it->second;
    return std::nullopt;
  }

  util::Result<Done> dispatch(const core::Change& c) {
    using core::Action;
    using core::ChangeKind;
    switch (c.kind) {
      case ChangeKind::invitation: {
        auto p = core::decode_invitation(c);
        if (!p) return p.error();
        if (c.action == Action::create) return create_invitation(*p);
        if (c.action == Action::replace) {
          if (auto s = delete_invitation(p->invitation_id); !s) return s.error();
          return create_invitation(*p);
        }
        if (c.action == Action::destroy) {
          if (auto s = delete_invitation(p->invitation_id); !s) return s.error();
          return Done{};
        }
        break;
      }
      case ChangeKind::user: {
        auto p = core::decode_user(c);
        if (!p) return p.error();
        if (c.action == Action::update) return update_user(*p);
        if (c.action == Action::destroy) {
          auto s = m_ctx.api->delete_user(p->user_id);
          if (!s && s.error().kind != ErrorKind::not_found) return s.error();
          wrote();
          (void)mirror_ok(m_mirror.delete_user(m_ctx.team, p->user_id));
          return Done{};
        }
        break;
      }
      case ChangeKind::group: {
        auto p = core::decode_group(c);
        if (!p) return p.error();
        if (c.action == Action::create) return create_group(c.key, *p);
        if (c.action == Action::replace) {
          if (auto s = delete_group(p->group_id); !s) return s.error();
          return create_group(c.key, *p);
        }
        if (c.action == Action::update) return update_group(*p);
        if (c.action == Action::destroy) {
          if (auto s = delete_group(p->group_id); !s) return s.error();
          return Done{};
        }
        break;
      }
      case ChangeKind::tester: {
        auto p = core::decode_tester(c);
        if (!p) return p.error();
        if (c.action == Action::create) return create_tester(*p);
        if (c.action == Action::destroy) {
          auto s = m_ctx.api->delete_beta_tester(p->tester_id);
          if (!s && s.error().kind != ErrorKind::not_found) return s.error();
          wrote();
          (void)mirror_ok(m_mirror.delete_tester(m_ctx.team, p->tester_id));
          return Done{};
        }
        break;
      }
      case ChangeKind::membership: {
        auto p = core::decode_membership(c);
        if (!p) return p.error();
        if (c.action == Action::add_members || c.action == Action::remove_members)
          return change_members(*p, c.action == Action::add_members);
        break;
      }
    }
    return util::make_error(ErrorKind::internal, std::string("the executor has no rule for ") +
                                                     core::to_string(c.action) + " " +
                                                     core::to_string(c.kind));
  }

  util::Status delete_invitation(const std::string& id) {
    auto s = m_ctx.api->delete_user_invitation(id);
    if (!s && s.error().kind != ErrorKind::not_found) return s.error();  // gone already: fine
    wrote();
    (void)mirror_ok(m_mirror.delete_invitation(m_ctx.team, id));
    return util::ok_status();
  }

  util::Result<Done> create_invitation(const core::InvitationPayload& p) {
    const core::InvitationTerms& t = *p.terms;  // decode_invitation sets it for create and replace
    auto inv =
        m_ctx.api->create_user_invitation(p.email, t.first_name, t.last_name, t.roles, t.all_apps_visible,
                                          t.provisioning_allowed, t.visible_app_ids);
    if (!inv) {
      // 409 (already invited / already a user) or an unclear outcome: read back by email.
      if (inv.error().kind == ErrorKind::conflict || util::is_retryable(inv.error().kind)) {
        auto found = m_ctx.api->find_user_invitation_by_email(p.email);
        if (!found) return Done{json::object(), true};
        if (*found) {
          (void)mirror_ok(m_mirror.upsert_invitation(m_ctx.team, **found));
          return Done{{{"invitation_id", (*found)->id}, {"read_back", true}}};
        }
        if (inv.error().kind != ErrorKind::conflict) return Done{json::object(), true};
      }
      return inv.error();
    }
    wrote();
    (void)mirror_ok(m_mirror.upsert_invitation(m_ctx.team, *inv));
    return Done{{{"invitation_id", inv->id}}};
  }

  util::Result<Done> update_user(const core::UserPayload& p) {
    const core::UserAccess& a = *p.access;  // decode_user sets it for update
    auto user = m_ctx.api->update_user(p.user_id, a.roles, a.all_apps_visible, a.provisioning_allowed,
                                       a.visible_app_ids.value_or(std::vector<std::string>{}));
    if (!user) return user.error();
    wrote();
    (void)mirror_ok(m_mirror.upsert_user(m_ctx.team, *user));
    return Done{{{"user_id", user->id}}};
  }

  util::Result<Done> create_group(const std::string& key, const core::GroupPayload& p) {
    const core::GroupAttributes& a = p.attributes;  // decode_group sets every creation attribute
    auto group = m_ctx.api->create_beta_group(
        p.app_id, p.name, a.is_internal.value_or(false), a.has_access_to_all_builds.value_or(false),
        a.public_link_enabled.value_or(false), a.public_link_limit, a.feedback_enabled.value_or(true));
    if (!group) {
      if (group.error().kind == ErrorKind::conflict || util::is_retryable(group.error().kind)) {
        auto found = m_ctx.api->find_beta_group(p.app_id, p.name);
        if (!found) return Done{json::object(), true};
        if (*found) {
          (void)mirror_ok(m_mirror.upsert_group(m_ctx.team, **found));
          m_created_groups[key] = (*found)->id;
          return Done{{{"group_id", (*found)->id}, {"read_back", true}}};
        }
        if (group.error().kind != ErrorKind::conflict) return Done{json::object(), true};
      }
      return group.error();
    }
    wrote();
    (void)mirror_ok(m_mirror.upsert_group(m_ctx.team, *group));
    m_created_groups[key] = group->id;
    return Done{{{"group_id", group->id}}};
  }

  util::Result<Done> update_group(const core::GroupPayload& p) {
    const auto it = m_groups.find(p.group_id);
    if (it == m_groups.end())
      return util::make_error(ErrorKind::internal, "group " + p.group_id + " is not in the snapshot");
    const core::BetaGroup& cur = *it->second;
    // The PATCH carries every mutable attribute: the changed ones, the rest as they are now.
    const core::GroupAttributes& d = p.attributes;
    const bool link = d.public_link_enabled.value_or(cur.public_link_enabled);
    const bool limit_on = d.public_link_limit_enabled.value_or(cur.public_link_limit_enabled);
    std::optional<int> limit;
    if (limit_on) limit = d.public_link_limit ? d.public_link_limit : cur.public_link_limit;
    auto group = m_ctx.api->update_beta_group(cur, cur.name, link, limit,
                                              d.feedback_enabled.value_or(cur.feedback_enabled));
    if (!group) return group.error();
    wrote();
    (void)mirror_ok(m_mirror.upsert_group(m_ctx.team, *group));
    return Done{{{"group_id", group->id}}};
  }

  util::Result<Done> create_tester(const core::TesterPayload& p) {
    std::vector<std::string> group_ids;
    for (const auto& ref : p.groups) {
      auto id = group_id(ref);
      if (!id)
        return util::make_error(ErrorKind::client,
                                "group " + ref.key + " was not created; the tester waits for it");
      group_ids.push_back(*id);
    }
    auto tester = m_ctx.api->create_beta_tester(p.email, p.first_name, p.last_name, group_ids);
    if (!tester) {
      if (tester.error().kind == ErrorKind::conflict || util::is_retryable(tester.error().kind)) {
        auto found = m_ctx.api->find_beta_tester_by_email(p.email);
        if (!found) return Done{json::object(), true};
        if (*found) {
          // The tester exists (e.g. created before a crash): make sure it is in every group.
          core::BetaTester t = **found;
          std::vector<std::string> missing;
          for (const auto& g : group_ids)
            if (std::find(t.group_ids.begin(), t.group_ids.end(), g) == t.group_ids.end())
              missing.push_back(g);
          for (const auto& g : missing) {
            if (auto s = m_ctx.api->add_testers_to_group(g, {t.id}); !s) return s.error();
            wrote();
            t.group_ids.push_back(g);
          }
          (void)mirror_ok(m_mirror.upsert_tester(m_ctx.team, t));
          return Done{{{"tester_id", t.id}, {"read_back", true}}};
        }
        if (tester.error().kind != ErrorKind::conflict) return Done{json::object(), true};
      }
      return tester.error();
    }
    wrote();
    core::BetaTester t = *tester;
    if (t.group_ids.empty()) t.group_ids = group_ids;
    (void)mirror_ok(m_mirror.upsert_tester(m_ctx.team, t));
    return Done{{{"tester_id", t.id}}};
  }

  util::Result<Done> change_members(const core::MembershipPayload& p, bool add) {
    auto gid = group_id(p.group);
    if (!gid) return util::make_error(ErrorKind::client, "group " + p.group.key + " was not created");
    std::vector<std::string> ids;
    ids.reserve(p.testers.size());
    for (const auto& t : p.testers) ids.push_back(t.id);
    auto s =
        add ? m_ctx.api->add_testers_to_group(*gid, ids) : m_ctx.api->remove_testers_from_group(*gid, ids);
    if (!s) return s.error();
    wrote();
    (void)mirror_ok(add ? m_mirror.add_memberships(m_ctx.team, *gid, ids)
                        : m_mirror.remove_memberships(m_ctx.team, *gid, ids));
    return Done{{{"group_id", *gid}, {"testers", ids.size()}}};
  }

  const core::Plan& m_plan;
  ApplyContext& m_ctx;
  store::Mirror m_mirror;
  store::Journal m_journal;
  store::ManagedObjects m_managed;
  store::AuditTrail m_audit;
  store::Conditions m_conditions;
  std::optional<store::WriteTransaction> m_bookkeeping;  // see begin_bookkeeping()
  std::map<std::string, const core::BetaGroup*> m_groups;
  std::map<std::string, std::string> m_created_groups;  // group key -> id created by this apply
  ApplyReport m_report;
};

}  // namespace

ApplyReport apply_plan(const core::Plan& plan, ApplyContext& ctx) {
  return Executor(plan, ctx).run();
}

}  // namespace reconcile
