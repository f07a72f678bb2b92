#pragma once
// An injectable clock: production uses SystemClock, tests and the simulator use ManualClock.
#include <atomic>
#include <chrono>
#include <memory>

namespace util {

using TimePoint = std::chrono::system_clock::time_point;
using Seconds = std::chrono::seconds;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;
};

class SystemClock final : public Clock {
 public:
  TimePoint now() const override { return std::chrono::system_clock::now(); }
};

// Real time shifted by an offset that tests move forward; thread-safe.
class OffsetClock final : public Clock {
 public:
  TimePoint now() const override {
    return std::chrono::system_clock::now() + std::chrono::milliseconds(m_offset_ms.load());
  }
  void advance(std::chrono::milliseconds by) { m_offset_ms += by.count(); }
  std::chrono::milliseconds offset() const { return std::chrono::milliseconds(m_offset_ms.load()); }

 private:
  std::atomic<long long> m_offset_ms{0};
};

// A clock that only moves when told to; thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimePoint start = std::chrono::system_clock::now())
      : m_ms(std::chrono::duration_cast<std::chrono::milliseconds>(start.time_since_epoch()).count()) {}
  TimePoint now() const override {
    return TimePoint(std::chrono::duration_cast<TimePoint::duration>(std::chrono::milliseconds(m_ms.load())));
  }
  void advance(std::chrono::milliseconds by) { m_ms += by.count(); }
  void set(TimePoint t) {
    m_ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  }

 private:
  std::atomic<long long> m_ms;
};

std::shared_ptr<Clock> system_clock();

}  // namespace util
