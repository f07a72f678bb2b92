#include "asc/rate_budget.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <string>

#include "util/strings.hpp"

namespace asc {

namespace {

using Ms = std::chrono::milliseconds;
constexpr long long k_hour_ms = 3'600'000;

std::optional<int> parse_int(std::string_view text) {
  const std::string t = util::trim(text);
  int v = 0;
  const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (ec != std::errc() || end != t.data() + t.size() || t.empty()) return std::nullopt;
  return v;
}

}  // namespace

std::optional<RateLimitHeader> parse_rate_limit(std::string_view header) {
  std::optional<int> limit;
  std::optional<int> remaining;
  for (const std::string& field : util::split(header, ';')) {
    const size_t colon = field.find(':');
    if (colon == std::string::npos) continue;
    const std::string name = util::to_lower(util::trim(std::string_view(field).substr(0, colon)));
    const auto value = parse_int(std::string_view(field).substr(colon + 1));
    if (name == "user-hour-lim") limit = value;
    if (name == "user-hour-rem") remaining = value;
  }
  if (!limit || !remaining || *limit <= 0 || *remaining < 0) return std::nullopt;
  return RateLimitHeader{*limit, std::min(*remaining, *limit)};
}

RateBudget::RateBudget(std::shared_ptr<util::Clock> clock, BudgetOptions options)
    : m_clock(std::move(clock)), m_options(options) {
  m_options.reserve_fraction = std::clamp(m_options.reserve_fraction, 0.0, 0.9);
}

int RateBudget::estimate_locked(util::TimePoint now) const {
  if (!m_state.known()) return m_state.limit;
  const long long elapsed_ms = std::max<long long>(0, std::chrono::duration_cast<Ms>(now - m_state.as_of).count());
  const long long regained = elapsed_ms * m_state.limit / k_hour_ms;
  return static_cast<int>(std::min<long long>(m_state.limit, m_state.remaining + regained));
}

int RateBudget::estimated_remaining(util::TimePoint now) const {
  std::lock_guard lock(m_mutex);
  return estimate_locked(now);
}

util::Result<Ms> RateBudget::acquire() {
  std::lock_guard lock(m_mutex);
  const util::TimePoint now = m_clock->now();
  if (!m_state.known()) return Ms(0);
  const int estimate = estimate_locked(now);

  // One request's share of the hour: the pace at which a rolling window gives budget back.
  const long long share_ms = std::max<long long>(1, k_hour_ms / m_state.limit);
  const int reserve = static_cast<int>(std::ceil(m_options.reserve_fraction * m_state.limit));
  util::TimePoint send_at = now;
  if (estimate <= 0) {
    // Never send while the estimate is 0: wait until the window should have given one back.
    const long long missing = 1 - static_cast<long long>(m_state.remaining);
    send_at = std::max(m_state.as_of + Ms(missing * share_ms), m_next_send);
  } else if (estimate < reserve) {
    // Spread what is left: the fewer requests remain, the longer the gap.
    const long long gap_ms =
        std::min<long long>(m_options.max_pace_interval.count(), share_ms * reserve / estimate);
    send_at = std::max(now, m_next_send);
    m_next_send = send_at + Ms(gap_ms);
  }
  const Ms wait = std::max(Ms(0), std::chrono::duration_cast<Ms>(send_at - now));
  if (wait > m_options.max_wait) {
    util::Error err = util::make_error(
        util::ErrorKind::rate_limited,
        "App Store Connect hourly request budget is used up (" + std::to_string(m_state.limit) +
            " per hour, 0 left); budget returns in about " + std::to_string((wait.count() + 999) / 1000) + " s");
    err.retry_after_seconds = static_cast<int>((wait.count() + 999) / 1000);
    return err;
  }
  if (estimate <= 0) m_next_send = send_at + Ms(share_ms);
  // Count the request against the budget now, so parallel requests see it before Apple answers.
  --m_state.remaining;
  return wait;
}

void RateBudget::observe(const RateLimitHeader& header) {
  std::lock_guard lock(m_mutex);
  m_state.limit = header.limit;
  m_state.remaining = header.remaining;
  m_state.as_of = m_clock->now();
}

BudgetSnapshot RateBudget::snapshot() const {
  std::lock_guard lock(m_mutex);
  return m_state;
}

}  // namespace asc
