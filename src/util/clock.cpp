#include "util/clock.hpp"

namespace util {

std::shared_ptr<Clock> system_clock() {
  static const std::shared_ptr<Clock> k_clock = std::make_shared<SystemClock>();
  return k_clock;
}

}  // namespace util
