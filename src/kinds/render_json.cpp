#include "kinds/plan_json.hpp"
#include "kinds/render.hpp"

namespace kinds {

nlohmann::json render_json(const core::Plan& plan, const core::GuardResult& guard_result) {
  nlohmann::json j = plan_to_json(plan);
  j["guard"] = {{"allowed", guard_result.allowed},
                {"reasons", guard_result.reasons},
                {"deletions", guard_result.deletions},
                {"max_deletions", guard_result.max_deletions}};
  return j;
}

}  // namespace kinds
