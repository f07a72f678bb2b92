// Daemon config: the read bounds of invariant 8 (defaults.request_timeout, cycle_timeout,
// max_response_mib, max_pages): defaults, overrides, range errors, and what reaches the client.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include "config/daemon_config.hpp"
#include "support/temp_dir.hpp"

namespace {

const std::string k_limits_team =
    "teams:\n"
    "  - name: acme\n"
    "    issuer_id: 57246542-96fe-1a63-e053-0824d011072a\n"
    "    key_id: 2X9R4HXF34\n"
    "    private_key_file: key.p8\n"
    "    desired_state: desired\n";

struct LimitsInstall : test_support::TempDir {
  LimitsInstall() {
    write("key.p8", "not read by the config loader");
    std::filesystem::create_directories(path / "desired");
  }
  util::Result<config::DaemonConfig> load(const std::string& text, config::Diagnostics& diags) {
    return config::load_daemon_config(write("ascsync.yaml", text), config::Environment{}, &diags);
  }
};

}  // namespace

TEST_CASE("limits: defaults are generous and documented values") {
  LimitsInstall dir;
  config::Diagnostics diags;
  auto r = dir.load(k_limits_team, diags);
  INFO(diags.render());
  REQUIRE(r.ok());
  CHECK(r->defaults.request_timeout == std::chrono::seconds(120));
  CHECK(r->defaults.cycle_timeout == std::chrono::minutes(30));
  CHECK(r->defaults.max_response_mib == 64);
  CHECK(r->defaults.max_pages == 10'000);
}

TEST_CASE("limits: overrides are read") {
  LimitsInstall dir;
  config::Diagnostics diags;
  auto r =
      dir.load("defaults: {request_timeout: 30s, cycle_timeout: 1h, max_response_mib: 8, max_pages: 500}\n" +
                   k_limits_team,
               diags);
  INFO(diags.render());
  REQUIRE(r.ok());
  CHECK(r->defaults.request_timeout == std::chrono::seconds(30));
  CHECK(r->defaults.cycle_timeout == std::chrono::hours(1));
  CHECK(r->defaults.max_response_mib == 8);
  CHECK(r->defaults.max_pages == 500);
}

TEST_CASE("limits: bad values are errors with their place") {
  struct Row {
    std::string yaml;
    std::string part;
  };
  const std::vector<Row> rows = {
      {"defaults: {request_timeout: soon}\n", "'request_timeout' is not a duration"},
      {"defaults: {cycle_timeout: 0s}\n", "'cycle_timeout' must be at least 1s"},
      {"defaults: {max_response_mib: 0}\n", "out of range"},
      {"defaults: {max_pages: 0}\n", "out of range"},
      {"defaults: {max_pages: 2000000}\n", "out of range"},
  };
  for (const auto& row : rows) {
    CAPTURE(row.yaml);
    LimitsInstall dir;
    config::Diagnostics diags;
    auto r = dir.load(row.yaml + k_limits_team, diags);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find(row.part) != std::string::npos);
    CHECK(r.error().message.find("ascsync.yaml:1:") != std::string::npos);
  }
}
