#pragma once
// TestFlight beta groups (`group:<bundleId>/<name>`): created, updated in place (the public link,
// its limit, feedback), replaced when an attribute Apple fixes at creation differs (internal,
// access to all builds), adopted or deleted. Supports both replace orders.
#include "kinds/handler.hpp"

namespace kinds {

struct GroupKind {
  static constexpr core::ChangeKind kind = core::ChangeKind::group;
  using Payload = core::GroupPayload;

  static nlohmann::json to_json(const core::Change& c, const Payload& p);
  static util::Result<Payload> from_json(const core::Change& c, const nlohmann::json& j);
  static Wording wording(const core::Change& c, const Payload& p);
  static util::Result<Done> apply(ApplyEnv& env, const core::Change& c, const Payload& p, Half half);
  static util::Result<std::optional<bool>> exists(const core::Change& c, const Payload& p,
                                                  const core::Snapshot& s, Half half);
  static std::string replaced_id(const Payload& p) { return p.group_id; }
};

}  // namespace kinds
