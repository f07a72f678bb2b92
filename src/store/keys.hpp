#pragma once
// Object keys shared by managed objects, conditions, events and the journal are the core's
// natural keys ("<kind>:<natural key>"); the store uses them under its own names.
#include "core/keys.hpp"

namespace store {

using core::certificate_key;
using core::group_key;
using core::invitation_key;
using core::membership_key;
using core::tester_key;
using core::user_key;

}  // namespace store
