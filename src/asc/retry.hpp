#pragma once
// Backoff for retried requests: exponential with full jitter, capped.
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <random>

namespace asc {

// Sleeps for the given time. Injected so tests never wait for real.
using Sleeper = std::function<void(std::chrono::milliseconds)>;
Sleeper real_sleeper();

struct RetryOptions {
  int max_attempts = 5;  // including the first
  std::chrono::milliseconds base_delay{500};
  std::chrono::milliseconds max_delay{std::chrono::seconds(30)};
  // A Retry-After longer than this fails the request instead of blocking the cycle.
  std::chrono::milliseconds max_retry_after{std::chrono::seconds(120)};
};

class Backoff {
 public:
  // seed 0 = seeded from std::random_device.
  Backoff(RetryOptions options, uint64_t seed);
  // Delay before retry number `retry` (1-based): uniform in [0, min(max_delay, base * 2^(retry-1))].
  // Thread-safe.
  std::chrono::milliseconds delay(int retry);
  const RetryOptions& options() const { return m_options; }

 private:
  RetryOptions m_options;
  std::mutex m_mutex;
  std::mt19937_64 m_rng;
};

}  // namespace asc
