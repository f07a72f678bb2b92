#pragma once
// Pending team invitations (`invitation:<email>`): created, re-issued (Apple has no PATCH on
// invitations: replaced, destroy-then-create), adopted or cancelled. An accepted invitation
// becomes a user (kinds/user).
#include "kinds/handler.hpp"

namespace kinds {

struct InvitationKind {
  static constexpr core::ChangeKind kind = core::ChangeKind::invitation;
  using Payload = core::InvitationPayload;

  static nlohmann::json to_json(const core::Change& c, const Payload& p);
  static util::Result<Payload> from_json(const core::Change& c, const nlohmann::json& j);
  static Wording wording(const core::Change& c, const Payload& p);
  static util::Result<Done> apply(ApplyEnv& env, const core::Change& c, const Payload& p, Half half);
  static util::Result<std::optional<bool>> exists(const core::Change& c, const Payload& p,
                                                  const core::Snapshot& s, Half half);
  static std::string replaced_id(const Payload& p) { return p.invitation_id; }
};

}  // namespace kinds
