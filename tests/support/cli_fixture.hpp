#pragma once
// Black-box harness: a running simulator (SimFixture) plus a private directory holding an
// ascsync.yaml, one desired-state file per team and the database, and a way to run the built
// `ascsync` binary against them the way a user would. Header-only; link ascsync_sim.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/model.hpp"
#include "support/sim_fixture.hpp"
#include "support/sim_state.hpp"

extern char** environ;

namespace test_support {

struct CommandResult {
  int exit_code = -1;  // -1 when the process did not exit normally
  std::string out;
  std::string err;
};

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path);
}

// The built ascsync binary.
inline std::string ascsync_binary() {
  return std::string(ASCSYNC_TEST_BINARY_DIR) + "/src/ascsync";
}

// Runs `program args...` with a minimal environment (no ASCSYNC_CONFIG, no JOURNAL_STREAM; the
// sanitizer options and PATH pass through) and `extra_env` added, capturing stdout and stderr
// through files in `scratch_dir`. Throws when the process cannot be started.
inline CommandResult run_process(const std::string& program, const std::vector<std::string>& args,
                                 const std::string& scratch_dir,
                                 const std::map<std::string, std::string>& extra_env = {}) {
  const std::string out_path = scratch_dir + "/.stdout";
  const std::string err_path = scratch_dir + "/.stderr";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);

  std::vector<std::string> argv_s{program};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<std::string> env_s;
  for (const char* keep : {"PATH", "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", "TMPDIR"})
    if (const char* v = std::getenv(keep)) env_s.push_back(std::string(keep) + "=" + v);
  env_s.push_back("HOME=" + scratch_dir);
  for (const auto& [k, v] : extra_env) env_s.push_back(k + "=" + v);

  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (auto& e : env_s) envp.push_back(e.data());
  envp.push_back(nullptr);

  pid_t pid = 0;
  const int rc = posix_spawn(&pid, program.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot start " + program);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
  }
  CommandResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.out = read_text(out_path);
  result.err = read_text(err_path);
  return result;
}

// A simulator, teams with their own registered keys, and a config file naming them.
class CliFixture {
 public:
  struct Team {
    std::string name;
    std::string issuer_id;
    std::string key_id;
    std::string key_path;
    std::string desired_path;
    bool enabled = true;
  };

  // Starts the simulator; the first team ("acme") uses the SimFixture's key.
  explicit CliFixture(sim::Options options = {}) : fx(std::move(options)) {
    dir = fx.dir;
    config_path = dir + "/ascsync.yaml";
    db_path = dir + "/ascsync.db";
    Team acme{"acme", fx.issuer_id, fx.key_id, fx.key_path, dir + "/acme.yaml"};
    teams.push_back(acme);
    write_config();
  }

  sim::Simulator& simulator() { return *fx.sim; }

  // Adds a team with a fresh key registered in the simulator (same App Store Connect state)
  // and rewrites the config. key_id must be 10 characters A-Z 0-9.
  Team& add_team(const std::string& name, const std::string& key_id, const std::string& role = "ADMIN") {
    auto key = util::generate_p256_key();
    Team team;
    team.name = name;
    team.issuer_id = "69a6de70-03db-47e3-e053-5b8c7c11a4" + std::to_string(10 + teams.size());
    team.key_id = key_id;
    team.key_path = dir + "/AuthKey_" + key_id + ".p8";
    team.desired_path = dir + "/" + name + ".yaml";
    if (!util::write_file_atomic(team.key_path, util::private_key_to_pem(key.get()), 0600))
      throw std::runtime_error("CliFixture: cannot write the key");
    fx.sim->add_api_key(team.issuer_id, key_id, util::public_key_to_pem(key.get()), role);
    teams.push_back(team);
    write_config();
    return teams.back();
  }

  // Writes ascsync.yaml (database in the private dir, every team pointing at the simulator)
  // and a minimal desired state per team.
  void write_config() {
    std::string yaml = "database: " + db_path + "\nlog:\n  level: warn\nteams:\n";
    for (const auto& t : teams) {
      yaml += "  - name: " + t.name + "\n    issuer_id: " + t.issuer_id + "\n    key_id: " + t.key_id +
              "\n    private_key_file: " + t.key_path + "\n    desired_state: " + t.desired_path +
              "\n    base_url: " + fx.base_url + "\n    enabled: " + (t.enabled ? "true" : "false") + "\n";
      write_text(t.desired_path, "team: " + t.name + "\n");
    }
    write_text(config_path, yaml);
  }

  // `ascsync --config <config> args...`.
  CommandResult ascsync(const std::vector<std::string>& args) const {
    std::vector<std::string> full{"--config", config_path};
    full.insert(full.end(), args.begin(), args.end());
    return run_process(ascsync_binary(), full, dir);
  }
  // `ascsync args...` with nothing added.
  CommandResult ascsync_raw(const std::vector<std::string>& args,
                            const std::map<std::string, std::string>& extra_env = {}) const {
    return run_process(ascsync_binary(), args, dir, extra_env);
  }

  SimFixture fx;
  std::string dir;
  std::string config_path;
  std::string db_path;
  std::vector<Team> teams;
};

}  // namespace test_support
