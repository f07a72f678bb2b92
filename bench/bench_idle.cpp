// Idle-cycle benchmark (issue 14): an existing team of 10,000 testers in 50 groups (5 apps), 500
// users and 20 certificates in the simulator; the desired state declares exactly those groups and
// members. Cycle 1 adopts the team (marks every declared item managed); every later cycle is idle
// (refresh, plan, nothing to apply). For each cycle it prints requests, CPU ms, fsyncs (counted by
// an SQLite VFS shim, bench/fsync_counter.hpp), and current and peak RSS of the cycling side
// (current: VmRSS after the cycle, and again after malloc_trim(0) — glibc keeps freed heap, so the
// first is the high-water mark of past cycles, the second what the process actually holds).
//
// The cycling side runs in a child process forked before the simulator starts any thread, so its
// CPU and RSS exclude the simulator. The database is a real file in a temp dir (WAL,
// synchronous=FULL, as in production).
//
// Usage: bench_idle [--cycles N (6)] [--testers N (10000)] [--latency-ms N (0)]
#include <malloc.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "asc/api.hpp"
#include "config/desired_state.hpp"
#include "forked_side.hpp"
#include "fsync_counter.hpp"
#include "reconcile/cycle.hpp"
#include "sim/simulator.hpp"
#include "store/database.hpp"
#include "util/clock.hpp"
#include "util/crypto.hpp"
#include "util/files.hpp"

namespace {

constexpr int k_apps = 5;
constexpr int k_groups = 50;
constexpr int k_users = 500;
constexpr int k_certificates = 20;
constexpr int k_max_cycles = 64;
constexpr const char* k_team = "bench";
const std::string k_issuer = "69a6de70-03db-47e3-e053-5b8c7c11a4d1";
const std::string k_key_id = "BENCHIDLE1";

struct Params {
  int cycles = 6;
  int testers = 10000;
  int latency_ms = 0;
};

Params parse(int argc, char** argv) {
  Params p;
  for (int i = 1; i < argc; ++i) {
    const std::string k = argv[i];
    if (i + 1 >= argc) throw std::invalid_argument(k + " needs a value");
    const int v = std::stoi(argv[++i]);
    if (k == "--cycles")
      p.cycles = std::clamp(v, 2, k_max_cycles);
    else if (k == "--testers")
      p.testers = v;
    else if (k == "--latency-ms")
      p.latency_ms = v;
    else
      throw std::invalid_argument("unknown option " + k);
  }
  return p;
}

std::string tester(int t) {
  return "tester" + std::to_string(t) + "@example.com";
}

// One cycle as the child measured it; sent to the parent through a pipe as plain bytes.
struct Sample {
  bool ok = false;
  char outcome[16] = {};
  long long requests = 0;
  long long writes = 0;
  long long adopted = 0;
  double wall_ms = 0;
  double cpu_ms = 0;  // user + system of the whole cycling process during the cycle
  long long fsyncs = 0;
  long rss_kb = 0;       // VmRSS after the cycle
  long trimmed_kb = 0;   // VmRSS after malloc_trim(0): what the heap still holds, not what it kept
  long peak_rss_kb = 0;  // ru_maxrss since the process started
};

double process_cpu_ms() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto ms = [](const timeval& tv) {
    return static_cast<double>(tv.tv_sec) * 1000.0 + static_cast<double>(tv.tv_usec) / 1000.0;
  };
  return ms(ru.ru_utime) + ms(ru.ru_stime);
}

long peak_rss_kb() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

long current_rss_kb() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  return 0;
}

std::string desired_yaml(const Params& p) {
  std::vector<std::vector<int>> members(k_groups);
  for (int t = 0; t < p.testers; ++t) members[size_t(t % k_groups)].push_back(t);
  std::string y = "team: bench\npolicy:\n  prune: {testers: true, group_memberships: true}\n";
  y += "  max_deletions: 100000\napps:\n";
  for (int a = 0; a < k_apps; ++a) {
    y += "  - bundle_id: com.acme.app" + std::to_string(a) + "\n    groups:\n";
    for (int g = a; g < k_groups; g += k_apps) {
      y += "      - name: Group " + std::to_string(g) + "\n        members: [";
      const auto& m = members[size_t(g)];
      for (size_t i = 0; i < m.size(); ++i) y += (i ? ", " : "") + tester(m[i]);
      y += "]\n";
    }
  }
  return y;
}

// The child: waits for the simulator's port, then runs the cycles and reports each one.
[[noreturn]] void cycling_side(int port_fd, int result_fd, const std::string& dir, const Params& p) {
  spdlog::set_level(spdlog::level::warn);
  bench::install_fsync_counter();
  int port = 0;
  if (!bench::read_all(port_fd, &port, sizeof port)) _exit(2);
  auto creds = asc::load_credentials(k_issuer, k_key_id, dir + "/AuthKey.p8");
  if (!creds) _exit(2);
  asc::ClientOptions options;
  options.base_url = "http://127.0.0.1:" + std::to_string(port);
  auto api = asc::Api::create(std::move(*creds), options);
  auto db = store::Database::open(dir + "/bench.db");
  auto desired = config::parse_desired_state({{dir + "/bench.yaml", desired_yaml(p)}});
  if (!api || !db || !desired) {
    std::fprintf(stderr, "child: setup failed%s\n", desired ? "" : (": " + desired.error().message).c_str());
    _exit(2);
  }
  util::ManualClock clock(std::chrono::system_clock::now());
  reconcile::CycleOptions cycle_options;
  for (int c = 0; c < p.cycles; ++c) {
    Sample s;
    const long long syncs0 = bench::fsync_count();
    const double cpu0 = process_cpu_ms();
    const auto t0 = std::chrono::steady_clock::now();
    auto report = reconcile::run_cycle(k_team, *desired, api->get(), *db, clock, cycle_options);
    s.wall_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    s.cpu_ms = process_cpu_ms() - cpu0;
    s.fsyncs = bench::fsync_count() - syncs0;
    s.rss_kb = current_rss_kb();
    ::malloc_trim(0);
    s.trimmed_kb = current_rss_kb();
    s.peak_rss_kb = peak_rss_kb();
    if (report) {
      s.ok = true;
      std::snprintf(s.outcome, sizeof s.outcome, "%s", util::to_string(report->outcome));
      s.requests = report->refresh ? report->refresh->fetch.requests : 0;
      if (report->apply) {
        s.writes = report->apply->writes;
        s.adopted = report->apply->adopted;
      }
    } else {
      std::fprintf(stderr, "child: cycle %d failed: %s\n", c + 1, report.error().describe().c_str());
    }
    if (!bench::write_all(result_fd, &s, sizeof s)) _exit(2);
    clock.advance(std::chrono::minutes(15));
  }
  _exit(0);
}

}  // namespace

int main(int argc, char** argv) try {
  const Params p = parse(argc, argv);
  const bench::Workspace ws = bench::make_workspace("bench-idle");
  const std::string& dir = ws.dir;
  const auto& key = ws.key;
  const bench::ForkedSide forked = bench::fork_side([&](int in, int out) { cycling_side(in, out, dir, p); });

  spdlog::set_level(spdlog::level::warn);
  sim::Options options;
  options.rate_limit_per_hour = 10'000'000;  // the budget is not what is measured here
  sim::Simulator sim(options);
  sim.add_api_key(k_issuer, k_key_id, util::public_key_to_pem(key.get()), "ADMIN");
  std::vector<std::string> apps;
  std::vector<std::string> groups;
  for (int a = 0; a < k_apps; ++a)
    apps.push_back(sim.add_app("com.acme.app" + std::to_string(a), "App " + std::to_string(a)));
  for (int g = 0; g < k_groups; ++g)
    groups.push_back(sim.add_beta_group(apps[size_t(g % k_apps)], "Group " + std::to_string(g), false));
  for (int u = 0; u < k_users; ++u)
    sim.add_user(
        "user" + std::to_string(u) + "@acme.com", "User", std::to_string(u), {"DEVELOPER"}, u % 2 == 0,
        u % 2 == 0 ? std::vector<std::string>{} : std::vector<std::string>{apps[size_t(u % k_apps)]});
  for (int t = 0; t < p.testers; ++t)
    sim.add_beta_tester(tester(t), "Tester", std::to_string(t), {groups[size_t(t % k_groups)]});
  for (int c = 0; c < k_certificates; ++c)
    sim.add_certificate(c % 2 ? "IOS_DISTRIBUTION" : "DEVELOPMENT", "Cert " + std::to_string(c));
  sim.start();
  if (p.latency_ms > 0) {
    sim::FaultRule latency;
    latency.route = "*";
    latency.latency_ms = p.latency_ms;
    sim.add_fault(latency);
  }
  sim.reset_counters();
  const int port = sim.port();
  if (!bench::write_all(forked.to_child, &port, sizeof port)) return 1;

  std::printf(
      "## bench_idle: %d testers in %d groups (%d apps), %d users, %d certificates; %d ms latency; "
      "cycle 1 adopts, later cycles are idle\n\n",
      p.testers, k_groups, k_apps, k_users, k_certificates, p.latency_ms);
  std::printf(
      "| cycle | ok | outcome | requests | writes | adopted | wall ms | CPU ms | fsyncs | RSS MB |"
      " RSS trimmed MB | peak RSS MB |\n|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  std::vector<Sample> idle;
  bool all_ok = true;
  for (int c = 0; c < p.cycles; ++c) {
    Sample s;
    if (!bench::read_all(forked.from_child, &s, sizeof s)) {
      std::fprintf(stderr, "the cycling process died\n");
      all_ok = false;
      break;
    }
    all_ok = all_ok && s.ok;
    if (c > 0) idle.push_back(s);
    std::printf("| %d | %s | %s | %lld | %lld | %lld | %.0f | %.0f | %lld | %.1f | %.1f | %.1f |\n", c + 1,
                s.ok ? "yes" : "NO", s.outcome, s.requests, s.writes, s.adopted, s.wall_ms, s.cpu_ms,
                s.fsyncs, static_cast<double>(s.rss_kb) / 1024.0, static_cast<double>(s.trimmed_kb) / 1024.0,
                static_cast<double>(s.peak_rss_kb) / 1024.0);
    std::fflush(stdout);
  }
  int status = 0;
  ::waitpid(forked.pid, &status, 0);
  sim.stop();
  std::filesystem::remove_all(dir);
  if (!idle.empty()) {
    std::vector<double> cpu;
    for (const auto& s : idle) cpu.push_back(s.cpu_ms);
    std::sort(cpu.begin(), cpu.end());
    std::printf(
        "\nidle cycles: median CPU %.0f ms (min %.0f), fsyncs %lld, RSS %.1f MB (%.1f MB trimmed), "
        "peak %.1f MB.\nTargets (issue 14): idle cycle <= 100 ms CPU and <= 3 fsyncs, daemon RSS <= 48 MB; "
        "adoption <= 20 fsyncs and <= 1 s CPU.\n",
        cpu[cpu.size() / 2], cpu.front(), idle.back().fsyncs,
        static_cast<double>(idle.back().rss_kb) / 1024.0,
        static_cast<double>(idle.back().trimmed_kb) / 1024.0,
        static_cast<double>(idle.back().peak_rss_kb) / 1024.0);
  }
  return all_ok && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
} catch (const std::exception& e) {
  std::fprintf(stderr, "bench_idle: %s\n", e.what());
  return 1;
}
