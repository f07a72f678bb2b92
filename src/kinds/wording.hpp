#pragma once
// The text plan's default wording per action, which a kind's wording() refines.
#include "kinds/handler.hpp"

namespace kinds {

// "<kind> will be created", "... will be replaced", "... will be removed", ...
Wording default_wording(const core::Change& c);
// "3 testers", "1 member": a count with its noun.
std::string count_of(size_t n, const char* singular, const char* plural);

}  // namespace kinds
