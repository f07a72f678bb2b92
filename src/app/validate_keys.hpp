#pragma once
// `ascsync validate`'s key checks, beyond what the config and desired-state files say.
#include <string>
#include <vector>

#include "config/validate.hpp"

namespace app {

// Key files of every enabled team of the daemon config at `config_path` (permissions, readable,
// PKCS#8 EC P-256) and, with `online`, what each key's role may read: one GET with limit=1 per
// kind the desired state manages, nothing written. Problems go into `report` (sorted after).
// Returns one line per key checked online without a problem: "team T: key K can read apps, ...".
std::vector<std::string> check_keys(const std::string& config_path, bool online,
                                    config::ValidationReport& report);

}  // namespace app
