// The rate budget: header parsing, pacing under the reserve, never sending at 0.
#include <doctest/doctest.h>

#include "asc/rate_budget.hpp"
#include "asc/retry.hpp"

using std::chrono::milliseconds;

TEST_CASE("X-Rate-Limit header parsing") {
  struct Row {
    const char* header;
    int limit;      // -1 = rejected
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

TEST_CASE("above the reserve requests go out back to back; below it they are spread") {
  auto clock = std::make_shared<util::ManualClock>();
  asc::RateBudget budget(clock, {});  // reserve 10% of 3600 = 360
  budget.observe({3600, 1000});
  for (int i = 0; i < 10; ++i) CHECK(*budget.acquire() == milliseconds(0));
  CHECK(budget.snapshot().remaining == 990);

  budget.observe({3600, 180});  // half the reserve left: one request per 2 s
  CHECK(*budget.acquire() == milliseconds(0));
  const auto gap = *budget.acquire();
  CHECK(gap >= milliseconds(1900));
  CHECK(gap <= milliseconds(2100));
  // Waiting out the gap makes the next slot free again after another gap.
  clock->advance(gap);
  const auto next = *budget.acquire();
  CHECK(next >= milliseconds(1900));

  budget.observe({3600, 1});  // nearly empty: gaps grow, capped by max_pace_interval
  clock->advance(milliseconds(60'000));
  (void)budget.acquire();
  CHECK(*budget.acquire() <= milliseconds(30'000));
}

TEST_CASE("the estimate regains budget as the rolling hour moves on") {
  auto clock = std::make_shared<util::ManualClock>();
  asc::RateBudget budget(clock);
  budget.observe({3600, 0});
  CHECK(budget.estimated_remaining(clock->now()) == 0);
  CHECK(budget.estimated_remaining(clock->now() + std::chrono::seconds(10)) == 10);
  CHECK(budget.estimated_remaining(clock->now() + std::chrono::hours(2)) == 3600);
}

TEST_CASE("at 0 remaining nothing is sent before budget returns; past max_wait it fails rate_limited") {
  auto clock = std::make_shared<util::ManualClock>();
  asc::BudgetOptions options;
  options.max_wait = std::chrono::seconds(3);
  asc::RateBudget budget(clock, options);
  budget.observe({3600, 0});
  // Successive requests queue one second apart (3600 per hour).
  CHECK(*budget.acquire() == milliseconds(1000));
  CHECK(*budget.acquire() == milliseconds(2000));
  CHECK(*budget.acquire() == milliseconds(3000));
  auto refused = budget.acquire();
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().kind == util::ErrorKind::rate_limited);
  CHECK(refused.error().retry_after_seconds == 4);
  CHECK(refused.error().message.find("3600") != std::string::npos);
  // A fresh header resets the picture.
  budget.observe({3600, 3000});
  CHECK(*budget.acquire() == milliseconds(0));
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
