#pragma once
// Certificate signing requests made inside the simulator, for state that starts with a
// certificate already issued (the demo team, Simulator::add_certificate). Clients make their own.
#include <string>

#include "util/crypto.hpp"
#include "util/result.hpp"

namespace sim {

// A PEM CSR ("-----BEGIN CERTIFICATE REQUEST-----") for `key` with subject CN=common_name,
// signed with SHA-256.
util::Result<std::string> make_csr_pem(EVP_PKEY* key, const std::string& common_name);

}  // namespace sim
