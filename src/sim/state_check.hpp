#pragma once
// Strict reading of the simulator's state documents (--fixture, PUT /_sim/state): every member
// must have the type the record declares, enumerations must hold one of Apple's values, ids
// must be present and unique, and a team has at most one ACCOUNT_HOLDER. A wrong value is an
// error naming the collection, the item (index and id), the member and what was expected —
// never a default. Members the record does not know are refused too: a typo in a fixture would
// otherwise silently load as the default.
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace sim {

// Apple's enumerations the simulator's records hold (App Store Connect API 3.8.0); user roles
// and certificate types are core::k_user_roles and core::k_certificate_types.
extern const std::vector<std::string> k_platforms;        // BundleIdPlatform
extern const std::vector<std::string> k_profile_types;    // Profile.profileType
extern const std::vector<std::string> k_profile_states;   // Profile.profileState
extern const std::vector<std::string> k_invite_types;     // BetaInviteType
extern const std::vector<std::string> k_tester_states;    // BetaTesterState
extern const std::vector<std::string> k_device_classes;   // Device.deviceClass
extern const std::vector<std::string> k_device_statuses;  // Device.status

class State;

// Thrown by the checks below; what() is the whole message.
class StateError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// Checks one item of `collection` (e.g. "betaTesters") at `index` against the members that
// `record_template` (a default record serialised to JSON) declares. Throws StateError.
void check_item_shape(const nlohmann::json& item, const nlohmann::json& record_template,
                      const char* collection, size_t index);

// Checks the enumerations, uniqueness and cross references of a fully loaded state. Throws
// StateError.
void check_state_rules(const State& state);

// Reads the state member "certificateSlotLimits": an object from CertificateType to a whole number
// of slots (0..1000). Throws StateError naming the type or value that is wrong.
std::map<std::string, int> read_slot_limits(const nlohmann::json& value);

// "string", "boolean", "integer", "number", "array", "object" or "null": JSON's names.
std::string json_type_name(const nlohmann::json& value);

}  // namespace sim
