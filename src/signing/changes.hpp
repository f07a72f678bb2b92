#pragma once
// An Assessment as plan lines: what the certificate and profile kinds put into a plan, with
// Terraform's symbols (docs/planning.md, "Certificates" and "Profiles"):
//   +    certificate "dev" will be created (no certificate yet)
//   +/-  certificate "app-store" will be renewed (expires 2026-12-20, in 21 days)
//   -    certificate "app-store" 8KQ2 will be revoked (replaced by ...)
//   +    profile "Shop App Store" will be created (...)
//   -/+  profile "Shop App Store" will be regenerated (its certificate app-store is renewed)
//   !    blocked, with the reason and what a person can do
// A renewal is create-before-destroy (the old certificate stays until revoke_replaced); a
// profile is destroy-before-create because Apple refuses two profiles with one name.
#include <string>
#include <vector>

#include "signing/assess.hpp"

namespace signing {

enum class ChangeAction { create, renew, regenerate, revoke, blocked };
const char* symbol(ChangeAction action);  // "+", "+/-", "-/+", "-", "!"

struct SigningChange {
  std::string kind;  // "certificate" | "profile"
  std::string key;   // renewal_key / revocation_key / profile_key
  std::string name;  // the declared name
  ChangeAction action = ChangeAction::create;
  std::string reason;          // why, one sentence (the parenthesis in text())
  std::string certificate_id;  // revoke: the certificate revoked
  // `+/- certificate "app-store" will be renewed (expires 2026-12-20, in 21 days)`
  std::string text() const;
};

// Certificates first (renewals, then blocked ones in place), then profiles, then revocations:
// the order they are applied in.
std::vector<SigningChange> changes_of(const Assessment& assessment);

// "IOS_DISTRIBUTION: 2 of 3 slots used (ascsync's "app-store" expires 2027-11-20, foreign ...)".
std::string describe_slots(const SlotReport& slots);

}  // namespace signing
