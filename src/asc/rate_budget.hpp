#pragma once
// Apple's per-key hourly request budget, learned from the `X-Rate-Limit` header
// ("user-hour-lim:3600;user-hour-rem:N;"). The client asks the budget before each request:
// full speed above the reserve, and no request at all once the reserve is reached.
#include <chrono>
#include <deque>
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

// Error code (util::Error::code) of a request the budget refused because Apple's remaining count
// reached the reserve: nothing was sent; retry_after_seconds says when budget is expected back.
inline constexpr const char* k_budget_paused_code = "ASCSYNC_BUDGET_RESERVE";
// True for such an error: the work stopped cleanly before the reserve, it did not fail.
bool is_budget_pause(const util::Error& error);

struct BudgetOptions {
  // This share of the hourly limit is never spent: when Apple's remaining count is down to it,
  // requests are refused (k_budget_paused_code) instead of sent. It is left for people and other
  // tools using the key, and for the differences between our count and Apple's.
  double reserve_fraction = 0.10;
};

struct BudgetSnapshot {
  int limit = -1;           // -1 until a response carried the header
  int remaining = -1;       // estimated now: limit minus the requests in the rolling hour
  int reserve = 0;          // requests never spent
  util::TimePoint as_of{};  // when Apple last reported
  bool known() const { return limit > 0; }
};

// Apple's budget is a rolling hour: a request counts until one hour after it was sent. The
// budget keeps the send times of the requests in the window (ours, plus any Apple counted that
// we did not send, assumed sent when we learned of them, which is the pessimistic choice), so it
// knows when each unit comes back, rather than assuming an even refill.
class RateBudget {
 public:
  RateBudget(std::shared_ptr<util::Clock> clock, BudgetOptions options = {});

  // Reserves the next request slot: 0 when it may go out now (budget unknown or above the
  // reserve), or an ErrorKind::rate_limited error with code k_budget_paused_code and
  // retry_after_seconds (until the window gives enough back) when sending would spend the
  // reserve. Never waits. Thread-safe.
  util::Result<std::chrono::milliseconds> acquire();
  // The same check for `requests` more requests, without reserving anything: ok when they fit
  // above the reserve (or the budget is unknown).
  util::Status headroom(int requests) const;
  // Records what a response reported.
  void observe(const RateLimitHeader& header);
  BudgetSnapshot snapshot() const;

  // Requests left at `now` by the window as known now; -1 when unknown. Exposed for tests.
  int estimated_remaining(util::TimePoint now) const;
  // When `requests` more requests fit above the reserve (now when they already do).
  util::TimePoint available_at(int requests) const;

 private:
  int used_locked(util::TimePoint now) const;
  util::TimePoint available_locked(util::TimePoint now, int requests) const;
  util::Error pause_error(util::TimePoint now, int requests) const;
  int reserve_locked() const;

  std::shared_ptr<util::Clock> m_clock;
  BudgetOptions m_options;
  mutable std::mutex m_mutex;
  int m_limit = -1;
  util::TimePoint m_as_of{};
  // Units counted in the rolling hour, oldest first: (when sent, how many).
  mutable std::deque<std::pair<util::TimePoint, int>> m_window;
};

}  // namespace asc
