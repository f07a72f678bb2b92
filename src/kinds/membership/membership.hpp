#pragma once
// Group memberships (`membership:<bundleId>/<group>/<email>`), batched per group
// (`members:<bundleId>/<group>`): added, removed or adopted. Linkage calls are idempotent and the
// refreshed memberships are the truth, so a crash is settled by re-planning, not by read-back.
#include "kinds/handler.hpp"

namespace kinds {

struct MembershipKind {
  static constexpr core::ChangeKind kind = core::ChangeKind::membership;
  using Payload = core::MembershipPayload;

  static nlohmann::json to_json(const core::Change& c, const Payload& p);
  static util::Result<Payload> from_json(const core::Change& c, const nlohmann::json& j);
  static Wording wording(const core::Change& c, const Payload& p);
  static util::Result<Done> apply(ApplyEnv& env, const core::Change& c, const Payload& p, Half half);
  static util::Result<std::optional<bool>> exists(const core::Change& c, const Payload& p,
                                                  const core::Snapshot& s, Half half);
  static std::string replaced_id(const Payload&) { return {}; }
};

}  // namespace kinds
