#include "sim/rate_limit.hpp"

namespace sim {

void RateLimiter::expire(std::deque<util::TimePoint>& q, util::TimePoint now) const {
  const auto cutoff = now - std::chrono::hours(1);
  while (!q.empty() && q.front() <= cutoff) q.pop_front();
}

bool RateLimiter::admit(const std::string& key_id, util::TimePoint now, int& remaining) {
  std::lock_guard lock(m_mutex);
  auto& q = m_window[key_id];
  expire(q, now);
  if (static_cast<long long>(q.size()) >= m_per_hour) {
    remaining = 0;
    return false;
  }
  q.push_back(now);
  remaining = m_per_hour - static_cast<int>(q.size());
  return true;
}

int RateLimiter::remaining(const std::string& key_id, util::TimePoint now) {
  std::lock_guard lock(m_mutex);
  auto& q = m_window[key_id];
  expire(q, now);
  return m_per_hour - static_cast<int>(q.size());
}

bool RateLimiter::enter(const std::string& key_id) {
  std::lock_guard lock(m_mutex);
  int& n = m_in_flight[key_id];
  if (m_max_concurrent > 0 && n >= m_max_concurrent) return false;
  ++n;
  return true;
}

void RateLimiter::leave(const std::string& key_id) {
  std::lock_guard lock(m_mutex);
  auto it = m_in_flight.find(key_id);
  if (it != m_in_flight.end() && --it->second <= 0) m_in_flight.erase(it);
}

void RateLimiter::reset() {
  std::lock_guard lock(m_mutex);
  m_window.clear();
}

std::string RateLimiter::header_value(int remaining) const {
  return "user-hour-lim:" + std::to_string(m_per_hour) + ";user-hour-rem:" + std::to_string(remaining) + ";";
}

}  // namespace sim
