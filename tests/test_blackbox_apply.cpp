// The built `ascsync` binary, run as a user runs it, against an in-process simulator: crash
// recovery (SIGKILL after write N, then a normal apply converges with no duplicates and the
// journal settled), `ascsync plan` exit codes and --json shape, and a second applier refused
// while the first holds the lock.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "store/apply_lock.hpp"
#include "store/journal.hpp"
#include "store/managed.hpp"
#include "support/reconcile_fixture.hpp"

extern char** environ;

namespace {

using nlohmann::json;
using test_support::ReconcileFixture;
using test_support::World;
using Strings = std::vector<std::string>;

struct Run {
  int exit_code = -1;  // -1 when killed by a signal
  int signal = 0;
  std::string out;
  std::string err;
};

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Runs the ascsync binary with `args`, extra environment entries ("NAME=value") and stdout /
// stderr captured through files in `dir`. Waits for it.
Run run_ascsync(const std::string& dir, const Strings& args, const Strings& extra_env = {}) {
  const std::string binary = std::string(ASCSYNC_TEST_BINARY_DIR) + "/src/ascsync";
  REQUIRE_MESSAGE(::access(binary.c_str(), X_OK) == 0, (binary + " is missing: run `ninja ascsync` first"));
  std::vector<std::string> argv_s{binary};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_s;
  for (char** e = environ; *e; ++e)
    if (std::string(*e).rfind("ASCSYNC_", 0) != 0) env_s.emplace_back(*e);
  env_s.insert(env_s.end(), extra_env.begin(), extra_env.end());
  std::vector<char*> envp;
  for (auto& e : env_s) envp.push_back(e.data());
  envp.push_back(nullptr);

  const std::string out_path = dir + "/stdout.txt";
  const std::string err_path = dir + "/stderr.txt";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, binary.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  REQUIRE(rc == 0);
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  Run r;
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
  r.out = read_all(out_path);
  r.err = read_all(err_path);
  return r;
}

constexpr const char* k_desired = R"(team: acme
policy:
  prune: {testers: true, group_memberships: true}
users:
  - {email: dev@acme.example, first_name: Dev, last_name: One, roles: [APP_MANAGER, DEVELOPER]}
  - {email: sam@acme.example, first_name: Sam, last_name: Ortiz, roles: [MARKETING]}
  - {email: lee@acme.example, first_name: Lee, last_name: Park, roles: [DEVELOPER]}
apps:
  - bundle_id: com.acme.shop
    groups:
      - name: QA
        public_link: {enabled: true, limit: 50}
        members: [robin@example.org, alex@example.org, new@example.org]
      - name: Friends
        members: [robin@example.org, kim@example.org]
  - bundle_id: com.acme.chat
    groups:
      - name: Beta
        members: [kim@example.org, old@example.org]
)";

void seed(ReconcileFixture& f) {
  f.add_apps({"com.acme.shop", "com.acme.chat"});
  f.sim().add_user("owner@acme.example", "Olive", "Owner", {"ACCOUNT_HOLDER", "ADMIN"});
  f.sim().add_user("dev@acme.example", "Dev", "One", {"DEVELOPER"});
  // Old is already a tester (another app's group): the plan adds him to Beta by linkage.
  const std::string other = f.sim().add_beta_group(f.app_ids["com.acme.chat"], "Other", false);
  f.sim().add_beta_tester("old@example.org", "Old", "Timer", {other});
}

void check_converged(const World& w) {
  CHECK_FALSE(w.has_duplicates());
  CHECK(w.members("com.acme.shop/QA") == Strings{"alex@example.org", "new@example.org", "robin@example.org"});
  CHECK(w.members("com.acme.shop/Friends") == Strings{"kim@example.org", "robin@example.org"});
  CHECK(w.members("com.acme.chat/Beta") == Strings{"kim@example.org", "old@example.org"});
  CHECK(w.testers.size() == 5);
  CHECK(w.groups.size() == 4);
  CHECK(w.users.at("dev@acme.example") == Strings{"APP_MANAGER", "DEVELOPER"});
  CHECK(w.invitations.size() == 2);
  CHECK(w.invitations.count("sam@acme.example") == 1);
  CHECK(w.invitations.count("lee@acme.example") == 1);
}

}  // namespace

TEST_CASE("crash after write N: the next apply converges with no duplicates and a settled journal") {
  // Writes in plan order: 1-3 group creates, 4-5 invitations, 6-9 tester creates, 10 the batch
  // adding Old to Beta, 11 Dev's role update.
  for (const int n : {1, 2, 3, 4, 5, 6, 10, 11}) {
    CAPTURE(n);
    ReconcileFixture f;
    seed(f);
    (void)f.desired(k_desired);
    const std::string cfg = f.write_daemon_config();

    const Run crashed =
        run_ascsync(f.dir, {"-c", cfg, "apply"}, {"ASCSYNC_CRASH_AFTER_WRITES=" + std::to_string(n)});
    CHECK(crashed.signal == SIGKILL);
    CHECK(f.sim().write_count() == n);

    // The write that killed the process was sent but never completed: exactly one pending entry.
    store::Journal journal(*f.db);
    auto pending = journal.pending(ReconcileFixture::k_team);
    REQUIRE(pending);
    REQUIRE(pending->size() == 1);
    const int64_t crashed_entry = pending->front().id;
    const std::string crashed_key = pending->front().natural_key;
    CAPTURE(crashed_key);

    const Run again = run_ascsync(f.dir, {"-c", cfg, "apply"});
    CHECK_MESSAGE(again.exit_code == 0, (again.out + again.err));
    check_converged(f.world());

    pending = journal.pending(ReconcileFixture::k_team);
    REQUIRE(pending);
    CHECK(pending->empty());
    auto entries = journal.recent(ReconcileFixture::k_team, 1000);
    REQUIRE(entries);
    for (const auto& e : *entries) {
      if (e.id != crashed_entry) continue;
      CHECK(e.state == "resolved");
      // Creates are read back; a membership batch is left to the next plan (result null).
      if (e.kind != "membership") CHECK(e.result["happened"] == true);
    }

    // What was created before the crash is owned: groups, testers and invitations are managed.
    store::ManagedObjects managed(*f.db);
    auto keys = managed.load_managed(ReconcileFixture::k_team);
    REQUIRE(keys);
    for (const char* k :
         {"group:com.acme.shop/QA", "group:com.acme.shop/Friends", "group:com.acme.chat/Beta",
          "tester:robin@example.org", "tester:alex@example.org", "tester:new@example.org",
          "tester:kim@example.org", "invitation:sam@acme.example", "invitation:lee@acme.example"})
      CHECK_MESSAGE(keys->count(k), k);

    const Run status = run_ascsync(f.dir, {"-c", cfg, "status", "--json"});
    REQUIRE(status.exit_code == 0);
    const json s = json::parse(status.out);
    REQUIRE(s["teams"].size() == 1);
    CHECK(s["teams"][0]["journal_pending"] == 0);

    f.sim().reset_counters();
    const Run plan = run_ascsync(f.dir, {"-c", cfg, "plan"});
    CHECK_MESSAGE(plan.exit_code == 0, (plan.out + plan.err));
    CHECK(f.sim().write_count() == 0);
  }
}

TEST_CASE("ascsync plan: exit 2 with changes, 0 in sync, 1 on errors; --json shape") {
  ReconcileFixture f;
  seed(f);
  (void)f.desired(k_desired);
  const std::string cfg = f.write_daemon_config();

  const Run changes = run_ascsync(f.dir, {"-c", cfg, "plan", "--json"});
  CHECK_MESSAGE(changes.exit_code == 2, changes.err);
  CHECK(f.sim().write_count() == 0);
  // Always {"teams": [...]}, one team included (issue 12.5).
  const json all = json::parse(changes.out);
  REQUIRE(all["teams"].size() == 1);
  const json& j = all["teams"][0];
  CHECK(j["team"] == "acme");
  CHECK(j["valid"] == true);
  CHECK(j["outcome"] == "changes");
  CHECK(j["guard"]["allowed"] == true);
  CHECK(j["guard"]["deletions"] == 0);
  CHECK(j["errors"].empty());
  CHECK(j["summary"]["add"].get<int>() >= 8);  // 3 groups, 4 testers, 2 invitations (+ Beta members)
  CHECK(j["summary"]["destroy"] == 0);
  CHECK(j["summary"]["change"].get<int>() >= 1);  // dev's roles
  bool has_group_create = false;
  for (const auto& c : j["changes"]) {
    CHECK(c.contains("kind"));
    CHECK(c.contains("action"));
    CHECK(c.contains("key"));
    CHECK(c.contains("reason"));
    if (c["key"] == "group:com.acme.shop/QA") has_group_create = c["action"] == "create";
  }
  CHECK(has_group_create);

  // Text plan: the same exit code, Terraform style.
  const Run text = run_ascsync(f.dir, {"-c", cfg, "plan"});
  CHECK(text.exit_code == 2);
  CHECK(text.out.find("to add") != std::string::npos);

  const Run applied = run_ascsync(f.dir, {"-c", cfg, "apply", "--json"});
  CHECK_MESSAGE(applied.exit_code == 0, applied.err);
  const json a = json::parse(applied.out)["teams"][0];
  CHECK(a["outcome"] == "converged");
  CHECK(a["apply"]["failed"] == 0);
  CHECK(a["apply"]["writes"].get<long long>() == f.sim().write_count());
  check_converged(f.world());

  const Run in_sync = run_ascsync(f.dir, {"-c", cfg, "plan", "--json"});
  CHECK(in_sync.exit_code == 0);
  const json s = json::parse(in_sync.out)["teams"][0];
  CHECK(s["outcome"] == "converged");
  CHECK(s["changes"].empty());

  // A broken desired state: exit 1, nothing planned, the location in the message.
  ReconcileFixture::write_text(f.desired_path,
                               "team: acme\napps:\n  - bundle_id: com.acme.shop\n    groups: 7\n");
  const Run broken = run_ascsync(f.dir, {"-c", cfg, "plan"});
  CHECK(broken.exit_code == 1);
  CHECK(broken.err.find("desired.yaml:4") != std::string::npos);

  // A plan error (an app App Store Connect does not have): exit 1, JSON says why.
  (void)f.desired("team: acme\napps:\n  - bundle_id: com.acme.missing\n    groups:\n      - name: QA\n");
  const Run invalid = run_ascsync(f.dir, {"-c", cfg, "plan", "--json"});
  CHECK(invalid.exit_code == 1);
  const json e = json::parse(invalid.out)["teams"][0];
  CHECK(e["valid"] == false);
  CHECK(e["outcome"] == "blocked");
  REQUIRE(e["errors"].size() >= 1);
  CHECK(e["errors"][0]["message"].get<std::string>().find("com.acme.missing") != std::string::npos);

  // The simulator unreachable: exit 1.
  f.sim().stop();
  const Run down = run_ascsync(f.dir, {"-c", cfg, "plan"});
  CHECK(down.exit_code == 1);
}

TEST_CASE("a second ascsync apply is refused while another holds the team's lock") {
  ReconcileFixture f;
  seed(f);
  (void)f.desired(k_desired);
  const std::string cfg = f.write_daemon_config();
  {
    auto held = store::ApplyLock::acquire(f.db_path + "." + ReconcileFixture::k_team);
    REQUIRE(held);
    const Run refused = run_ascsync(f.dir, {"-c", cfg, "apply"});
    CHECK(refused.exit_code == 1);
    CHECK(refused.err.find(std::to_string(::getpid())) != std::string::npos);
    CHECK(refused.err.find("--lock-wait") != std::string::npos);
    CHECK(f.sim().write_count() == 0);
  }
  const Run applied = run_ascsync(f.dir, {"-c", cfg, "apply"});
  CHECK_MESSAGE(applied.exit_code == 0, applied.err);
  check_converged(f.world());
}
