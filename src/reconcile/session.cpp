#include "reconcile/session.hpp"

namespace reconcile {

util::Result<std::unique_ptr<asc::Api>> connect(const config::TeamConfig& team,
                                                const config::Defaults& defaults,
                                                std::shared_ptr<util::Clock> clock) {
  auto credentials = asc::load_credentials(team.issuer_id, team.key_id, team.private_key_file);
  if (!credentials) {
    util::Error e = credentials.error();
    e.message = "team " + team.name + ": " + e.message;
    return e;
  }
  asc::ClientOptions options;
  options.base_url = team.base_url;
  options.ca_file = team.ca_file;
  options.max_in_flight = team.max_parallel;
  options.budget.reserve_fraction = defaults.reserve_percent / 100.0;
  options.request_timeout = defaults.request_timeout;
  options.max_response_bytes = static_cast<size_t>(defaults.max_response_mib) << 20;
  options.max_pages = defaults.max_pages;
  options.clock = std::move(clock);
  auto api = asc::Api::create(std::move(*credentials), std::move(options));
  if (!api) {
    util::Error e = api.error();
    e.message = "team " + team.name + ": " + e.message;
    return e;
  }
  return api;
}

}  // namespace reconcile
