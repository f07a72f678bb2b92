#pragma once
// Tests read a change's payload and before/after in their JSON form (the form `plan --json`, saved
// plans and the journal hold), and build changes the way a saved plan or the journal gives them.
#include <nlohmann/json.hpp>

#include "kinds/dispatch.hpp"
#include "kinds/plan_json.hpp"

namespace test_support {

inline nlohmann::json payload_json(const core::Change& c) {
  return kinds::payload_to_json(c);
}
inline nlohmann::json before_json(const core::Change& c) {
  return kinds::attributes_to_json(c.before);
}
inline nlohmann::json after_json(const core::Change& c) {
  return kinds::attributes_to_json(c.after);
}

// A change's JSON document (as change_to_json writes it) with the given header and payload.
inline nlohmann::json change_doc(const char* kind, const char* action, const std::string& key,
                                 nlohmann::json payload) {
  return {{"kind", kind},
          {"action", action},
          {"key", key},
          {"reason", ""},
          {"before", nullptr},
          {"after", nullptr},
          {"payload", payload},
          {"manage", nlohmann::json::array()},
          {"unmanage", nlohmann::json::array()},
          {"removes", nlohmann::json::array()}};
}

}  // namespace test_support

namespace test_support {

// An empty payload of `kind`: sets a change's kind in tests that build changes by hand.
inline core::Payload empty_payload(core::ChangeKind kind) {
  switch (kind) {
    case core::ChangeKind::user:
      return core::UserPayload{};
    case core::ChangeKind::invitation:
      return core::InvitationPayload{};
    case core::ChangeKind::group:
      return core::GroupPayload{};
    case core::ChangeKind::tester:
      return core::TesterPayload{};
    case core::ChangeKind::membership:
      return core::MembershipPayload{};
  }
  return core::UserPayload{};
}

}  // namespace test_support
