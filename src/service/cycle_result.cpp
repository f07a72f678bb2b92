#include "service/cycle_result.hpp"

namespace service {

const char* to_string(CycleOutcome outcome) {
  switch (outcome) {
    case CycleOutcome::success:
      return "success";
    case CycleOutcome::blocked:
      return "blocked";
    case CycleOutcome::failed:
      return "failed";
    case CycleOutcome::cancelled:
      return "cancelled";
    case CycleOutcome::paused:
      return "paused";
  }
  return "failed";
}

}  // namespace service
