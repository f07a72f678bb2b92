#pragma once
// Decoding App Store Connect resource objects into the domain types of core/model.hpp, strictly
// (invariant 8): `type` and `id` are checked, every attribute ascsync uses must have its JSON
// type, and the members the planner relies on must be present. Null is accepted only where
// Apple uses it for "none" (docs/ARCHITECTURE.md lists the members). Extra members are ignored.
#include "asc/jsonapi.hpp"
#include "core/model.hpp"
#include "util/result.hpp"

namespace asc {

// Where the resource comes from. Listings ask for their to-many relationships with `include=`,
// so the linkage must be there; write responses carry no linkages (they are read when present).
enum class DecodeMode { listing, write_response };

util::Result<core::App> decode_app(const Json& resource, DecodeMode mode = DecodeMode::listing);
util::Result<core::User> decode_user(const Json& resource, DecodeMode mode = DecodeMode::listing);
util::Result<core::Invitation> decode_invitation(const Json& resource, DecodeMode mode = DecodeMode::listing);
util::Result<core::BetaGroup> decode_beta_group(const Json& resource, DecodeMode mode = DecodeMode::listing);
util::Result<core::BetaTester> decode_beta_tester(const Json& resource,
                                                  DecodeMode mode = DecodeMode::listing);
util::Result<core::Certificate> decode_certificate(const Json& resource,
                                                   DecodeMode mode = DecodeMode::listing);
util::Result<core::Profile> decode_profile(const Json& resource, DecodeMode mode = DecodeMode::listing);

}  // namespace asc
