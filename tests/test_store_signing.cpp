#include <doctest/doctest.h>

#include "store/database.hpp"
#include "store/signing.hpp"
#include "test_store_support.hpp"

using store_test::at;
using store_test::StoreDir;

namespace {

const std::string k_fp_a(64, 'a');
const std::string k_fp_b(64, 'b');

store::Database open_signing_db(const StoreDir& dir) {
  store::OpenOptions options;
  options.migrations_dir = store_test::source_migrations();
  auto db = store::Database::open(dir.file("ascsync.db"), options);
  REQUIRE(db.ok());
  return std::move(db).value();
}

}  // namespace

TEST_CASE("signing records: request, activate, replace with an adopted predecessor, revoke") {
  StoreDir dir;
  auto db = open_signing_db(dir);
  store::SigningRecords records(db);

  auto first =
      records.add_requested("acme", "app-store", "IOS_DISTRIBUTION", k_fp_a, at("2026-01-01T00:00:00Z"));
  REQUIRE(first.ok());
  // One row per key: the same fingerprint twice is refused.
  CHECK_FALSE(
      records.add_requested("acme", "app-store", "IOS_DISTRIBUTION", k_fp_a, at("2026-01-01T00:00:00Z"))
          .ok());

  store::CertificateFacts adopted{"OLD1", "0A0B", at("2026-02-01T00:00:00Z"), std::nullopt};
  REQUIRE(records
              .activate("acme", k_fp_a,
                        {"NEW1", "1A2B", at("2027-01-01T00:00:00Z"), std::chrono::hours(24 * 365)},
                        at("2026-01-01T00:01:00Z"), std::nullopt, adopted)
              .ok());
  auto rows = records.list("acme");
  REQUIRE(rows.ok());
  REQUIRE(rows->size() == 2);
  const auto& owned = rows->at(0).origin == "owned" ? rows->at(0) : rows->at(1);
  const auto& old = rows->at(0).origin == "owned" ? rows->at(1) : rows->at(0);
  CHECK(owned.state == "active");
  CHECK(owned.certificate_id == "NEW1");
  CHECK(owned.serial_number == "1A2B");
  CHECK(owned.expires_at == at("2027-01-01T00:00:00Z"));
  CHECK(owned.lifetime == std::chrono::seconds(365LL * 24 * 3600));
  CHECK(old.origin == "adopted");
  CHECK(old.state == "replaced");
  CHECK(old.replaced_by == "NEW1");
  CHECK_FALSE(old.revoke_after.has_value());
  CHECK(old.fingerprint.empty());

  // The next renewal replaces NEW1 with a revoke time.
  REQUIRE(records.add_requested("acme", "app-store", "IOS_DISTRIBUTION", k_fp_b, at("2026-12-01T00:00:00Z"))
              .ok());
  REQUIRE(records
              .activate("acme", k_fp_b, {"NEW2", "3C4D", at("2027-12-01T00:00:00Z"), std::nullopt},
                        at("2026-12-01T00:01:00Z"), at("2026-12-08T00:01:00Z"), std::nullopt)
              .ok());
  auto by_fp = records.find_by_fingerprint("acme", k_fp_a);
  REQUIRE(by_fp.ok());
  REQUIRE(by_fp->has_value());
  CHECK((*by_fp)->state == "replaced");
  CHECK((*by_fp)->replaced_by == "NEW2");
  CHECK((*by_fp)->revoke_after == at("2026-12-08T00:01:00Z"));
  // The adopted one stays as it was (replaced earlier, no revoke time).
  REQUIRE(records.mark_revoked("acme", "NEW1", at("2026-12-09T00:00:00Z")).ok());
  by_fp = records.find_by_fingerprint("acme", k_fp_a);
  CHECK((*by_fp)->state == "revoked");
  CHECK((*by_fp)->revoked_at == at("2026-12-09T00:00:00Z"));

  // Other teams see nothing of it.
  CHECK(records.list("other")->empty());
}

TEST_CASE("signing records: activating twice is harmless, abandoning settles a request") {
  StoreDir dir;
  auto db = open_signing_db(dir);
  store::SigningRecords records(db);
  REQUIRE(records.add_requested("acme", "dev", "DEVELOPMENT", k_fp_a, at("2026-01-01T00:00:00Z")).ok());
  const store::CertificateFacts facts{"C1", "AA", at("2027-01-01T00:00:00Z"), std::nullopt};
  REQUIRE(
      records.activate("acme", k_fp_a, facts, at("2026-01-01T00:01:00Z"), std::nullopt, std::nullopt).ok());
  REQUIRE(
      records.activate("acme", k_fp_a, facts, at("2026-01-01T00:02:00Z"), std::nullopt, std::nullopt).ok());
  auto row = records.find_by_fingerprint("acme", k_fp_a);
  CHECK((*row)->state == "active");
  CHECK((*row)->activated_at == at("2026-01-01T00:01:00Z"));

  REQUIRE(records.add_requested("acme", "dev", "DEVELOPMENT", k_fp_b, at("2026-02-01T00:00:00Z")).ok());
  REQUIRE(records.abandon("acme", k_fp_b, at("2026-02-01T00:05:00Z")).ok());
  row = records.find_by_fingerprint("acme", k_fp_b);
  CHECK((*row)->state == "abandoned");
  // An abandoned request cannot become active: its certificate never existed.
  CHECK_FALSE(records
                  .activate("acme", k_fp_b, {"C2", "BB", std::nullopt, std::nullopt},
                            at("2026-02-02T00:00:00Z"), std::nullopt, std::nullopt)
                  .ok());
  // The active one is untouched by the abandoned request.
  CHECK((*records.find_by_fingerprint("acme", k_fp_a))->state == "active");
}
