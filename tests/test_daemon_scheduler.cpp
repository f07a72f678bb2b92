// Scheduler timing on a ManualClock: no test sleeps for a schedule, only for worker threads to
// notice (bounded by real-time timeouts of seconds that are never reached when all is well).
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <set>
#include <thread>

#include "service/scheduler.hpp"

using namespace std::chrono_literals;
using service::CycleResult;
using service::Scheduler;
using service::SchedulerOptions;
using service::TeamSchedule;
using util::CycleOutcome;

namespace {

constexpr auto k_wait = 5s;  // real-time ceiling for a worker to react

// Records every cycle (team, clock time) and answers with `respond`.
class RecordingCycle {
 public:
  explicit RecordingCycle(std::shared_ptr<util::ManualClock> clock) : m_clock(std::move(clock)) {}

  std::function<CycleResult(const std::string&, std::stop_token)> respond = [](const std::string&,
                                                                               std::stop_token) {
    CycleResult r;
    r.outcome = CycleOutcome::converged;
    return r;
  };

  service::CycleFn fn() {
    return [this](const std::string& team, std::stop_token stop) {
      {
        std::lock_guard lock(m_mutex);
        m_calls.push_back({team, m_clock->now()});
      }
      m_cv.notify_all();
      return respond(team, std::move(stop));
    };
  }
  int count(const std::string& team) const {
    std::lock_guard lock(m_mutex);
    int n = 0;
    for (const auto& c : m_calls) n += c.first == team ? 1 : 0;
    return n;
  }
  std::vector<util::TimePoint> times(const std::string& team) const {
    std::lock_guard lock(m_mutex);
    std::vector<util::TimePoint> out;
    for (const auto& c : m_calls)
      if (c.first == team) out.push_back(c.second);
    return out;
  }
  bool wait_count(const std::string& team, int n) const {
    std::unique_lock lock(m_mutex);
    return m_cv.wait_for(lock, k_wait, [&] {
      int k = 0;
      for (const auto& c : m_calls) k += c.first == team ? 1 : 0;
      return k >= n;
    });
  }

 private:
  std::shared_ptr<util::ManualClock> m_clock;
  mutable std::mutex m_mutex;
  mutable std::condition_variable m_cv;
  std::vector<std::pair<std::string, util::TimePoint>> m_calls;
};

// A gate a cycle can wait at until the test opens it (or the stop token fires).
class Gate {
 public:
  void open() {
    {
      std::lock_guard lock(m_mutex);
      m_open = true;
    }
    m_cv.notify_all();
  }
  // Returns true when opened, false when stopped first.
  bool wait(std::stop_token stop) {
    std::unique_lock lock(m_mutex);
    while (!m_open && !stop.stop_requested()) m_cv.wait_for(lock, 1ms);
    return m_open;
  }

 private:
  std::mutex m_mutex;
  std::condition_variable m_cv;
  bool m_open = false;
};

util::TimePoint t0() {
  return util::TimePoint(std::chrono::seconds(1'800'000'000));
}

SchedulerOptions options(uint64_t seed = 42) {
  SchedulerOptions o;
  o.seed = seed;
  o.stop_deadline = 5s;
  return o;
}

TeamSchedule team(const std::string& name, std::chrono::seconds interval, std::chrono::seconds jitter = 0s) {
  return TeamSchedule{name, interval, jitter};
}

// Waits until `team` finished `n` cycles and is back to waiting (its next run is computed).
bool wait_finished(const Scheduler& s, const std::string& team, long long n) {
  const auto deadline = std::chrono::steady_clock::now() + k_wait;
  while (std::chrono::steady_clock::now() < deadline) {
    for (const auto& t : s.snapshot())
      if (t.name == team && t.cycles >= n && !t.running) return true;
    std::this_thread::sleep_for(1ms);
  }
  return false;
}

// Moves the clock to `t`, wakes the workers and waits until they are idle again.
void advance_to(util::ManualClock& clock, Scheduler& s, util::TimePoint t) {
  clock.set(t);
  s.wake();
  REQUIRE(s.wait_idle(k_wait));
}

}  // namespace

TEST_CASE("scheduler: the first cycle runs at once, the next one an interval after it finished") {
  auto clock = std::make_shared<util::ManualClock>(t0());
  RecordingCycle cycle(clock);
  Scheduler s(cycle.fn(), clock, options());
  s.set_teams({team("acme", 900s)});
  REQUIRE(s.wait_idle(k_wait));
  CHECK(cycle.count("acme") == 1);
  CHECK(cycle.times("acme")[0] == t0());

  advance_to(*clock, s, t0() + 899s);
  CHECK(cycle.count("acme") == 1);
  advance_to(*clock, s, t0() + 900s);
  CHECK(cycle.count("acme") == 2);
  CHECK(cycle.times("acme")[1] == t0() + 900s);

  const auto status = s.snapshot();
  REQUIRE(status.size() == 1);
  CHECK(status[0].cycles == 2);
  CHECK(status[0].next_run == t0() + 1800s);
  CHECK(status[0].last_success == t0() + 900s);
}

TEST_CASE("scheduler: jitter keeps every wait within interval ± jitter and actually varies it") {
  auto clock = std::make_shared<util::ManualClock>(t0());
  RecordingCycle cycle(clock);
  Scheduler s(cycle.fn(), clock, options(7));
  s.set_teams({team("acme", 100s, 10s)});
  REQUIRE(s.wait_idle(k_wait));
  std::set<long long> waits;
  for (int i = 0; i < 40; ++i) {
    const auto st = s.snapshot().at(0);
    const auto wait = st.next_run - *st.last_finished;
    CHECK(wait >= 90s);
    CHECK(wait <= 110s);
    waits.insert(std::chrono::duration_cast<std::chrono::milliseconds>(wait).count());
    advance_to(*clock, s, st.next_run);
  }
  CHECK(cycle.count("acme") == 41);
  CHECK(waits.size() > 20);
}

TEST_CASE("scheduler: default jitter is 10% of the interval") {
  auto clock = std::make_shared<util::ManualClock>(t0());
  RecordingCycle cycle(clock);
  Scheduler s(cycle.fn(), clock, options());
  s.set_teams({TeamSchedule{"acme", 1000s, std::nullopt}});
  REQUIRE(s.wait_idle(k_wait));
  CHECK(s.snapshot().at(0).jitter == 100s);
}

TEST_CASE("scheduler: failures back off exponentially up to the interval, success restores the interval") {
  auto clock = std::make_shared<util::ManualClock>(t0());
  RecordingCycle cycle(clock);
  std::atomic<int> failures_left{5};
  cycle.respond = [&](const std::string&, std::stop_token) {
    CycleResult r;
    r.outcome = failures_left-- > 0 ? CycleOutcome::failed : CycleOutcome::converged;
    r.error = "network: connection refused";
    return r;
  };
  Scheduler s(cycle.fn(), clock, options());
  s.set_teams({team("acme", 200s)});
  REQUIRE(s.wait_idle(k_wait));

  // Table: wait after the Nth consecutive failure, then the interval after the success.
  const std::vector<std::chrono::seconds> expected = {30s, 60s, 120s, 200s, 200s, 200s};
  for (size_t i = 0; i < expected.size(); ++i) {
    CAPTURE(i);
    const auto st = s.snapshot().at(0);
    CHECK(st.next_run - *st.last_finished == expected[i]);
    CHECK(st.consecutive_failures == (i < 5 ? static_cast<int>(i) + 1 : 0));
    advance_to(*clock, s, st.next_run);
  }
  CHECK(cycle.count("acme") == 7);
}

TEST_CASE("scheduler: requeue_after overrides interval and backoff") {
  auto clock = std::make_shared<util::ManualClock>(t0());
  RecordingCycle cycle(clock);
  cycle.respond = [](const std::string&, std::stop_token) {
    CycleResult r;
    r.outcome = CycleOutcome::failed;
    r.error = "rate_limited: hourly budget spent";
    r.requeue_after = 1234s;
    return r;
  };
  Scheduler s(cycle.fn(), clock, options());
  s.set_teams({team("acme", 900s)});
  REQUIRE(s.wait_idle(k_wait));
  CHECK(s.snapshot().at(0).next_run == t0() + 1234s);
}

TEST_CASE("scheduler: a trigger runs a cycle at once; triggers during a cycle coalesce into one") {
  auto clock = std::make_shared<util::ManualClock>(t0());
  RecordingCycle cycle(clock);
  Scheduler s(cycle.fn(), clock, options());
  s.set_teams({team("acme", 900s)});
  REQUIRE(s.wait_idle(k_wait));

  CHECK(s.trigger("acme"));
  CHECK_FALSE(s.trigger("nobody"));
  REQUIRE(cycle.wait_count("acme", 2));
  REQUIRE(s.wait_idle(k_wait));
  CHECK(cycle.times("acme")[1] == t0());

  auto gate = std::make_shared<Gate>();
  cycle.respond = [gate](const std::string&, std::stop_token stop) {
    gate->wait(stop);
    CycleResult r;
    r.outcome = CycleOutcome::converged;
    return r;
  };
  s.trigger_all();
  REQUIRE(cycle.wait_count("acme", 3));  // now inside the gated cycle
  s.trigger("acme");
  s.trigger("acme");
  s.trigger_all();
  gate->open();
  REQUIRE(s.wait_idle(k_wait));
  CHECK(cycle.count("acme") == 4);
}

TEST_CASE("scheduler: a hanging team does not hold up another; stop cancels it within the deadline") {
  auto clock = std::make_shared<util::ManualClock>(t0());
  RecordingCycle cycle(clock);
  auto never = std::make_shared<Gate>();
  cycle.respond = [never](const std::string& team, std::stop_token stop) {
    CycleResult r;
    r.outcome = CycleOutcome::converged;
    if (team == "stuck" && !never->wait(stop)) r.outcome = CycleOutcome::cancelled;
    return r;
  };
  std::mutex done_mutex;
  std::vector<std::pair<std::string, CycleOutcome>> done;
  Scheduler s(cycle.fn(), clock, options(), [&](const std::string& team, const CycleResult& r, auto, auto) {
    std::lock_guard lock(done_mutex);
    done.emplace_back(team, r.outcome);
  });
  s.set_teams({team("stuck", 60s), team("fast", 60s)});
  REQUIRE(cycle.wait_count("stuck", 1));
  REQUIRE(wait_finished(s, "fast", 1));
  for (int i = 1; i <= 3; ++i) {
    clock->advance(60s);
    s.wake();
    REQUIRE(wait_finished(s, "fast", i + 1));
  }
  CHECK(cycle.count("stuck") == 1);
  CHECK(s.snapshot().at(1).name == "stuck");
  CHECK(s.snapshot().at(1).running);

  const auto started = std::chrono::steady_clock::now();
  CHECK(s.stop(3s));
  CHECK(std::chrono::steady_clock::now() - started < 2s);
  std::lock_guard lock(done_mutex);
  const auto stuck = std::find_if(done.begin(), done.end(), [](const auto& d) { return d.first == "stuck"; });
  REQUIRE(stuck != done.end());
  CHECK(stuck->second == CycleOutcome::cancelled);
}

TEST_CASE("scheduler: a cycle that ignores its stop token is abandoned at the deadline") {
  auto clock = std::make_shared<util::ManualClock>(t0());
  auto release = std::make_shared<std::atomic<bool>>(false);
  auto finished = std::make_shared<std::atomic<bool>>(false);
  std::atomic<int> reported{0};
  {
    Scheduler s(
        [release, finished](const std::string&, std::stop_token) {
          while (!*release) std::this_thread::sleep_for(1ms);
          *finished = true;
          return CycleResult{};
        },
        clock, options(), [&](auto&&...) { ++reported; });
    s.set_teams({team("deaf", 60s)});
    std::this_thread::sleep_for(20ms);
    const auto started = std::chrono::steady_clock::now();
    CHECK_FALSE(s.stop(50ms));
    CHECK(std::chrono::steady_clock::now() - started < 1s);
  }
  *release = true;
  for (int i = 0; i < 5000 && !*finished; ++i) std::this_thread::sleep_for(1ms);
  CHECK(*finished);
  std::this_thread::sleep_for(20ms);  // let the detached worker unwind
  CHECK(reported == 0);
}

TEST_CASE("scheduler: set_teams adds (at once), reschedules and retires teams") {
  auto clock = std::make_shared<util::ManualClock>(t0());
  RecordingCycle cycle(clock);
  Scheduler s(cycle.fn(), clock, options());
  s.set_teams({team("a", 600s), team("b", 600s)});
  REQUIRE(s.wait_idle(k_wait));
  clock->advance(100s);
  s.set_teams({team("a", 300s), team("c", 600s)});
  REQUIRE(s.wait_idle(k_wait));
  const auto st = s.snapshot();
  REQUIRE(st.size() == 2);
  CHECK(st[0].name == "a");
  CHECK(st[0].next_run == t0() + 300s);  // from its last finish, with the new interval
  CHECK(st[1].name == "c");
  CHECK(cycle.count("c") == 1);
  CHECK(cycle.times("c")[0] == t0() + 100s);
  CHECK_FALSE(s.trigger("b"));
  CHECK(s.team_names() == std::vector<std::string>{"a", "c"});
}

TEST_CASE("scheduler: an exception from the cycle is a failed cycle, not a dead worker") {
  auto clock = std::make_shared<util::ManualClock>(t0());
  RecordingCycle cycle(clock);
  cycle.respond = [](const std::string&, std::stop_token) -> CycleResult {
    throw std::runtime_error("boom");
  };
  Scheduler s(cycle.fn(), clock, options());
  s.set_teams({team("acme", 600s)});
  REQUIRE(s.wait_idle(k_wait));
  const auto st = s.snapshot().at(0);
  REQUIRE(st.last_result);
  CHECK(st.last_result->outcome == CycleOutcome::failed);
  CHECK(st.last_result->error.find("boom") != std::string::npos);
  CHECK(s.trigger("acme"));
  REQUIRE(cycle.wait_count("acme", 2));
}
