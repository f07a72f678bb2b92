#include "util/cycle_outcome.hpp"

namespace util {

const char* to_string(CycleOutcome outcome) {
  switch (outcome) {
    case CycleOutcome::converged:
      return "converged";
    case CycleOutcome::changes:
      return "changes";
    case CycleOutcome::blocked:
      return "blocked";
    case CycleOutcome::partial:
      return "partial";
    case CycleOutcome::failed:
      return "failed";
    case CycleOutcome::cancelled:
      return "cancelled";
    case CycleOutcome::paused:
      return "paused";
  }
  return "unknown";
}

const char* metric_label(CycleOutcome outcome) {
  switch (outcome) {
    case CycleOutcome::converged:
    case CycleOutcome::changes:
      return "success";
    case CycleOutcome::blocked:
      return "blocked";
    case CycleOutcome::partial:
    case CycleOutcome::failed:
      return "failed";
    case CycleOutcome::cancelled:
      return "cancelled";
    case CycleOutcome::paused:
      return "paused";
  }
  return "failed";
}

bool is_success(CycleOutcome outcome) {
  return outcome == CycleOutcome::converged || outcome == CycleOutcome::changes;
}

bool is_failure(CycleOutcome outcome) {
  return outcome == CycleOutcome::failed || outcome == CycleOutcome::partial;
}

}  // namespace util
