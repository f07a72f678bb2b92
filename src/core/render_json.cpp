#include "core/plan_json.hpp"
#include "core/render.hpp"

namespace core {

nlohmann::json render_json(const Plan& plan, const GuardResult& guard_result) {
  nlohmann::json j = plan_to_json(plan);
  j["guard"] = {{"allowed", guard_result.allowed},
                {"reasons", guard_result.reasons},
                {"deletions", guard_result.deletions},
                {"max_deletions", guard_result.max_deletions}};
  return j;
}

}  // namespace core
