#pragma once
// A plan: the ordered changes that take one team from what the mirror holds to what the admins
// declared. A plan is a value: make_plan() builds it (pure), guard() vets it, the renderers show it
// and the executor carries it out change by change. docs/planning.md describes every rule and the
// payload of each change.
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/attributes.hpp"
#include "core/desired.hpp"
#include "core/keys.hpp"
#include "core/model.hpp"
#include "core/payloads.hpp"
#include "util/clock.hpp"

namespace core {

// Natural keys of the objects ascsync manages (created, or explicitly adopted), as the store keeps
// them. Only these may ever be deleted.
using ManagedSet = std::set<std::string>;

// The enums below keep their values contiguous from 0, and their to_string() returns "?" for any
// other value: plan_json.cpp reads names back by walking the values, so a new one needs no list.
enum class ChangeKind { user, invitation, group, tester, membership };

// `adopt` records an existing object as managed and sends no request. `blocked` is a change the
// declaration asks for but ascsync refuses to make (reason says why); it sends no request either.
// `destroy` is spelled "delete" in text and JSON.
enum class Action { adopt, create, replace, add_members, update, blocked, remove_members, destroy };

// The order of a replace's two halves. destroy_before_create (Terraform's default, "-/+") is what
// Apple forces when old and new cannot coexist (an invitation per email, a group name per app);
// create_before_destroy ("+/-") makes the new object first so that there is never a moment
// without one (certificate renewal, profiles). Only meaningful for Action::replace.
enum class ReplaceOrder { destroy_before_create, create_before_destroy };

const char* to_string(ChangeKind kind);
const char* to_string(Action action);
const char* to_string(ReplaceOrder order);

struct Change {
  Action action = Action::create;
  std::string key;     // natural key of the object (members_key() for batched membership changes)
  std::string reason;  // one human sentence: why this change
  std::optional<Attributes> before;  // relevant attributes now; none when the object does not exist yet
  std::optional<Attributes> after;   // relevant attributes afterwards; none when the object goes away
  // Everything the executor needs (ids, attributes, references), typed per kind; its alternative
  // is the change's kind. See docs/planning.md#payloads.
  Payload payload;
  std::vector<std::string> manage;    // keys to record as managed once the change succeeded
  std::vector<std::string> unmanage;  // keys to forget once the change succeeded
  std::vector<std::string> removes;   // keys of the objects this change deletes (guard, deletion cap)
  ReplaceOrder order = ReplaceOrder::destroy_before_create;  // replace only: which half goes first

  ChangeKind kind() const { return static_cast<ChangeKind>(payload.index()); }
  // True when the executor has to send at least one request (not adopt, not blocked).
  bool sends_requests() const;
};

// Something the planner noticed and deliberately left alone (unmanaged object, prune off, ...).
struct PlanNote {
  std::string key;
  std::string message;
};

// A reason the plan cannot be applied at all (unknown bundle id, Apple constraint violated, ...).
struct PlanError {
  std::string key;
  std::string message;
  SourceLoc loc;  // where the offending declaration is, when known
};

// Counted per object, Terraform style: a batch adding 3 members counts 3 to add; a replace counts
// one to add and one to destroy.
struct PlanSummary {
  int adopt = 0;
  int add = 0;
  int change = 0;
  int destroy = 0;
  int blocked = 0;
  bool operator==(const PlanSummary&) const = default;
};

struct Plan {
  std::string team;
  std::vector<Change> changes;  // in execution order
  std::vector<PlanNote> notes;
  std::vector<PlanError> errors;

  // False when there are errors: such a plan must not be applied.
  bool valid() const { return errors.empty(); }
  // True when nothing would be done: no change other than blocked ones.
  bool empty() const;
  PlanSummary summary() const;
  // How many objects the plan deletes (the sum of every change's `removes`).
  size_t deletion_count() const;
};

// Computes the plan that makes `snapshot` match `desired`. Pure: no I/O, deterministic for equal
// inputs. `now` decides whether a pending invitation has expired. Never throws for bad input:
// problems are reported in Plan::errors.
Plan make_plan(const DesiredState& desired, const Snapshot& snapshot, const ManagedSet& managed,
               util::TimePoint now);

}  // namespace core
