// Daemon config `retention:` (docs/configuration.md "Retention"): defaults, values, bounds.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include "config/daemon_config.hpp"
#include "support/diagnostics.hpp"
#include "support/temp_dir.hpp"

namespace {

const std::string k_retention_team =
    "teams:\n"
    "  - name: acme\n"
    "    issuer_id: 57246542-96fe-1a63-e053-0824d011072a\n"
    "    key_id: 2X9R4HXF34\n"
    "    private_key_file: key.p8\n"
    "    desired_state: desired\n";

struct RetentionInstall : test_support::TempDir {
  RetentionInstall() {
    write("key.p8", "not read by the config loader");
    std::filesystem::create_directories(path / "desired");
  }
};

}  // namespace

TEST_CASE("retention: defaults are 90 days, 10000 runs, 1000 plans, batches of 5000") {
  RetentionInstall dir;
  config::Diagnostics diags;
  auto r =
      config::load_daemon_config(dir.write("ascsync.yaml", k_retention_team), config::Environment{}, &diags);
  INFO(diags.render());
  REQUIRE(r.ok());
  CHECK(r->retention.days == 90);
  CHECK(r->retention.max_runs_per_team == 10000);
  CHECK(r->retention.max_plans_per_team == 1000);
  CHECK(r->retention.batch == 5000);
}

TEST_CASE("retention: values are read, 0 turns a limit off, bad values and unknown keys are errors") {
  RetentionInstall dir;
  config::Diagnostics diags;
  auto r = config::load_daemon_config(
      dir.write("ascsync.yaml",
                "retention: {days: 0, max_runs_per_team: 100, max_plans_per_team: 0, batch: 10}\n" +
                    k_retention_team),
      config::Environment{}, &diags);
  INFO(diags.render());
  REQUIRE(r.ok());
  CHECK(r->retention.days == 0);
  CHECK(r->retention.max_runs_per_team == 100);
  CHECK(r->retention.max_plans_per_team == 0);
  CHECK(r->retention.batch == 10);

  config::Diagnostics bad;
  auto e = config::load_daemon_config(
      dir.write("bad.yaml", "retention: {days: -1, batch: 0, max_run_per_team: 5}\n" + k_retention_team),
      config::Environment{}, &bad);
  CHECK_FALSE(e.ok());
  const std::string text = bad.render();
  CHECK(text.find("days") != std::string::npos);
  CHECK(text.find("batch") != std::string::npos);
  CHECK(text.find("max_run_per_team") != std::string::npos);
}
