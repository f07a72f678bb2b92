#pragma once
// Renderers: how a plan is shown to people (Terraform-style text) and to machines (JSON). They are
// separate from the differ and never change what a plan means.
#include <nlohmann/json.hpp>
#include <string>

#include "core/guard.hpp"
#include "core/plan.hpp"

namespace kinds {

struct TextOptions {
  bool color = false;       // ANSI colors; callers turn them on only for a TTY
  bool show_notes = false;  // list what was left alone, instead of only counting it
};

// The plan as `ascsync plan` prints it: one block per change ("+ user \"a@x.com\" will be
// invited", "~ group ... will be updated in-place" with "~ attr: old -> new" lines, ...), errors,
// the guard's verdict when `guard_result` is given, and the closing line "Plan: N to add, M to
// change, K to destroy.", or "No changes. App Store Connect matches the desired state." only when
// nothing is blocked, the plan is valid and the guard allows it (else "No changes will be made,
// but App Store Connect does not match the desired state.").
std::string render_text(const core::Plan& plan, const core::GuardResult* guard_result,
                        const TextOptions& options = {});

// The plan as `ascsync plan --json` prints it: {format_version, team, valid, changes, notes,
// summary:{adopt, add, change, destroy, blocked}, errors, guard:{allowed, reasons, deletions,
// max_deletions}}. docs/planning.md describes each field.
nlohmann::json render_json(const core::Plan& plan, const core::GuardResult& guard_result);

}  // namespace kinds
