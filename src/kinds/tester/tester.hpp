#pragma once
// TestFlight testers (`tester:<email>`): created with every group they join in one request,
// adopted or removed. Joining and leaving groups later is kinds/membership.
#include "kinds/handler.hpp"

namespace kinds {

struct TesterKind {
  static constexpr core::ChangeKind kind = core::ChangeKind::tester;
  using Payload = core::TesterPayload;

  static nlohmann::json to_json(const core::Change& c, const Payload& p);
  static util::Result<Payload> from_json(const core::Change& c, const nlohmann::json& j);
  static Wording wording(const core::Change& c, const Payload& p);
  static util::Result<Done> apply(ApplyEnv& env, const core::Change& c, const Payload& p, Half half);
  static util::Result<std::optional<bool>> exists(const core::Change& c, const Payload& p,
                                                  const core::Snapshot& s, Half half);
  static std::string replaced_id(const Payload&) { return {}; }
};

}  // namespace kinds
