#pragma once
// Carries out an Assessment in the order renewal needs: certificates (making room only with
// owned, replaced ones), then the profiles that follow them, then revocations of replaced
// certificates. Every write goes through signing/steps.hpp (journaled first). Used by the
// certificate and profile kinds' apply, and directly by the tests of the steps.
#include <string>
#include <vector>

#include "signing/assess.hpp"
#include "signing/steps.hpp"

namespace signing {

struct ConvergeReport {
  int renewed = 0;
  int profiles = 0;  // profiles created or regenerated
  int revoked = 0;
  int blocked = 0;  // certificates or profiles that could not be acted on (reason in messages)
  int failed = 0;
  int unknown = 0;                    // outcome unclear: settled by read-back next cycle
  std::vector<std::string> messages;  // one line per action or problem, for logs and tests
  bool ok() const { return failed == 0 && unknown == 0 && blocked == 0; }
};

ConvergeReport converge(Context& ctx, const core::DesiredState& desired, const Assessment& assessment);

}  // namespace signing
