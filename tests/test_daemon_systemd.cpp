// systemd/ascsync.service: systemd itself checks the unit (`systemd-analyze verify`) and scores
// its sandbox (`systemd-analyze security --offline=yes`).
#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include "support/shell.hpp"

namespace {

namespace fs = std::filesystem;

using test_support::run_command;
using test_support::ShellResult;

std::string read_unit() {
  std::ifstream in(std::string(ASCSYNC_TEST_SOURCE_DIR) + "/systemd/ascsync.service");
  REQUIRE(in.good());
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A temp dir holding the unit with ExecStart pointing at a binary that exists here.
class UnitCopy {
 public:
  UnitCopy() {
    char dir[] = "/tmp/ascsync-unit-XXXXXX";
    REQUIRE(mkdtemp(dir) != nullptr);
    m_dir = dir;
    std::string binary = std::string(ASCSYNC_TEST_BINARY_DIR) + "/src/ascsync";
    if (!fs::exists(binary)) binary = "/bin/true";
    std::string unit = read_unit();
    const std::string from = "ExecStart=/usr/bin/ascsync ";
    const auto at = unit.find(from);
    REQUIRE(at != std::string::npos);
    unit.replace(at, from.size(), "ExecStart=" + binary + " ");
    m_path = m_dir + "/ascsync.service";
    std::ofstream(m_path) << unit;
  }
  ~UnitCopy() { fs::remove_all(m_dir); }
  const std::string& path() const { return m_path; }

 private:
  std::string m_dir;
  std::string m_path;
};

bool have_systemd_analyze() {
  return run_command("command -v systemd-analyze").exit_code == 0;
}

}  // namespace

TEST_CASE("systemd: the unit declares what the daemon relies on") {
  const std::string unit = read_unit();
  for (const char* line : {"Type=notify\n",
                           "NotifyAccess=main\n",
                           "WatchdogSec=",
                           "ExecStart=/usr/bin/ascsync run --config /etc/ascsync/ascsync.yaml\n",
                           "ExecReload=/bin/kill -HUP $MAINPID\n",
                           "DynamicUser=yes\n",
                           "StateDirectory=ascsync\n",
                           "ConfigurationDirectory=ascsync\n",
                           "RuntimeDirectory=ascsync\n",
                           "LoadCredential=",
                           "UMask=0077\n",
                           "RestartPreventExitStatus=78\n",
                           "ProtectSystem=strict\n",
                           "NoNewPrivileges=yes\n",
                           "CapabilityBoundingSet=\n",
                           "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX\n",
                           "SystemCallFilter=@system-service\n",
                           "MemoryDenyWriteExecute=yes\n",
                           "ProtectProc=invisible\n",
                           "ProcSubset=pid\n"}) {
    CAPTURE(line);
    CHECK(unit.find(line) != std::string::npos);
  }
  // Secrets come as credentials, never through the environment.
  CHECK(unit.find("Environment=") == std::string::npos);
}

TEST_CASE("systemd: systemd-analyze verify accepts the unit") {
  if (!have_systemd_analyze()) FAIL("systemd-analyze not found: install the Debian package 'systemd'");
  UnitCopy copy;
  const auto r = run_command("systemd-analyze verify " + copy.path());
  INFO(r.output);
  CHECK(r.exit_code == 0);
  CHECK(r.output.find("ascsync.service") == std::string::npos);
}

TEST_CASE("systemd: the sandbox scores an exposure of at most 2.0") {
  if (!have_systemd_analyze()) FAIL("systemd-analyze not found: install the Debian package 'systemd'");
  UnitCopy copy;
  const auto r = run_command("systemd-analyze security --offline=yes --no-pager " + copy.path());
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  std::smatch m;
  const bool found =
      std::regex_search(r.output, m, std::regex(R"(Overall exposure level for [^:]+: ([0-9]+\.[0-9]+))"));
  REQUIRE_MESSAGE(found, r.output);
  const double score = std::stod(m[1].str());
  MESSAGE("exposure score: " << score);
  CHECK_MESSAGE(score <= 2.0, r.output);
}
