#pragma once
// Team users (`user:<email>`): adopted, updated in place (roles, visible apps, provisioning) or
// removed from the team. Users are never created: an invitation (kinds/invitation) becomes one.
#include "kinds/handler.hpp"

namespace kinds {

struct UserKind {
  static constexpr core::ChangeKind kind = core::ChangeKind::user;
  using Payload = core::UserPayload;

  static nlohmann::json to_json(const core::Change& c, const Payload& p);
  static util::Result<Payload> from_json(const core::Change& c, const nlohmann::json& j);
  static Wording wording(const core::Change& c, const Payload& p);
  static util::Result<Done> apply(ApplyEnv& env, const core::Change& c, const Payload& p, Half half);
  static util::Result<std::optional<bool>> exists(const core::Change& c, const Payload& p,
                                                  const core::Snapshot& s, Half half);
  static std::string replaced_id(const Payload&) { return {}; }
};

}  // namespace kinds
