// `ascsync validate` path handling.
#include <doctest/doctest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>

#include "config/desired_state.hpp"
#include "config/validate.hpp"
#include "support/diagnostics.hpp"
#include "support/temp_dir.hpp"

namespace fs = std::filesystem;

namespace {

using test_support::TempDir;

using test_support::has;

}  // namespace

TEST_CASE("validate_paths: a daemon config with its teams, a desired-state file, a directory") {
  TempDir dir;
  dir.write("key.p8", "k");
  dir.write("desired/acme/a.yaml", "team: acme\n");
  const std::string wrong = dir.write("desired/wrong.yaml", "team: other\n");
  const std::string cfg =
      dir.write("ascsync.yaml",
                "teams:\n"
                "  - {name: acme, issuer_id: 57246542-96fe-1a63-e053-0824d011072a, key_id: 2X9R4HXF34,\n"
                "     private_key_file: key.p8, desired_state: desired/acme}\n"
                "  - {name: beta, issuer_id: 57246542-96fe-1a63-e053-0824d011072a, key_id: 2X9R4HXF35,\n"
                "     private_key_file: key.p8, desired_state: desired/wrong.yaml}\n");
  const std::string bad = dir.write("bad.yaml", "team: acme\nusers: [x]\n");
  auto report = config::validate_paths(
      {cfg, (dir.path / "desired/acme").string(), bad, dir.path.string() + "/nope"}, config::Environment{});
  INFO(report.diagnostics.render());
  CHECK_FALSE(report.ok());
  CHECK(report.daemon_configs == 1);
  CHECK(report.desired_states == 4);
  CHECK(report.teams == std::vector<std::string>{"acme", "acme"});
  CHECK(has(report.diagnostics, wrong + ":1:7",
            {"names team 'other' but the daemon config uses it for 'beta'", cfg + ":4:5"}));
  CHECK(has(report.diagnostics, bad + ":2:9", {"a user must be a mapping"}));
  CHECK(has(report.diagnostics, dir.path.string() + "/nope", {"no such file or directory"}));
  CHECK(report.diagnostics.error_count() == 3);
  CHECK(report.summary() == "5 file(s) checked, 3 error(s), 0 warning(s)");

  auto good = config::validate_paths({(dir.path / "desired/acme").string()}, config::Environment{});
  CHECK(good.ok());
}
