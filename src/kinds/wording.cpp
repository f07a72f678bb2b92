#include "kinds/wording.hpp"

namespace kinds {

std::string count_of(size_t n, const char* singular, const char* plural) {
  return std::to_string(n) + " " + (n == 1 ? singular : plural);
}

Wording default_wording(const core::Change& c) {
  const std::string kind = core::to_string(c.kind());
  switch (c.action) {
    case core::Action::adopt:
      return {kind, "will be adopted", {}};
    case core::Action::create:
      return {kind, "will be created", {}};
    case core::Action::replace:
      // Terraform's symbols: "-/+" destroys the old object first, "+/-" creates the new one first.
      if (c.order == core::ReplaceOrder::create_before_destroy)
        return {kind, "will be replaced, the new one created before the old one is destroyed", {}};
      return {kind, "will be replaced", {}};
    case core::Action::update:
      return {kind, "will be updated in-place", {}};
    case core::Action::blocked:
      return {kind, "will not be changed", {}};
    case core::Action::add_members:
    case core::Action::remove_members:
    case core::Action::destroy:
      break;
  }
  return {kind, "will be removed", {}};
}

}  // namespace kinds
