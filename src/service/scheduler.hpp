#pragma once
// Runs the cycle function per team, level-triggered like a controller: timers, triggers and
// reloads only mark a team due; the team's own worker thread runs it. Teams are independent —
// one team's slow or hanging cycle never delays another.
//
// Timing, per team: the first cycle at once; after a success (or a blocked plan) the next one
// `interval ± jitter` after it finished; after a failure sooner, with exponential backoff
// (backoff_initial doubling up to backoff_max); CycleResult::requeue_after overrides both.
// Triggers coalesce: any number of them while a cycle runs yield one more cycle.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "service/cycle_result.hpp"
#include "util/clock.hpp"

namespace service {

struct SchedulerOptions {
  std::chrono::seconds backoff_initial{30};
  std::chrono::seconds backoff_max{0};  // 0 = the team's interval
  // Longest real sleep before a worker re-reads the clock (guards against wall-clock jumps).
  std::chrono::milliseconds max_wait{std::chrono::seconds(60)};
  // What the destructor gives in-flight cycles to honour their stop token.
  std::chrono::milliseconds stop_deadline{std::chrono::seconds(10)};
  uint64_t seed = 0;  // jitter randomness; 0 = seeded from std::random_device
};

// A point-in-time copy of one team's scheduling state.
struct TeamStatus {
  std::string name;
  std::chrono::seconds interval{0};
  std::chrono::seconds jitter{0};
  bool running = false;
  bool trigger_pending = false;
  util::TimePoint next_run;  // meaningless while running
  std::optional<util::TimePoint> last_started;
  std::optional<util::TimePoint> last_finished;
  std::optional<util::TimePoint> last_success;
  std::optional<CycleResult> last_result;
  int consecutive_failures = 0;
  long long cycles = 0;
};

// Called on the team's worker thread after each cycle (e.g. to record metrics). `elapsed` is
// real (steady-clock) time; `finished` comes from the injected clock.
using CycleDoneFn = std::function<void(const std::string& team, const CycleResult& result,
                                       std::chrono::duration<double> elapsed, util::TimePoint finished)>;

class Scheduler {
 public:
  // `clock` decides when cycles are due; tests pass a util::ManualClock and call wake() after
  // moving it. The CycleFn must keep alive whatever it captures until it returns: a cycle
  // that ignores its stop token past the stop deadline is abandoned, not waited for.
  Scheduler(CycleFn cycle, std::shared_ptr<util::Clock> clock, SchedulerOptions options = {},
            CycleDoneFn on_done = {});
  // stop(options.stop_deadline) unless stopped already.
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Makes the team list this: new teams start with an immediate cycle, known teams take the
  // new interval/jitter (an idle one is rescheduled from its last finish), teams not listed
  // are retired (their in-flight cycle is cancelled and its result dropped). Ignored after stop().
  void set_teams(const std::vector<TeamSchedule>& teams);
  // Enqueues an immediate cycle for `team`; false when no such team.
  bool trigger(const std::string& team);
  void trigger_all();
  // Makes idle workers re-read the clock now (after a ManualClock moved).
  void wake();

  // Stops taking work, requests every in-flight cycle to stop, and waits up to `deadline` for
  // the workers. Returns true when all finished; stragglers are detached and their results
  // dropped. Idempotent.
  bool stop(std::chrono::milliseconds deadline);

  std::vector<TeamStatus> snapshot() const;  // sorted by team name
  std::vector<std::string> team_names() const;
  // Blocks (real time, up to `timeout`) until no team is running, triggered or due; true when
  // that happened. For tests and orderly hand-offs.
  bool wait_idle(std::chrono::milliseconds timeout) const;

  struct Shared;
  struct Team;

 private:
  struct Worker {
    std::shared_ptr<Team> team;
    std::thread thread;
  };
  void reap_exited_locked();

  std::shared_ptr<Shared> m_shared;
  std::vector<Worker> m_workers;  // guarded by Shared::mutex
  bool m_stopped = false;         // guarded by Shared::mutex
};

}  // namespace service
