#pragma once
// A change's JSON payload read into its typed form (core/payloads.hpp), for the executor and
// crash recovery. Strict: a member the change's action needs that is missing or of the wrong
// type is a client error naming the change, the member and what was found.
#include "core/payloads.hpp"
#include "core/plan.hpp"
#include "util/result.hpp"

namespace core {

util::Result<UserPayload> decode_user(const Change& c);
util::Result<InvitationPayload> decode_invitation(const Change& c);
util::Result<GroupPayload> decode_group(const Change& c);
util::Result<TesterPayload> decode_tester(const Change& c);
util::Result<MembershipPayload> decode_membership(const Change& c);

// Decodes the payload of `c` by its kind and action and discards it: ok when the executor can
// carry the change out (or recovery read it back) without guessing.
util::Status check_payload(const Change& c);

}  // namespace core
