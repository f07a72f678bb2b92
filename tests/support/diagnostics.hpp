#pragma once
// Finding a diagnostic in a config::Diagnostics: at a file:line:col, containing every part.
#include <string>
#include <vector>

#include "config/diagnostics.hpp"

namespace test_support {

inline bool has(const config::Diagnostics& diags, const std::string& loc,
                const std::vector<std::string>& parts) {
  for (const auto& d : diags.items()) {
    if (d.loc.str() != loc) continue;
    const std::string text = d.render();
    bool all = true;
    for (const auto& p : parts) all = all && text.find(p) != std::string::npos;
    if (all) return true;
  }
  return false;
}

}  // namespace test_support
