#pragma once
// The kind-independent entry points over the kind table: the executor, crash recovery, the
// renderers and the JSON reader call these, never a kind directly.
#include <nlohmann/json.hpp>
#include <optional>

#include "kinds/handler.hpp"

namespace kinds {

nlohmann::json payload_to_json(const core::Change& c);
// Reads the payload of a change of `kind` into c.payload (its action and key are set already).
util::Status payload_from_json(core::ChangeKind kind, const nlohmann::json& j, core::Change& c);
Wording wording(const core::Change& c);
util::Result<Done> apply(ApplyEnv& env, const core::Change& c, Half half);
util::Result<std::optional<bool>> exists(const core::Change& c, const core::Snapshot& s, Half half);
std::string replaced_id(const core::Change& c);

}  // namespace kinds
