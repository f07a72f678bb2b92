#include "asc/rate_budget.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <string>

#include "util/strings.hpp"
#include "util/time.hpp"

namespace asc {

namespace {

using Ms = std::chrono::milliseconds;

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

bool is_budget_pause(const util::Error& error) {
  return error.kind == util::ErrorKind::rate_limited && error.code == k_budget_paused_code;
}

RateBudget::RateBudget(std::shared_ptr<util::Clock> clock, BudgetOptions options)
    : m_clock(std::move(clock)), m_options(options) {
  m_options.reserve_fraction = std::clamp(m_options.reserve_fraction, 0.0, 0.9);
}

int RateBudget::reserve_locked() const {
  if (m_limit <= 0) return 0;
  return static_cast<int>(std::ceil(m_options.reserve_fraction * m_limit));
}

int RateBudget::used_locked(util::TimePoint now) const {
  const util::TimePoint cutoff = now - std::chrono::hours(1);
  while (!m_window.empty() && m_window.front().first <= cutoff) m_window.pop_front();
  long long used = 0;
  for (const auto& [at, n] : m_window) used += n;
  return static_cast<int>(std::min<long long>(used, 1'000'000'000));
}

int RateBudget::estimated_remaining(util::TimePoint now) const {
  std::lock_guard lock(m_mutex);
  if (m_limit <= 0) return -1;
  // Count without dropping: `now` may be ahead of the clock.
  long long used = 0;
  for (const auto& [at, n] : m_window)
    if (at > now - std::chrono::hours(1)) used += n;
  return static_cast<int>(std::max<long long>(0, m_limit - used));
}

util::TimePoint RateBudget::available_locked(util::TimePoint now, int requests) const {
  if (m_limit <= 0) return now;
  // Fits when used + requests <= limit - reserve.
  long long excess = static_cast<long long>(used_locked(now)) + requests - (m_limit - reserve_locked());
  if (excess <= 0) return now;
  for (const auto& [at, n] : m_window) {
    excess -= n;
    if (excess <= 0) return at + std::chrono::hours(1) + std::chrono::seconds(1);
  }
  // More than the limit above the reserve: never fits; one hour from now is the best guess.
  return now + std::chrono::hours(1);
}

util::TimePoint RateBudget::available_at(int requests) const {
  std::lock_guard lock(m_mutex);
  return available_locked(m_clock->now(), requests);
}

util::Error RateBudget::pause_error(util::TimePoint now, int requests) const {
  const util::TimePoint at = available_locked(now, requests);
  const long long seconds =
      std::max<long long>(1, (std::chrono::duration_cast<Ms>(at - now).count() + 999) / 1000);
  const int remaining = std::max(0, m_limit - used_locked(now));
  util::Error err = util::make_error(
      util::ErrorKind::rate_limited,
      "App Store Connect request budget is down to its reserve (" + std::to_string(remaining) + " of " +
          std::to_string(m_limit) + " per hour left, " + std::to_string(reserve_locked()) +
          " kept in reserve); paused until about " + util::format_rfc3339(at) +
          ", when requests sent in the " + "last hour leave the rolling window");
  err.code = k_budget_paused_code;
  err.retry_after_seconds = static_cast<int>(std::min<long long>(seconds, 2 * 3600));
  return err;
}

util::Result<Ms> RateBudget::acquire() {
  std::lock_guard lock(m_mutex);
  const util::TimePoint now = m_clock->now();
  if (m_limit <= 0) return Ms(0);
  if (used_locked(now) + 1 > m_limit - reserve_locked()) return pause_error(now, 1);
  // Count the request now, so parallel requests see it before Apple answers.
  if (!m_window.empty() && m_window.back().first == now)
    ++m_window.back().second;
  else
    m_window.emplace_back(now, 1);
  return Ms(0);
}

util::Status RateBudget::headroom(int requests) const {
  std::lock_guard lock(m_mutex);
  const util::TimePoint now = m_clock->now();
  if (m_limit <= 0) return util::ok_status();
  if (used_locked(now) + requests > m_limit - reserve_locked()) return pause_error(now, requests);
  return util::ok_status();
}

void RateBudget::observe(const RateLimitHeader& header) {
  std::lock_guard lock(m_mutex);
  const util::TimePoint now = m_clock->now();
  m_limit = header.limit;
  m_as_of = now;
  // Apple counts limit - remaining in its window. Fewer than we hold: the oldest have left it.
  // More: someone else used the key (or we restarted); count them as sent now.
  long long excess = static_cast<long long>(used_locked(now)) - (header.limit - header.remaining);
  while (excess > 0 && !m_window.empty()) {
    auto& front = m_window.front();
    const int drop = static_cast<int>(std::min<long long>(excess, front.second));
    front.second -= drop;
    excess -= drop;
    if (front.second == 0) m_window.pop_front();
  }
  if (excess < 0) {
    auto it = m_window.end();
    while (it != m_window.begin() && std::prev(it)->first > now) --it;
    m_window.insert(it, {now, static_cast<int>(-excess)});
  }
}

BudgetSnapshot RateBudget::snapshot() const {
  std::lock_guard lock(m_mutex);
  BudgetSnapshot out;
  out.limit = m_limit;
  out.as_of = m_as_of;
  if (m_limit > 0) {
    out.remaining = std::max(0, m_limit - used_locked(m_clock->now()));
    out.reserve = reserve_locked();
  }
  return out;
}

}  // namespace asc
