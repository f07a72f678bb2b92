#pragma once
// The guard: the safety policy a plan must pass before anything is applied. It re-checks the
// planner's deletion rules on its own (defence in depth) and enforces the deletion cap. A plan the
// guard refuses is applied not at all, not partly.
#include <string>
#include <vector>

#include "core/desired.hpp"
#include "core/plan.hpp"

namespace core {

struct GuardResult {
  bool allowed = true;
  std::vector<std::string> reasons;  // why not, one sentence each; empty when allowed
  size_t deletions = 0;              // objects the plan deletes (each membership counts)
  int max_deletions = 0;             // the cap it was checked against
};

// Refuses the plan when it has errors; when it deletes anything without prune on for that kind,
// that ascsync does not manage (a membership counts as managed when it or its group is; a user
// when it or the invitation it came from is), or that belongs to a protected email; when it changes
// or removes an ACCOUNT_HOLDER or a protected email; or when it deletes more than
// policy.max_deletions objects.
GuardResult guard(const Plan& plan, const Policy& policy, const ManagedSet& managed);

}  // namespace core
