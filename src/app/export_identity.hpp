#pragma once
// `ascsync export-identity`: a declared certificate's signing identity (its key and current
// certificate) as a PKCS#12 file for CI, with the PEM chain beside it (docs/certificates.md).
#include <string>

#include "config/daemon_config.hpp"
#include "custody/passphrase.hpp"
#include "util/result.hpp"

namespace app {

// Reads the certificate `name` of `team` from App Store Connect, takes its key from the team's
// key custody and writes `p12_path` (0600) and the chain (signing::chain_path_for). An error's
// message is the whole line to show after "error: ".
util::Status export_identity(const config::DaemonConfig& config, const config::TeamConfig& team,
                             const std::string& name, const std::string& p12_path,
                             const custody::Passphrase& password);

}  // namespace app
