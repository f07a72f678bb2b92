#pragma once
// Decoding App Store Connect resource objects into the domain types of core/model.hpp.
// Each decoder checks `type` and `id` and tolerates missing or extra attributes. To-many ids
// come from the relationship linkage when present (and are left empty otherwise).
#include "asc/jsonapi.hpp"
#include "core/model.hpp"
#include "util/result.hpp"

namespace asc {

util::Result<core::App> decode_app(const Json& resource);
util::Result<core::User> decode_user(const Json& resource);
util::Result<core::Invitation> decode_invitation(const Json& resource);
util::Result<core::BetaGroup> decode_beta_group(const Json& resource);
util::Result<core::BetaTester> decode_beta_tester(const Json& resource);
util::Result<core::Certificate> decode_certificate(const Json& resource);
util::Result<core::Profile> decode_profile(const Json& resource);

}  // namespace asc
