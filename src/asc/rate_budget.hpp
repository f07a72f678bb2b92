#pragma once
// Apple's per-key hourly request budget, learned from the `X-Rate-Limit` header
// ("user-hour-lim:3600;user-hour-rem:N;"). The client asks the budget before each request:
// full speed above the reserve, paced below it, and no request at all while the estimate is 0.
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>

#include "util/clock.hpp"
#include "util/result.hpp"

namespace asc {

struct RateLimitHeader {
  int limit = 0;
  int remaining = 0;
};

// Parses the header value; std::nullopt when either field is missing or malformed. Unknown
// fields are ignored, order does not matter.
std::optional<RateLimitHeader> parse_rate_limit(std::string_view header);

struct BudgetOptions {
  // Below this share of the limit, requests are spread out instead of sent back to back.
  double reserve_fraction = 0.10;
  // Longest the client waits for budget before failing a request with rate_limited.
  std::chrono::milliseconds max_wait{std::chrono::seconds(60)};
  // Upper bound on the gap between two paced requests.
  std::chrono::milliseconds max_pace_interval{std::chrono::seconds(30)};
};

struct BudgetSnapshot {
  int limit = -1;      // -1 until a response carried the header
  int remaining = -1;  // as Apple last reported it, minus requests sent since
  util::TimePoint as_of{};
  bool known() const { return limit > 0; }
};

class RateBudget {
 public:
  RateBudget(std::shared_ptr<util::Clock> clock, BudgetOptions options = {});

  // Reserves the next request slot. Returns how long to wait before sending (0 when the budget
  // is unknown or above the reserve), or ErrorKind::rate_limited (with retry_after_seconds) when
  // the estimated remainder is 0 and budget would not come back within max_wait. Thread-safe.
  util::Result<std::chrono::milliseconds> acquire();
  // Records what a response reported.
  void observe(const RateLimitHeader& header);
  BudgetSnapshot snapshot() const;

  // Requests the rolling hour gives back per elapsed time, assuming Apple counted the past
  // hour's requests evenly: `remaining` at `as_of` plus limit/hour since; negative while more
  // requests are queued than budget is known; -1 when unknown. Exposed for tests.
  int estimated_remaining(util::TimePoint now) const;

 private:
  int estimate_locked(util::TimePoint now) const;

  std::shared_ptr<util::Clock> m_clock;
  BudgetOptions m_options;
  mutable std::mutex m_mutex;
  BudgetSnapshot m_state;
  util::TimePoint m_next_send{};  // earliest time the next paced request may go out
};

}  // namespace asc
