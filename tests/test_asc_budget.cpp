// The rate budget: header parsing, never spending the reserve, budget back by the rolling hour.
#include <doctest/doctest.h>

#include "asc/rate_budget.hpp"
#include "asc/retry.hpp"

using std::chrono::milliseconds;

TEST_CASE("X-Rate-Limit header parsing") {
  struct Row {
    const char* header;
    int limit;  // -1 = rejected
    int remaining;
  };
  const Row rows[] = {
      {"user-hour-lim:3600;user-hour-rem:3599;", 3600, 3599},
      {"user-hour-lim:3500;user-hour-rem:500", 3500, 500},
      {" user-hour-rem: 12 ; user-hour-lim: 3600 ;", 3600, 12},
      {"user-hour-lim:3600;user-hour-rem:0;future-field:7;", 3600, 0},
      {"USER-HOUR-LIM:100;USER-HOUR-REM:5;", 100, 5},
      {"user-hour-lim:100;user-hour-rem:150;", 100, 100},  // clamped to the limit
      {"user-hour-lim:3600;", -1, 0},
      {"user-hour-rem:10;", -1, 0},
      {"user-hour-lim:abc;user-hour-rem:10;", -1, 0},
      {"user-hour-lim:0;user-hour-rem:0;", -1, 0},
      {"user-hour-lim:3600;user-hour-rem:-1;", -1, 0},
      {"", -1, 0},
  };
  for (const auto& row : rows) {
    CAPTURE(row.header);
    const auto parsed = asc::parse_rate_limit(row.header);
    if (row.limit < 0) {
      CHECK_FALSE(parsed.has_value());
    } else {
      REQUIRE(parsed.has_value());
      CHECK(parsed->limit == row.limit);
      CHECK(parsed->remaining == row.remaining);
    }
  }
}

TEST_CASE("unknown budget: no waiting") {
  auto clock = std::make_shared<util::ManualClock>();
  asc::RateBudget budget(clock);
  for (int i = 0; i < 5; ++i) CHECK(*budget.acquire() == milliseconds(0));
  CHECK_FALSE(budget.snapshot().known());
}

// Issue 12 point 4 replaced pacing below the reserve and the linear refill ("budget returns in
// about 144 s") by: never spend the reserve; budget returns when the requests actually sent leave
// the rolling hour.
TEST_CASE("above the reserve requests go out back to back; at the reserve they are refused, never paced") {
  auto clock = std::make_shared<util::ManualClock>();
  asc::RateBudget budget(clock, {});  // reserve 10% of 3600 = 360
  budget.observe({3600, 1000});
  for (int i = 0; i < 10; ++i) CHECK(*budget.acquire() == milliseconds(0));
  CHECK(budget.snapshot().remaining == 990);
  CHECK(budget.snapshot().reserve == 360);

  budget.observe({3600, 361});  // one above the reserve: one more request, then none
  CHECK(*budget.acquire() == milliseconds(0));
  auto refused = budget.acquire();
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().kind == util::ErrorKind::rate_limited);
  CHECK(asc::is_budget_pause(refused.error()));
  CHECK(refused.error().message.find("reserve") != std::string::npos);
  CHECK(budget.headroom(1).error().code == asc::k_budget_paused_code);
}

TEST_CASE("budget comes back when the requests sent leave the rolling hour, not linearly") {
  auto clock = std::make_shared<util::ManualClock>();
  asc::BudgetOptions options;
  options.reserve_fraction = 0.2;  // 25 per hour: reserve 5, 20 usable
  asc::RateBudget budget(clock, options);
  const auto t0 = clock->now();
  // 20 requests in a burst at t0, as Apple reports them.
  for (int i = 0; i < 20; ++i) {
    REQUIRE(budget.acquire().ok());
    budget.observe({25, 25 - (i + 1)});
  }
  CHECK(budget.estimated_remaining(clock->now()) == 5);
  auto refused = budget.acquire();
  REQUIRE_FALSE(refused.ok());
  REQUIRE(asc::is_budget_pause(refused.error()));
  // Nothing comes back after 144 s (a linear refill would say one request does)...
  clock->advance(std::chrono::seconds(144));
  CHECK_FALSE(budget.acquire().ok());
  CHECK(budget.estimated_remaining(clock->now()) == 5);
  // ...all 20 come back an hour after they were sent.
  CHECK(budget.available_at(1) >= t0 + std::chrono::hours(1));
  CHECK(budget.available_at(1) <= t0 + std::chrono::hours(1) + std::chrono::seconds(2));
  CHECK(refused.error().retry_after_seconds >= 3599);
  clock->set(t0 + std::chrono::hours(1) + std::chrono::seconds(1));
  CHECK(budget.estimated_remaining(clock->now()) == 25);
  for (int i = 0; i < 20; ++i) CHECK(budget.acquire().ok());
  CHECK_FALSE(budget.acquire().ok());
}

TEST_CASE("requests Apple counted that this client did not send are assumed sent when first seen") {
  auto clock = std::make_shared<util::ManualClock>();
  asc::BudgetOptions options;
  options.reserve_fraction = 0.0;
  asc::RateBudget budget(clock, options);
  const auto t0 = clock->now();
  budget.observe({100, 0});  // another tool used the whole hour
  auto refused = budget.acquire();
  REQUIRE_FALSE(refused.ok());
  CHECK(asc::is_budget_pause(refused.error()));
  // Pessimistic: they leave the window an hour after we learned of them.
  CHECK(budget.available_at(1) >= t0 + std::chrono::hours(1));
  clock->advance(std::chrono::minutes(30));
  budget.observe({100, 40});  // Apple says 60 are still counted: 40 left the window already
  CHECK(budget.estimated_remaining(clock->now()) == 40);
  CHECK(budget.acquire().ok());
  // A 0 reserve still never sends at 0: the last unit is the limit, not a 429.
  for (int i = 0; i < 39; ++i) REQUIRE(budget.acquire().ok());
  CHECK_FALSE(budget.acquire().ok());
}

TEST_CASE("backoff is full jitter under an exponential, capped ceiling") {
  asc::RetryOptions o;
  o.base_delay = milliseconds(100);
  o.max_delay = milliseconds(1000);
  asc::Backoff backoff(o, 7);
  long long max_seen[6] = {};
  long long min_seen[6] = {1'000'000, 1'000'000, 1'000'000, 1'000'000, 1'000'000, 1'000'000};
  for (int i = 0; i < 400; ++i) {
    for (int retry = 1; retry <= 5; ++retry) {
      const long long d = backoff.delay(retry).count();
      max_seen[retry] = std::max(max_seen[retry], d);
      min_seen[retry] = std::min(min_seen[retry], d);
    }
  }
  CHECK(max_seen[1] <= 100);
  CHECK(max_seen[2] <= 200);
  CHECK(max_seen[3] <= 400);
  CHECK(max_seen[4] <= 800);
  CHECK(max_seen[5] <= 1000);
  CHECK(max_seen[4] > 400);  // the ceiling really grows
  CHECK(min_seen[3] < 100);  // and the floor stays at 0: full jitter, not equal jitter
}
