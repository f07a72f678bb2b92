// The signing metrics: slots used and limit per type, seconds to expiry per certificate (with its
// owner and declared name) and per profile, replaced as a whole each cycle.
#include <doctest/doctest.h>

#include "service/service_metrics.hpp"
#include "util/time.hpp"

TEST_CASE("metrics: slots, certificate owners and profile expiry are reported and replaced per cycle") {
  service::ServiceMetrics m;
  service::CycleResult r;
  r.outcome = util::CycleOutcome::converged;
  r.certificate_slots = std::vector<service::CertificateSlots>{{"IOS_DISTRIBUTION", 2, 3}};
  r.certificate_owners = std::vector<service::CertificateOwner>{
      {"C1", "owned", "app-store", "IOS_DISTRIBUTION", util::from_unix(1'800'000'000 + 86'400)},
      {"F1", "foreign", "", "IOS_DISTRIBUTION", util::from_unix(1'800'000'000 + 3'600)}};
  r.profiles = std::vector<service::ProfileExpiry>{
      {"P1", "Shop App Store", "IOS_APP_STORE", util::from_unix(1'800'000'000 + 7'200)}};
  m.record_cycle("acme", r, std::chrono::milliseconds(10), util::from_unix(1'800'000'000));
  CHECK(m.certificate_slots_used.value({"acme", "IOS_DISTRIBUTION"}) == 2);
  CHECK(m.certificate_slots_limit.value({"acme", "IOS_DISTRIBUTION"}) == 3);
  CHECK(m.certificate_seconds_to_expiry.value({"acme", "C1", "IOS_DISTRIBUTION", "owned", "app-store"}) ==
        86'400);
  CHECK(m.certificate_seconds_to_expiry.value({"acme", "F1", "IOS_DISTRIBUTION", "foreign", ""}) == 3'600);
  CHECK(m.profile_seconds_to_expiry.value({"acme", "P1", "Shop App Store", "IOS_APP_STORE"}) == 7'200);

  // The foreign certificate was revoked: it stops being reported.
  r.certificate_owners = std::vector<service::CertificateOwner>{
      {"C1", "owned", "app-store", "IOS_DISTRIBUTION", util::from_unix(1'800'000'000 + 86'400)}};
  r.certificate_slots = std::vector<service::CertificateSlots>{{"IOS_DISTRIBUTION", 1, 3}};
  m.record_cycle("acme", r, std::chrono::milliseconds(10), util::from_unix(1'800'000'000));
  CHECK_FALSE(m.certificate_seconds_to_expiry.has({"acme", "F1", "IOS_DISTRIBUTION", "foreign", ""}));
  CHECK(m.certificate_slots_used.value({"acme", "IOS_DISTRIBUTION"}) == 1);
}
