#pragma once
// The handler interface: what one managed resource kind must provide, Terraform-provider style.
// Each kind lives in its own folder (src/kinds/<kind>/) as a struct of static functions, and
// src/kinds/table.hpp lists them. The `Handler` concept below is checked for every entry of the
// table, so a kind missing a part does not compile. The planning rules are not per kind: they
// decide between kinds (a declared user is an update, an invitation or nothing), so core's
// planners (core/plan_users.cpp, core/plan_testflight.cpp) make the changes these handlers carry.
#include <concepts>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "asc/api.hpp"
#include "core/plan.hpp"
#include "store/mirror.hpp"
#include "util/result.hpp"

namespace kinds {

// Which part of a change a request or a read-back is about. `whole`: the change as planned. A
// create-before-destroy replace runs (and is journaled) as two halves: `create` makes the new
// object, `destroy` removes the old one.
enum class Half { whole, create, destroy };

// What applying a change (or a half) produced.
struct Done {
  Done() = default;
  explicit Done(nlohmann::json r, std::string id = {}) : result(std::move(r)), made_id(std::move(id)) {}
  // The write may or may not have happened; the next refresh reads it back.
  static Done unclear() {
    Done d;
    d.unknown = true;
    return d;
  }

  nlohmann::json result = nlohmann::json::object();  // recorded in the journal entry
  std::string made_id;  // the id of the object created (or found by read-back after a 409)
  bool unknown = false;
};

// A mirror update for what a request did. The executor runs it after the request, inside the
// change's bookkeeping transaction (no transaction is open while a request is in flight).
using MirrorUpdate = std::function<util::Status(store::Mirror&, const std::string& team)>;

// What a handler's apply() may use; the executor implements it.
class ApplyEnv {
 public:
  virtual ~ApplyEnv() = default;
  virtual asc::Api& api() = 0;
  // The refreshed snapshot the plan was made from.
  virtual const core::Snapshot& snapshot() const = 0;
  // After every write request that succeeded (counts writes; the crash-point test hook).
  virtual void wrote() = 0;
  virtual void mirror(MirrorUpdate update) = 0;
  // A group reference's id: its own, or the id of the group this apply created for its key.
  virtual std::optional<std::string> group_id(const core::GroupRef& ref) const = 0;
  virtual void group_created(const std::string& key, const std::string& id) = 0;
};

// A DELETE's answer as every kind treats it: gone already (404) counts as done. Otherwise on
// success the write is counted and `forget` drops the object's mirror row.
inline util::Status deleted(ApplyEnv& env, const util::Status& answer, MirrorUpdate forget) {
  if (!answer && answer.error().kind != util::ErrorKind::not_found) return answer.error();
  env.wrote();
  env.mirror(std::move(forget));
  return util::ok_status();
}

// How the text plan shows a change: the kind as people read it ("user" for an invitation being
// created), the verb phrase, and one line per listed item (members added or removed).
struct Wording {
  std::string shown_kind;
  std::string verb;
  std::vector<std::string> listed;
};

template <class H>
concept Handler = requires(const core::Change& c, const typename H::Payload& p, const nlohmann::json& j,
                           ApplyEnv& env, const core::Snapshot& s, Half half) {
  // The kind this handler serves; its payload type is core::Payload's alternative for it.
  { H::kind } -> std::convertible_to<core::ChangeKind>;
  // Serialise: the payload as the JSON plan, the saved plan and the journal write it (null
  // for a blocked change).
  { H::to_json(c, p) } -> std::same_as<nlohmann::json>;
  // Deserialise, strictly: `c` carries the change's action and key (its payload is not read).
  { H::from_json(c, j) } -> std::same_as<util::Result<typename H::Payload>>;
  // Render: the text plan's wording.
  { H::wording(c, p) } -> std::same_as<Wording>;
  // Apply: the requests for the change or one half of it, read-back after a 409 or an
  // unclear outcome, and the mirror updates (ApplyEnv::mirror).
  { H::apply(env, c, p, half) } -> std::same_as<util::Result<Done>>;
  // Read back after a crash: whether the object the change (or half) is about exists in the
  // fresh snapshot (a create happened when it does, a delete when it does not); nullopt when
  // the kind is settled by re-planning instead (memberships).
  { H::exists(c, p, s, half) } -> std::same_as<util::Result<std::optional<bool>>>;
  // The id of the object a replace removes (empty when the action removes nothing by id).
  { H::replaced_id(p) } -> std::same_as<std::string>;
};

}  // namespace kinds
