#pragma once
// Apple's per-key budget: requests in a rolling hour, reported on every response as
// "X-Rate-Limit: user-hour-lim:N;user-hour-rem:M;", plus an optional cap on requests in flight
// per key (Apple answers 429 to heavy parallelism even with budget left). Thread-safe.
#include <deque>
#include <map>
#include <mutex>
#include <string>

#include "util/clock.hpp"

namespace sim {

class RateLimiter {
 public:
  RateLimiter(int per_hour, int max_concurrent) : m_per_hour(per_hour), m_max_concurrent(max_concurrent) {}

  // Counts a request for key at `now`. Returns false (and does not count it) when the rolling
  // hour's budget is used up. `remaining` receives what is left after this request.
  bool admit(const std::string& key_id, util::TimePoint now, int& remaining);
  // What is left for the key at `now`, without counting anything.
  int remaining(const std::string& key_id, util::TimePoint now);
  // Marks a request in flight; false (not marked) when the key already has max_concurrent.
  bool enter(const std::string& key_id);
  void leave(const std::string& key_id);

  int per_hour() const { return m_per_hour; }
  void reset();
  std::string header_value(int remaining) const;

 private:
  void expire(std::deque<util::TimePoint>& q, util::TimePoint now) const;

  std::mutex m_mutex;
  int m_per_hour;
  int m_max_concurrent;
  std::map<std::string, std::deque<util::TimePoint>> m_window;
  std::map<std::string, int> m_in_flight;
};

}  // namespace sim
