// Soak benchmark for `ascsync run`: the built daemon binary against an in-process simulator
// holding a 10,000-tester team (50 groups), for N cycles at a short interval, with out-of-band
// changes injected every few cycles. Per cycle it samples the daemon's RSS, open file
// descriptors and CPU time (/proc/<pid>), and the simulator's request and write counters.
// Prints a markdown table. Not a test.
//
//   bench_soak [--interval SECONDS] [--cycles N] [--testers N] [--groups N] [--drift-every N]
//              [--binary PATH]
#include <fcntl.h>
#include <httplib.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "sim/simulator.hpp"
#include "util/crypto.hpp"
#include "util/files.hpp"

extern char** environ;

namespace {

using namespace std::chrono_literals;

struct Args {
  int interval_s = 60;  // the 1-minute interval
  int cycles = 30;
  int testers = 10000;
  int groups = 50;
  int drift_every = 5;  // out-of-band changes before every Nth cycle
  std::string binary;
};

Args parse(int argc, char** argv) {
  Args a;
  a.binary =
      (std::filesystem::canonical("/proc/self/exe").parent_path().parent_path() / "src" / "ascsync").string();
  for (int i = 1; i < argc; ++i) {
    const std::string k = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) throw std::invalid_argument(k + " needs a value");
      return argv[++i];
    };
    if (k == "--interval")
      a.interval_s = std::stoi(next());
    else if (k == "--cycles")
      a.cycles = std::stoi(next());
    else if (k == "--testers")
      a.testers = std::stoi(next());
    else if (k == "--groups")
      a.groups = std::stoi(next());
    else if (k == "--drift-every")
      a.drift_every = std::stoi(next());
    else if (k == "--binary")
      a.binary = next();
    else
      throw std::invalid_argument("unknown option " + k);
  }
  if (a.interval_s < 2 || a.cycles < 2 || a.groups < 1 || a.testers < a.groups || a.drift_every < 2)
    throw std::invalid_argument(
        "need --interval >= 2, --cycles >= 2, --testers >= --groups >= 1, --drift-every >= 2");
  return a;
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path);
}

struct ProcSample {
  long rss_kb = 0;
  int fds = 0;
  double cpu_s = 0;  // utime + stime
};

// A /proc file's text (they report size 0, so read until EOF), "" when unreadable.
std::string read_proc(const std::string& path) {
  std::string text;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return text;
  char buf[4096];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) text.append(buf, static_cast<size_t>(n));
  ::close(fd);
  return text;
}

ProcSample sample(pid_t pid) {
  ProcSample s;
  const std::string base = "/proc/" + std::to_string(pid);
  const std::string status = read_proc(base + "/status");
  if (const size_t at = status.find("VmRSS:"); at != std::string::npos)
    s.rss_kb = std::stol(status.substr(at + 6));
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator(base + "/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec))
    ++s.fds;
  const std::string text = read_proc(base + "/stat");
  if (text.rfind(')') == std::string::npos) return s;
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
  std::istringstream rest(text.substr(text.rfind(')') + 2));
  std::vector<std::string> fields;
  for (std::string f; rest >> f;) fields.push_back(f);
  if (fields.size() > 12) {
    const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
    s.cpu_s = (std::stod(fields[11]) + std::stod(fields[12])) / ticks;
  }
  return s;
}

long long pages(size_t n) {
  return std::max(1LL, static_cast<long long>((n + 199) / 200));
}

// The fewest requests a full refresh can make: one listing per kind, 200 per page.
long long minimum_requests(const nlohmann::json& state) {
  long long total = 0;
  for (const char* kind :
       {"apps", "users", "userInvitations", "betaGroups", "betaTesters", "certificates", "profiles"})
    total += pages(state.contains(kind) ? state[kind].size() : 0);
  return total;
}

struct CycleRow {
  int cycle = 0;
  bool drift = false;  // out-of-band changes were injected before it
  ProcSample proc;
  double cpu_delta_s = 0;
  long long requests = 0;
  long long writes = 0;
  long long minimum = 0;
  std::string outcome;
  long long span = 1;  // daemon cycles this sample covers (1 unless sampling fell behind)
};

}  // namespace

int main(int argc, char** argv) {
  Args args;
  try {
    args = parse(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_soak: %s\n", e.what());
    return 2;
  }
  if (::access(args.binary.c_str(), X_OK) != 0) {
    std::fprintf(stderr, "bench_soak: %s is missing (ninja ascsync, or --binary)\n", args.binary.c_str());
    return 2;
  }

  char tmpl[] = "/tmp/ascsync-soak-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) return 1;
  const std::string dir = tmpl;

  sim::Options so;
  so.rate_limit_per_hour = 3600;  // Apple's usual budget: the soak must live within it
  sim::Simulator sim(so);
  auto key = util::generate_p256_key();
  const std::string issuer = "69a6de70-03db-47e3-e053-5b8c7c11a4d1";
  const std::string key_id = "SOAKTEST01";
  const std::string key_path = dir + "/AuthKey_" + key_id + ".p8";
  if (!util::write_file_atomic(key_path, util::private_key_to_pem(key.get()), 0600)) return 1;
  sim.add_api_key(issuer, key_id, util::public_key_to_pem(key.get()), "ADMIN");
  sim.start();

  // The team as it already is at Apple: apps of 10 groups each, testers spread over the groups
  // (at most 10,000 per app). The desired state declares exactly that, so the first cycle only
  // adopts and later cycles are idle unless something drifted.
  const int apps = (args.groups + 9) / 10;
  std::vector<std::string> app_ids, bundles;
  for (int a = 0; a < apps; ++a) {
    bundles.push_back("com.soak.app" + std::to_string(a));
    app_ids.push_back(sim.add_app(bundles.back(), "Soak " + std::to_string(a)));
  }
  std::vector<std::string> group_ids, group_names;
  std::vector<int> group_app;
  for (int g = 0; g < args.groups; ++g) {
    group_app.push_back(g / 10 % apps);
    group_names.push_back("Group " + std::to_string(g));
    group_ids.push_back(
        sim.add_beta_group(app_ids[static_cast<size_t>(group_app.back())], group_names.back(), false));
  }
  std::vector<std::vector<std::string>> members(static_cast<size_t>(args.groups));
  std::map<std::string, std::string> tester_group;  // email -> group id
  for (int t = 0; t < args.testers; ++t) {
    const std::string email = "tester" + std::to_string(t) + "@soak.example";
    const auto g = static_cast<size_t>(t % args.groups);
    sim.add_beta_tester(email, "T", std::to_string(t), {group_ids[g]});
    members[g].push_back(email);
    tester_group[email] = group_ids[g];
  }
  std::string desired = "team: soak\npolicy:\n  prune: {testers: false, group_memberships: true}\napps:\n";
  for (int a = 0; a < apps; ++a) {
    desired += "  - bundle_id: " + bundles[static_cast<size_t>(a)] + "\n    groups:\n";
    for (int g = 0; g < args.groups; ++g) {
      if (group_app[static_cast<size_t>(g)] != a) continue;
      desired += "      - name: " + group_names[static_cast<size_t>(g)] + "\n        members:\n";
      for (const auto& m : members[static_cast<size_t>(g)]) desired += "          - " + m + "\n";
    }
  }
  write_text(dir + "/soak.yaml", desired);

  int admin_port = 0;
  {
    httplib::Server probe;
    admin_port = probe.bind_to_any_port("127.0.0.1");
  }
  write_text(dir + "/ascsync.yaml",
             "database: " + dir + "/ascsync.db\nlog:\n  level: debug\nadmin:\n  listen: 127.0.0.1:" +
                 std::to_string(admin_port) + "\ndefaults:\n  interval: " + std::to_string(args.interval_s) +
                 "s\n  jitter: 1s\nteams:\n  - name: soak\n" + "    issuer_id: " + issuer +
                 "\n    key_id: " + key_id + "\n    private_key_file: " + key_path +
                 "\n    desired_state: " + dir + "/soak.yaml\n    base_url: " + sim.base_url() + "\n");

  std::vector<std::string> argv_s{args.binary, "--config", dir + "/ascsync.yaml", "run"};
  std::vector<char*> cargv;
  for (auto& s : argv_s) cargv.push_back(s.data());
  cargv.push_back(nullptr);
  std::vector<std::string> env_s;
  for (const char* keep : {"PATH", "ASAN_OPTIONS", "TMPDIR"})
    if (const char* v = std::getenv(keep)) env_s.push_back(std::string(keep) + "=" + v);
  std::vector<char*> cenv;
  for (auto& s : env_s) cenv.push_back(s.data());
  cenv.push_back(nullptr);
  const std::string log_path = dir + "/daemon.log";
  const int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(null_fd, 0);
    ::dup2(log_fd, 1);
    ::dup2(log_fd, 2);
    ::execve(args.binary.c_str(), cargv.data(), cenv.data());
    ::_exit(127);
  }
  ::close(log_fd);
  ::close(null_fd);

  // Cycle boundaries come from the daemon's own log line ("team soak: cycle <outcome> in <s> s",
  // written after each cycle finished), not from polling /status: sampling must not load the
  // daemon, and the admin endpoint is not what is measured.
  auto finished_cycles = [&]() {
    std::vector<std::string> outcomes;
    const std::string text = read_proc(log_path);
    const std::string marker = "team soak: cycle ";
    for (size_t at = text.find(marker); at != std::string::npos; at = text.find(marker, at + 1)) {
      const size_t word = at + marker.size();
      const size_t space = text.find(' ', word);
      if (space == std::string::npos || text.compare(space, 4, " in ") != 0) continue;
      outcomes.push_back(text.substr(word, space - word));
    }
    return outcomes;
  };
  auto alive = [&] {
    int st = 0;
    return ::waitpid(pid, &st, WNOHANG) == 0;
  };

  std::vector<CycleRow> rows;
  long long last_requests = 0;
  long long last_writes = 0;
  double last_cpu = sample(pid).cpu_s;
  long long minimum = minimum_requests(sim.dump_state());
  bool drift_next = false;
  int drift_round = 0;
  const auto started = std::chrono::steady_clock::now();
  long long seen = 0;  // cycles the daemon reported finished at the last sample
  // The first cycle adopts every object (one journaled, audited SQLite transaction each): minutes
  // for 10,000 testers. Later cycles must keep to the interval.
  double first_cycle_s = 0;
  for (int c = 1; c <= args.cycles; ++c) {
    const auto deadline =
        std::chrono::steady_clock::now() +
        (c == 1 ? std::chrono::seconds(3600) : std::chrono::seconds(args.interval_s * 3 + 120));
    std::vector<std::string> outcomes;
    for (;;) {
      if (!alive()) {
        std::fprintf(stderr, "bench_soak: the daemon exited; log in %s\n", log_path.c_str());
        return 1;
      }
      outcomes = finished_cycles();
      if (static_cast<long long>(outcomes.size()) > seen) break;
      if (std::chrono::steady_clock::now() > deadline) {
        std::fprintf(stderr, "bench_soak: cycle %d did not finish in time; log in %s\n", c, log_path.c_str());
        ::kill(pid, SIGKILL);
        return 1;
      }
      std::this_thread::sleep_for(50ms);
    }
    CycleRow row;
    row.cycle = c;
    row.span = static_cast<long long>(outcomes.size()) - seen;
    seen = static_cast<long long>(outcomes.size());
    row.drift = drift_next;
    row.proc = sample(pid);
    row.cpu_delta_s = row.proc.cpu_s - last_cpu;
    row.requests = sim.request_count() - last_requests;
    row.writes = sim.write_count() - last_writes;
    row.minimum = minimum;
    row.outcome = outcomes.back();
    last_cpu = row.proc.cpu_s;
    last_requests = sim.request_count();
    last_writes = sim.write_count();
    rows.push_back(row);
    if (c == 1)
      first_cycle_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::fprintf(stderr, "cycle %d: %s, %lld requests, %lld writes, RSS %ld kB, %d fds%s\n", c,
                 row.outcome.c_str(), row.requests, row.writes, row.proc.rss_kb, row.proc.fds,
                 row.drift ? " (after drift)" : "");
    if (row.span != 1) std::fprintf(stderr, "  (this sample covers %lld daemon cycles)\n", row.span);

    // Someone works in the web UI: a declared tester is deleted, another leaves a group, and a
    // stranger is added to a group (group_memberships prune removes it again).
    drift_next = c % args.drift_every == 0 && c < args.cycles;
    if (drift_next) {
      const auto state = sim.dump_state();
      const auto& testers = state["betaTesters"];
      const size_t n = testers.size();
      const auto& victim = testers[static_cast<size_t>(drift_round * 37) % n];
      sim.remove_beta_tester(victim["id"].get<std::string>());
      sim.add_beta_tester("stranger" + std::to_string(drift_round) + "@soak.example", "S", "X",
                          {group_ids[static_cast<size_t>(drift_round) % group_ids.size()]});
      ++drift_round;
    }
    minimum = minimum_requests(sim.dump_state());
  }
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  ::kill(pid, SIGTERM);
  int status = 0;
  ::waitpid(pid, &status, 0);
  const int exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;

  // Idle cycles: not the first (adoption), not right after drift, not the repair's follow-up.
  std::vector<const CycleRow*> idle;
  for (size_t i = 1; i < rows.size(); ++i)
    if (!rows[i].drift) idle.push_back(&rows[i]);
  auto stats = [&](auto field) {
    double lo = 1e300, hi = -1e300, sum = 0;
    for (const auto* r : idle) {
      const double v = field(*r);
      lo = std::min(lo, v);
      hi = std::max(hi, v);
      sum += v;
    }
    return std::array<double, 3>{lo, sum / static_cast<double>(std::max<size_t>(1, idle.size())), hi};
  };
  const auto cpu = stats([](const CycleRow& r) { return r.cpu_delta_s * 1000.0; });
  const auto req = stats([](const CycleRow& r) { return static_cast<double>(r.requests); });
  const auto wr = stats([](const CycleRow& r) { return static_cast<double>(r.writes); });
  long long over_minimum = 0;
  for (const auto* r : idle) over_minimum += r->requests - r->minimum;
  int drift_cycles = 0, drift_writes = 0;
  for (const auto& r : rows)
    if (r.drift) {
      ++drift_cycles;
      drift_writes += static_cast<int>(r.writes);
    }

  std::printf("## bench_soak: `ascsync run` against a %d-tester, %d-group team\n\n", args.testers,
              args.groups);
  std::printf("first cycle (adopting every object) %.0f s; ", first_cycle_s);
  std::printf(
      "interval %d s (jitter 1 s), %d cycles in %.0f s, out-of-band changes before every %dth cycle "
      "(%d drift cycles), simulator rate limit 3600/h, daemon exit code after SIGTERM: %d\n\n",
      args.interval_s, args.cycles, elapsed, args.drift_every, drift_cycles, exit_code);
  std::printf("| measure | first | last | idle min | idle mean | idle max |\n|---|---|---|---|---|---|\n");
  std::printf("| RSS (kB) | %ld | %ld (%+ld) | | | |\n", rows.front().proc.rss_kb, rows.back().proc.rss_kb,
              rows.back().proc.rss_kb - rows.front().proc.rss_kb);
  // RSS after the second cycle: the first one carries the adoption's one-off allocations.
  std::printf("| RSS from cycle 2 (kB) | %ld | %ld (%+ld) | | | |\n", rows[1].proc.rss_kb,
              rows.back().proc.rss_kb, rows.back().proc.rss_kb - rows[1].proc.rss_kb);
  std::printf("| open fds | %d | %d | | | |\n", rows.front().proc.fds, rows.back().proc.fds);
  std::printf("| CPU per idle cycle (ms) | %.0f | | %.0f | %.0f | %.0f |\n",
              rows.front().cpu_delta_s * 1000.0, cpu[0], cpu[1], cpu[2]);
  std::printf("| requests per idle cycle (minimum %lld) | %lld | | %.0f | %.1f | %.0f |\n",
              idle.empty() ? 0 : idle.front()->minimum, rows.front().requests, req[0], req[1], req[2]);
  std::printf("| writes per idle cycle | %lld | | %.0f | %.1f | %.0f |\n", rows.front().writes, wr[0], wr[1],
              wr[2]);
  std::printf(
      "\n%zu idle cycles; requests above the mirror's minimum over all idle cycles: %lld; writes in the %d "
      "cycles after drift: %d (each repairs one deleted tester and one stranger)\n",
      idle.size(), over_minimum, drift_cycles, drift_writes);
  std::printf("outcomes:");
  for (const auto& r : rows) std::printf(" %s", r.outcome.c_str());
  std::printf("\n");
  sim.stop();
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return exit_code == 0 ? 0 : 1;
}
