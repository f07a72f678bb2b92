#include "service/scheduler.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <condition_variable>
#include <map>
#include <mutex>
#include <random>

namespace service {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Everything a worker touches lives here, owned jointly by the Scheduler and every worker, so
// that a worker abandoned at stop can finish without touching a destroyed Scheduler.
struct Scheduler::Shared {
  std::shared_ptr<util::Clock> clock;
  CycleFn cycle;
  SchedulerOptions options;

  mutable std::mutex mutex;
  std::condition_variable wake_cv;          // workers wait here for their next run
  mutable std::condition_variable idle_cv;  // signalled after every cycle and worker exit
  bool stopping = false;
  std::map<std::string, std::shared_ptr<Team>> teams;  // active teams
  std::mt19937_64 rng;

  // Separate from `mutex` so that a slow callback never blocks status reads.
  std::mutex done_mutex;
  CycleDoneFn on_done;  // cleared when workers are abandoned
};

struct Scheduler::Team {
  TeamSchedule schedule;
  seconds jitter{0};
  bool retired = false;
  bool trigger = false;
  bool running = false;
  bool exited = false;
  util::TimePoint next_run;
  std::optional<util::TimePoint> last_started;
  std::optional<util::TimePoint> last_finished;
  std::optional<util::TimePoint> last_success;
  std::optional<CycleResult> last_result;
  int consecutive_failures = 0;
  long long cycles = 0;
  std::stop_source stop;
};

namespace {

seconds effective_jitter(const TeamSchedule& s) {
  const seconds j = s.jitter ? *s.jitter : seconds(s.interval.count() / 10);
  // Never so much jitter that a wait could reach zero.
  return std::clamp(j, seconds(0), std::max(seconds(0), s.interval / 2));
}

milliseconds sample_jitter(std::mt19937_64& rng, seconds jitter) {
  if (jitter.count() <= 0) return milliseconds(0);
  const long long ms = milliseconds(jitter).count();
  std::uniform_int_distribution<long long> dist(-ms, ms);
  return milliseconds(dist(rng));
}

seconds backoff_delay(const SchedulerOptions& options, const TeamSchedule& s, int failures) {
  const seconds cap = options.backoff_max.count() > 0 ? options.backoff_max : s.interval;
  seconds delay = std::max(options.backoff_initial, seconds(1));
  for (int i = 1; i < failures && delay < cap; ++i) delay *= 2;
  return std::min(delay, cap);
}

// The next run after a cycle that finished at `finished`; updates the failure streak.
util::TimePoint next_run_after(Scheduler::Shared& sh, Scheduler::Team& t, const CycleResult& r,
                               util::TimePoint finished) {
  const bool failed = util::is_failure(r.outcome);
  t.consecutive_failures = failed ? t.consecutive_failures + 1 : 0;
  if (r.requeue_after) return finished + *r.requeue_after;
  if (failed) return finished + backoff_delay(sh.options, t.schedule, t.consecutive_failures);
  return finished + t.schedule.interval + sample_jitter(sh.rng, t.jitter);
}

CycleResult run_cycle(Scheduler::Shared& sh, const std::string& name, std::stop_token token) {
  try {
    return sh.cycle(name, std::move(token));
  } catch (const std::exception& e) {
    CycleResult r;
    r.outcome = util::CycleOutcome::failed;
    r.error = std::string("cycle threw: ") + e.what();
    return r;
  } catch (...) {
    CycleResult r;
    r.outcome = util::CycleOutcome::failed;
    r.error = "cycle threw an unknown exception";
    return r;
  }
}

void worker_loop(const std::shared_ptr<Scheduler::Shared>& sh, const std::shared_ptr<Scheduler::Team>& t) {
  std::unique_lock lock(sh->mutex);
  while (!sh->stopping && !t->retired) {
    const util::TimePoint now = sh->clock->now();
    if (!t->trigger && now < t->next_run) {
      const auto until_due = std::chrono::duration_cast<milliseconds>(t->next_run - now) + milliseconds(1);
      sh->wake_cv.wait_for(lock, std::min(until_due, sh->options.max_wait));
      continue;
    }
    t->trigger = false;
    t->running = true;
    t->last_started = now;
    t->stop = std::stop_source();
    const std::stop_token token = t->stop.get_token();
    const std::string name = t->schedule.name;
    lock.unlock();

    const auto started = std::chrono::steady_clock::now();
    CycleResult result = run_cycle(*sh, name, token);
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - started;

    lock.lock();
    const util::TimePoint finished = sh->clock->now();
    t->running = false;
    t->last_finished = finished;
    ++t->cycles;
    if (result.ok()) t->last_success = finished;
    t->next_run = next_run_after(*sh, *t, result, finished);
    t->last_result = result;
    const bool report = !t->retired;
    lock.unlock();

    if (report) {
      std::lock_guard done(sh->done_mutex);
      if (sh->on_done) sh->on_done(name, result, elapsed, finished);
    }
    if (util::is_failure(result.outcome) || result.outcome == util::CycleOutcome::blocked)
      spdlog::warn("team {}: cycle {}: {}", name, util::metric_label(result.outcome), result.error);
    else if (result.outcome == util::CycleOutcome::cancelled)
      spdlog::info("team {}: cycle cancelled", name);
    else if (result.outcome == util::CycleOutcome::paused)
      spdlog::info("team {}: {}", name, result.summary);
    lock.lock();
    sh->idle_cv.notify_all();
  }
  t->exited = true;
  sh->idle_cv.notify_all();
}

}  // namespace

Scheduler::Scheduler(CycleFn cycle, std::shared_ptr<util::Clock> clock, SchedulerOptions options,
                     CycleDoneFn on_done)
    : m_shared(std::make_shared<Shared>()) {
  m_shared->clock = std::move(clock);
  m_shared->cycle = std::move(cycle);
  m_shared->options = options;
  m_shared->on_done = std::move(on_done);
  m_shared->rng.seed(options.seed != 0 ? options.seed
                                       : (uint64_t{std::random_device{}()} << 32) ^ std::random_device{}());
}

Scheduler::~Scheduler() {
  stop(m_shared->options.stop_deadline);
}

void Scheduler::set_teams(const std::vector<TeamSchedule>& teams) {
  std::lock_guard lock(m_shared->mutex);
  if (m_stopped) return;
  const util::TimePoint now = m_shared->clock->now();
  std::map<std::string, const TeamSchedule*> wanted;
  for (const auto& s : teams) wanted[s.name] = &s;

  for (auto it = m_shared->teams.begin(); it != m_shared->teams.end();) {
    if (wanted.count(it->first) == 0) {
      it->second->retired = true;
      it->second->stop.request_stop();
      spdlog::info("team {}: removed from the configuration", it->first);
      it = m_shared->teams.erase(it);
    } else {
      ++it;
    }
  }
  for (const auto& [name, s] : wanted) {
    const auto found = m_shared->teams.find(name);
    if (found != m_shared->teams.end()) {
      Team& t = *found->second;
      const bool changed = t.schedule.interval != s->interval || t.jitter != effective_jitter(*s);
      t.schedule = *s;
      t.jitter = effective_jitter(*s);
      if (changed && !t.running && t.consecutive_failures == 0 && t.last_finished)
        t.next_run = *t.last_finished + t.schedule.interval + sample_jitter(m_shared->rng, t.jitter);
      continue;
    }
    auto t = std::make_shared<Team>();
    t->schedule = *s;
    t->jitter = effective_jitter(*s);
    t->next_run = now;
    m_shared->teams[name] = t;
    m_workers.push_back(Worker{t, std::thread(worker_loop, m_shared, t)});
  }
  reap_exited_locked();
  m_shared->wake_cv.notify_all();
}

void Scheduler::reap_exited_locked() {
  for (auto it = m_workers.begin(); it != m_workers.end();) {
    if (it->team->exited && it->thread.joinable()) {
      // exited is set just before the thread returns; join waits out that last step only.
      it->thread.join();
      it = m_workers.erase(it);
    } else {
      ++it;
    }
  }
}

bool Scheduler::trigger(const std::string& team) {
  std::lock_guard lock(m_shared->mutex);
  const auto it = m_shared->teams.find(team);
  if (it == m_shared->teams.end()) return false;
  it->second->trigger = true;
  m_shared->wake_cv.notify_all();
  return true;
}

void Scheduler::trigger_all() {
  std::lock_guard lock(m_shared->mutex);
  for (auto& [name, t] : m_shared->teams) t->trigger = true;
  m_shared->wake_cv.notify_all();
}

void Scheduler::wake() {
  std::lock_guard lock(m_shared->mutex);
  m_shared->wake_cv.notify_all();
}

bool Scheduler::stop(milliseconds deadline) {
  std::unique_lock lock(m_shared->mutex);
  if (m_stopped && m_workers.empty()) return true;
  m_stopped = true;
  m_shared->stopping = true;
  for (auto& w : m_workers) w.team->stop.request_stop();
  m_shared->wake_cv.notify_all();
  const auto all_exited = [&] {
    return std::all_of(m_workers.begin(), m_workers.end(), [](const Worker& w) { return w.team->exited; });
  };
  const bool clean = m_shared->idle_cv.wait_for(lock, deadline, all_exited);
  std::vector<Worker> workers = std::move(m_workers);
  m_workers.clear();
  lock.unlock();

  if (!clean) {
    std::lock_guard done(m_shared->done_mutex);
    m_shared->on_done = nullptr;
  }
  for (auto& w : workers) {
    if (w.team->exited) {
      w.thread.join();
    } else {
      spdlog::error("team {}: cycle ignored the stop request; abandoning it", w.team->schedule.name);
      w.thread.detach();
    }
  }
  return clean;
}

std::vector<TeamStatus> Scheduler::snapshot() const {
  std::lock_guard lock(m_shared->mutex);
  std::vector<TeamStatus> out;
  for (const auto& [name, t] : m_shared->teams) {
    TeamStatus s;
    s.name = name;
    s.interval = t->schedule.interval;
    s.jitter = t->jitter;
    s.running = t->running;
    s.trigger_pending = t->trigger;
    s.next_run = t->next_run;
    s.last_started = t->last_started;
    s.last_finished = t->last_finished;
    s.last_success = t->last_success;
    s.last_result = t->last_result;
    s.consecutive_failures = t->consecutive_failures;
    s.cycles = t->cycles;
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<std::string> Scheduler::team_names() const {
  std::lock_guard lock(m_shared->mutex);
  std::vector<std::string> out;
  for (const auto& [name, t] : m_shared->teams) out.push_back(name);
  return out;
}

bool Scheduler::wait_idle(milliseconds timeout) const {
  std::unique_lock lock(m_shared->mutex);
  return m_shared->idle_cv.wait_for(lock, timeout, [&] {
    const util::TimePoint now = m_shared->clock->now();
    return std::all_of(m_shared->teams.begin(), m_shared->teams.end(), [&](const auto& entry) {
      const Team& t = *entry.second;
      return !t.running && !t.trigger && now < t.next_run;
    });
  });
}

}  // namespace service
