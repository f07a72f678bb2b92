#pragma once
// What `ascsync mirror` reads for a team.
#include "asc/api.hpp"
#include "core/desired.hpp"

namespace app {

// Least privilege: what the team's desired state manages must be read (a 403 there fails the
// team, as in a cycle); every other kind is read when the key's role allows it and left out, not
// failed, when it does not (a TestFlight-only App Manager key mirrors no users). Without a desired
// state (nullptr: it could not be loaded) every kind is read if the key allows.
asc::ReadSet mirror_read_set(const core::DesiredState* desired);

}  // namespace app
