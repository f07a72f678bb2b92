#include "asc/retry.hpp"

#include <algorithm>
#include <thread>

namespace asc {

Sleeper real_sleeper() {
  return [](std::chrono::milliseconds d) {
    if (d.count() > 0) std::this_thread::sleep_for(d);
  };
}

Backoff::Backoff(RetryOptions options, uint64_t seed)
    : m_options(options), m_rng(seed != 0 ? seed : std::random_device{}()) {
  m_options.max_attempts = std::clamp(m_options.max_attempts, 1, 20);
}

std::chrono::milliseconds Backoff::delay(int retry) {
  const int shift = std::clamp(retry - 1, 0, 30);
  const long long ceiling =
      std::min<long long>(m_options.max_delay.count(), m_options.base_delay.count() << shift);
  if (ceiling <= 0) return std::chrono::milliseconds(0);
  std::lock_guard lock(m_mutex);
  std::uniform_int_distribution<long long> dist(0, ceiling);
  return std::chrono::milliseconds(dist(m_rng));
}

}  // namespace asc
