#include "reconcile/cycle.hpp"

#include <spdlog/spdlog.h>

#include <ctime>
#include <set>
#include <sstream>

#include "kinds/plan_json.hpp"
#include "kinds/render.hpp"
#include "store/apply_lock.hpp"
#include "store/audit.hpp"
#include "store/conditions.hpp"
#include "store/cycle_outcomes.hpp"
#include "store/database.hpp"
#include "store/events.hpp"
#include "store/managed.hpp"
#include "store/mirror.hpp"

namespace reconcile {

std::optional<util::TimePoint> budget_resume_at(const util::Error& pause, util::TimePoint now) {
  if (pause.retry_after_seconds <= 0) return std::nullopt;
  return now + std::chrono::seconds(pause.retry_after_seconds);
}

std::string budget_pause_summary(std::optional<util::TimePoint> until) {
  std::string out = "paused for budget";
  if (until) {
    const std::time_t t = std::chrono::system_clock::to_time_t(*until);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[16];
    std::strftime(buf, sizeof buf, "%H:%M", &tm);
    out += " until ~" + std::string(buf) + " UTC";
  }
  return out;
}

bool is_deadline_exceeded(const util::Error& error) {
  return error.kind == util::ErrorKind::timeout &&
         error.message.find(asc::k_cycle_deadline_exceeded) != std::string::npos;
}

std::string CycleReport::summary() const {
  const auto s = plan.summary();
  std::string out = std::to_string(s.add) + " to add, " + std::to_string(s.change) + " to change, " +
                    std::to_string(s.destroy) + " to destroy";
  if (s.adopt) out += ", " + std::to_string(s.adopt) + " to adopt";
  if (s.blocked) out += ", " + std::to_string(s.blocked) + " blocked";
  switch (outcome) {
    case util::CycleOutcome::converged:
      out += apply && apply->writes ? "; applied" : "; in sync";
      break;
    case util::CycleOutcome::changes:
      out += "; not applied (plan only)";
      break;
    case util::CycleOutcome::blocked:
      out += "; BLOCKED, nothing applied: ";
      if (!plan.valid())
        out += std::to_string(plan.errors.size()) + " plan error(s), first: " + plan.errors.front().message;
      else if (!guard.reasons.empty())
        out += guard.reasons.front();
      break;
    case util::CycleOutcome::partial:
      out += "; partly applied";
      if (apply)
        out += " (" + std::to_string(apply->failed) + " failed, " + std::to_string(apply->skipped) +
               " skipped, " + std::to_string(apply->unknown) + " unknown: " + apply->first_error() + ")";
      break;
    case util::CycleOutcome::failed:
    case util::CycleOutcome::cancelled:
    case util::CycleOutcome::paused:
      break;  // never a report's outcome: those end the cycle with an Error (or partial)
  }
  if (apply) out += "; " + std::to_string(apply->writes) + " writes";
  if (signing && (!signing->changes.empty() || signing->applied)) out += "; " + signing->summary();
  if (deadline_exceeded) out += "; stopped: " + std::string(asc::k_cycle_deadline_exceeded);
  if (paused_for_budget) out += "; " + budget_pause_summary(resume_at);
  return out;
}

namespace {

// Marks objects that changed outside ascsync since the last snapshot as drifted; the changes
// that correct them set them ready again.
void record_drift(const std::string& team, store::Database& db, int64_t run_id,
                  const core::ManagedSet& managed, const util::Clock& clock) {
  auto events = store::run_events(db, team, run_id);
  if (!events) {
    spdlog::error("team {}: could not read the drift events: {}", team, events.error().describe());
    return;
  }
  store::Conditions conditions(db);
  auto tx = store::WriteTransaction::begin(db);  // one commit for all of them, not one per row
  for (const auto& e : *events)
    if (managed.count(e.key))
      (void)conditions.set_condition(team, e.key, store::ConditionType::drifted, "ChangedOutsideAscsync",
                                     "App Store Connect shows " + e.kind + " that ascsync did not make",
                                     clock.now());
  if (tx) (void)tx->commit();
}

// Conditions of objects the current plan no longer mentions have converged.
void settle_conditions(const std::string& team, store::Database& db, const core::Plan& plan,
                       const util::Clock& clock) {
  std::set<std::string> open;
  for (const auto& c : plan.changes) open.insert(c.key);
  for (const auto& e : plan.errors) open.insert(e.key);
  store::Conditions conditions(db);
  auto all = conditions.conditions(team);
  if (!all) return;
  auto tx = store::WriteTransaction::begin(db);  // one commit for all of them, not one per row
  for (const auto& c : *all) {
    if (c.type == store::to_string(store::ConditionType::ready) || open.count(c.key)) continue;
    (void)conditions.set_condition(team, c.key, store::ConditionType::ready, "Converged",
                                   "matches the desired state", clock.now());
  }
  if (tx) (void)tx->commit();
}

void record_blocked(const std::string& team, store::Database& db, const core::Plan& plan,
                    const core::GuardResult& guard, const util::Clock& clock) {
  store::Conditions conditions(db);
  auto tx = store::WriteTransaction::begin(db);  // one commit for all of them, not one per row
  for (const auto& e : plan.errors)
    (void)conditions.set_condition(team, e.key, store::ConditionType::blocked, "PlanError",
                                   (e.loc.file.empty() ? "" : e.loc.str() + ": ") + e.message, clock.now());
  const std::string reasons = guard.reasons.empty() ? "" : guard.reasons.front();
  for (const auto& c : plan.changes)
    if (c.sends_requests() && !reasons.empty())
      (void)conditions.set_condition(team, c.key, store::ConditionType::blocked, "GuardRefused", reasons,
                                     clock.now());
  if (tx) (void)tx->commit();
}

// The plan being applied: at info a bounded summary (the closing "Plan:" line and the first
// changes' headlines), so adopting a 10,000-tester team is a few lines, not 10,000; the full
// rendering at debug (and the plan itself in the audit trail).
constexpr size_t k_logged_headlines = 20;

void log_applying(const std::string& team, const std::string& rendered) {
  spdlog::debug("team {}: applying plan\n{}", team, rendered);
  std::vector<std::string> headlines;
  size_t total = 0;
  std::string closing;
  std::istringstream lines(rendered);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("Plan:", 0) == 0) closing = line;
    // A change's headline: two spaces, then its symbol (+, -, ~, -/+, +/-, !, =) and a space.
    if (line.size() > 3 && line[0] == ' ' && line[1] == ' ' && line[2] != ' ') {
      const auto space = line.find(' ', 2);
      if (space == std::string::npos || space > 5) continue;
      if (++total <= k_logged_headlines) headlines.push_back(line);
    }
  }
  std::string text;
  for (const auto& h : headlines) text += "\n" + h;
  if (total > headlines.size())
    text += "\n  ... and " + std::to_string(total - headlines.size()) +
            " more (the full plan is logged at debug level and kept in the audit trail)";
  spdlog::info("team {}: applying plan{}{}", team, closing.empty() ? "" : ": " + closing, text);
}

// Sets the client's interrupt for one cycle and clears it afterwards (the daemon reuses clients).
class InterruptScope {
 public:
  InterruptScope(asc::Api* api, asc::Interrupt interrupt) : m_api(api) {
    if (m_api) m_api->client().set_interrupt(std::move(interrupt));
  }
  ~InterruptScope() {
    if (m_api) m_api->client().set_interrupt({});
  }
  InterruptScope(const InterruptScope&) = delete;
  InterruptScope& operator=(const InterruptScope&) = delete;

 private:
  asc::Api* m_api;
};

nlohmann::json plan_summary_json(const core::Plan& plan) {
  const auto s = plan.summary();
  return {{"add", s.add},         {"change", s.change},   {"destroy", s.destroy},
          {"adopt", s.adopt},     {"blocked", s.blocked}, {"changes", plan.changes.size()},
          {"outcome", "applying"}};
}

std::string describe_timeout(std::chrono::milliseconds t) {
  if (t.count() % 60000 == 0) return std::to_string(t.count() / 60000) + "m";
  if (t.count() % 1000 == 0) return std::to_string(t.count() / 1000) + "s";
  return std::to_string(t.count()) + "ms";
}

}  // namespace

namespace {

// A saved plan applies only to the mirror it was made from (the refresh just made it current).
util::Status check_saved_fingerprint(const std::string& team, const core::Snapshot& snapshot,
                                     const core::ManagedSet& managed, const CycleOptions& options) {
  if (!options.saved_fingerprint)
    return util::make_error(util::ErrorKind::internal, "a saved plan without its mirror fingerprint");
  const auto moved =
      store::changed_collections(*options.saved_fingerprint, store::snapshot_fingerprint(snapshot, managed));
  if (moved.empty()) return util::ok_status();
  std::string list;
  for (const auto& c : moved) list += (list.empty() ? "" : ", ") + c;
  return util::make_error(
      util::ErrorKind::client,
      std::string(k_saved_plan_stale) + " for team " + team +
          ": App Store Connect (or what ascsync manages) changed since the plan was made; "
          "moved: " +
          list + ". Nothing was applied; run `ascsync plan --out FILE` again and review it");
}

}  // namespace

int expected_refresh_requests(store::Database& db, const std::string& team) {
  store::Mirror mirror(db);
  auto last = mirror.last_successful_run(team);
  if (last && *last && (*last)->stats.requests_sent > 0)
    return static_cast<int>(std::min<int64_t>((*last)->stats.requests_sent, 100'000));
  return 1;  // unknown: the refresh itself stops at the reserve
}

namespace {

util::Result<CycleReport> run_cycle_impl(const std::string& team, const core::DesiredState& desired,
                                         asc::Api* api, store::Database& db, const util::Clock& clock,
                                         const CycleOptions& options, std::stop_token stop) {
  CycleReport report;
  const bool applying = options.mode == CycleMode::apply;
  std::optional<std::chrono::steady_clock::time_point> deadline;
  std::string deadline_what;
  if (options.timeout) {
    deadline = std::chrono::steady_clock::now() + *options.timeout;
    deadline_what = "cycle_timeout " + describe_timeout(*options.timeout);
  }
  const auto past_deadline = [&] { return deadline && std::chrono::steady_clock::now() >= *deadline; };
  // Every request of this cycle stops at a stop request or at the deadline (invariant 8).
  InterruptScope interrupt(api, asc::Interrupt{stop, deadline, deadline_what});

  // Two appliers (two CLIs, or a CLI and the daemon) never run at once.
  std::optional<store::ApplyLock> lock;
  if (applying) {
    // One lock per team and database: "<db>.<team>.lock".
    auto l = store::ApplyLock::acquire(db.path() + "." + team, options.lock_wait);
    if (!l) return l.error();
    lock.emplace(std::move(*l));
  }

  store::Mirror mirror(db);
  store::ManagedObjects managed_store(db);
  core::Snapshot snapshot;
  if (options.no_refresh && !applying) {
    auto has = mirror.has_snapshot(team);
    if (!has) return has.error();
    if (!*has)
      return util::make_error(util::ErrorKind::client,
                              "team " + team + " has no mirrored snapshot yet; run `ascsync mirror --team " +
                                  team + "` or plan without --no-refresh");
    auto s = mirror.load_snapshot(team);
    if (!s) return s.error();
    snapshot = std::move(*s);
  } else {
    if (!api) return util::make_error(util::ErrorKind::internal, "no App Store Connect client");
    // Invariant 7: a refresh that would run into the reserve is not started (its reads would be
    // wasted); the cycle pauses until the rolling hour gives enough back.
    if (auto room = api->client().budget_headroom(expected_refresh_requests(db, team)); !room)
      return room.error();
    auto r = refresh(team, *api, db, clock, read_set_for(desired));
    if (!r) return r.error();
    report.refresh = std::move(*r);
    snapshot = report.refresh->snapshot;
    if (applying && (desired.manage_signing || has_signing_intents(team, db))) {
      // Before the generic recovery: certificate and profile intents are settled by public key
      // and by name here (docs/certificates.md, "Crash recovery").
      auto settled = settle_signing(team, desired, *api, db, clock, snapshot, options.signing);
      if (!settled) return settled.error();
      for (const auto& c : settled->stored) snapshot.certificates.push_back(c);
      snapshot.normalize();
    }
    if (applying) {
      auto rec = resolve_pending(team, db, snapshot, clock);
      if (!rec) return rec.error();
      report.recovery = *rec;
    }
  }
  if (stop.stop_requested()) return util::make_error(util::ErrorKind::cancelled, "stop requested");
  if (past_deadline())
    return util::make_error(util::ErrorKind::timeout, std::string(asc::k_cycle_deadline_exceeded) + " (" +
                                                          deadline_what +
                                                          ") before planning; nothing planned");

  auto managed = managed_store.load_managed(team);
  if (!managed) return managed.error();
  if (report.refresh && applying) record_drift(team, db, report.refresh->run_id, *managed, clock);

  if (options.saved_plan && applying) {
    if (auto fresh = check_saved_fingerprint(team, snapshot, *managed, options); !fresh) return fresh.error();
    report.plan = *options.saved_plan;
  } else {
    report.plan = core::make_plan(desired, snapshot, *managed, clock.now());
  }
  report.guard = core::guard(report.plan, desired.policy, *managed);
  if (options.fingerprint && !applying) report.fingerprint = store::snapshot_fingerprint(snapshot, *managed);
  if (desired.manage_signing) {
    auto signing = plan_signing(desired, snapshot, api, db, team, clock);
    if (!signing) return signing.error();
    report.signing = std::move(*signing);
  }

  if (!applying) {
    report.outcome = report.plan.empty() ? util::CycleOutcome::converged : util::CycleOutcome::changes;
    if (report.outcome == util::CycleOutcome::converged && report.signing && report.signing->has_changes())
      report.outcome = util::CycleOutcome::changes;
    if (!report.plan.valid() || (!report.plan.empty() && !report.guard.allowed))
      report.outcome = util::CycleOutcome::blocked;
    if (report.signing && report.signing->has_blocked()) report.outcome = util::CycleOutcome::blocked;
    return report;
  }

  if (!report.plan.valid() || !report.guard.allowed) {
    // A blocked plan applies nothing (invariant 2), and says why.
    record_blocked(team, db, report.plan, report.guard, clock);
    report.outcome = util::CycleOutcome::blocked;
    spdlog::warn("team {}: {}", team, report.summary());
    return report;
  }

  bool anything = false;
  for (const auto& c : report.plan.changes) anything = anything || c.action != core::Action::blocked;
  if (anything) {
    log_applying(team, kinds::render_text(report.plan, &report.guard, {}));
    store::AuditTrail audit(db);
    auto plan_id = audit.record_plan(team, kinds::plan_to_json(report.plan), clock.now(),
                                     plan_summary_json(report.plan));
    if (!plan_id) return plan_id.error();
    report.plan_id = *plan_id;
    ApplyContext ctx;
    ctx.team = team;
    ctx.api = api;
    ctx.db = &db;
    ctx.clock = &clock;
    ctx.snapshot = &snapshot;
    ctx.plan_id = *plan_id;
    ctx.stop = stop;
    ctx.deadline = deadline;
    ctx.crash_after_writes = options.crash_after_writes;
    report.apply = apply_plan(report.plan, ctx);
    // The full plan stays only when it wrote something (or may have: unknown outcomes); the
    // audit records of the changes say what each one came to either way.
    const bool wrote = report.apply->writes > 0 || report.apply->unknown > 0;
    auto summary = plan_summary_json(report.plan);
    summary["outcome"] = report.apply->ok() ? "applied" : "partial";
    summary["writes"] = report.apply->writes;
    summary["applied"] = report.apply->applied;
    summary["adopted"] = report.apply->adopted;
    summary["failed"] = report.apply->failed;
    summary["skipped"] = report.apply->skipped;
    summary["unknown"] = report.apply->unknown;
    if (auto st = audit.finish_plan(*plan_id, summary, wrote); !st)
      spdlog::error("team {}: could not record the plan's summary: {}", team, st.error().describe());
  }
  report.deadline_exceeded = report.apply && report.apply->stopped_early && past_deadline();
  if (report.apply && report.apply->paused_for_budget) {
    report.paused_for_budget = report.apply->paused_for_budget;
    report.resume_at = budget_resume_at(*report.paused_for_budget, clock.now());
  }
  // A saved plan is applied exactly: certificates and profiles are not part of it (they are
  // re-assessed and shown, and applied by the next `ascsync apply` or daemon cycle).
  if (report.signing && !options.saved_plan && (!report.apply || report.apply->ok()) && !past_deadline() &&
      !stop.stop_requested()) {
    if (report.signing->has_changes() || report.signing->has_blocked()) {
      spdlog::info("team {}: applying certificates and profiles\n{}", team, report.signing->text());
      if (auto st =
              apply_signing(*report.signing, team, desired, *api, db, clock, options.signing, report.plan_id,
                            options.crash_after_writes, report.apply ? report.apply->writes : 0);
          !st)
        return st.error();
    }
  }
  settle_conditions(team, db, report.plan, clock);
  report.outcome =
      (!report.apply || report.apply->ok()) ? util::CycleOutcome::converged : util::CycleOutcome::partial;
  if (report.signing && report.signing->applied) {
    const auto& a = *report.signing->applied;
    if (a.failed > 0 || a.unknown > 0)
      report.outcome = util::CycleOutcome::partial;
    else if (a.blocked > 0 && report.outcome == util::CycleOutcome::converged)
      report.outcome = util::CycleOutcome::blocked;
  }
  spdlog::info("team {}: {}", team, report.summary());
  return report;
}

}  // namespace

util::Result<CycleReport> run_cycle(const std::string& team, const core::DesiredState& desired, asc::Api* api,
                                    store::Database& db, const util::Clock& clock,
                                    const CycleOptions& options, std::stop_token stop) {
  auto report = run_cycle_impl(team, desired, api, db, clock, options, stop);
  if (options.mode != CycleMode::apply) return report;
  // What the cycle came to, for `ascsync status` (not only the refresh's outcome).
  store::CycleOutcomeRow row;
  row.team = team;
  row.finished_at = clock.now();
  if (!report) {
    const util::Error& e = report.error();
    if (e.kind == util::ErrorKind::cancelled) return report;
    if (asc::is_budget_pause(e)) {
      row.outcome = util::to_string(util::CycleOutcome::paused);
      row.resume_at = budget_resume_at(e, clock.now());
      row.summary = budget_pause_summary(row.resume_at) + "; nothing read or planned this cycle";
    } else {
      row.outcome = util::to_string(util::CycleOutcome::failed);
      row.summary = "failed: " + e.describe();
    }
    row.error = e.describe();
  } else {
    row.summary = report->summary();
    if (report->paused_for_budget) {
      row.outcome = util::to_string(util::CycleOutcome::paused);
      row.error = report->paused_for_budget->describe();
      row.resume_at = report->resume_at;
    } else {
      // An applying cycle's report is converged, blocked or partial.
      row.outcome = util::to_string(report->outcome);
      if (report->outcome == util::CycleOutcome::partial && report->apply)
        row.error = report->apply->first_error();
    }
  }
  if (auto st = store::record_cycle_outcome(db, row); !st)
    spdlog::error("team {}: could not record the cycle's outcome: {}", team, st.error().describe());
  // Retention runs here, once per applying cycle of the team, after everything the cycle wrote
  // (its own sync run is then the team's latest and is never pruned).
  if (options.retention) {
    auto pruned = store::prune(db, team, *options.retention, clock.now());
    if (!pruned)
      spdlog::warn("team {}: retention: {}", team, pruned.error().describe());
    else if (pruned->total() > 0)
      spdlog::info("team {}: retention pruned {} sync runs, {} events, {} plans, {} audit, {} journal rows",
                   team, pruned->sync_runs, pruned->events, pruned->plans, pruned->audit, pruned->journal);
  }
  return report;
}

}  // namespace reconcile
