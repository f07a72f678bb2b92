// Mirror benchmark: a first and a second (unchanged) refresh of a team with 10,000 testers in 50
// groups (5 apps), 500 users and 20 certificates, against the simulator with simulated latency on
// every request. Prints a markdown table: requests sent against the minimum, wall time, CPU time
// peak RSS and fsyncs (an SQLite VFS shim counting xSync, bench/fsync_counter.hpp) of the mirroring side.
//
// The mirroring side runs in a child process forked before the simulator starts any thread, so
// its getrusage() (CPU, peak RSS) excludes the simulator; the client thread's own CPU
// (CLOCK_THREAD_CPUTIME_ID) is reported as well. The database is a real file in a temp dir.
//
// Usage: bench_mirror [latency_ms (default 50)] [max_parallel (default 1)]
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "asc/api.hpp"
#include "forked_side.hpp"
#include "fsync_counter.hpp"
#include "reconcile/refresh.hpp"
#include "sim/simulator.hpp"
#include "store/mirror.hpp"
#include "util/crypto.hpp"
#include "util/files.hpp"

namespace {

constexpr int k_apps = 5;
constexpr int k_groups_per_app = 10;
constexpr int k_testers = 10000;
constexpr int k_users = 500;
constexpr int k_certificates = 20;
constexpr long long k_page = 200;

const std::string k_issuer = "69a6de70-03db-47e3-e053-5b8c7c11a4d1";
const std::string k_key_id = "BENCHKEY01";

// What one refresh in the child measured; sent to the parent through a pipe as plain bytes.
struct Measurement {
  bool ok = false;
  long long requests = 0;
  long long follow_ups = 0;
  long long drift_events = 0;
  double wall_s = 0;
  double thread_cpu_s = 0;   // the mirroring thread: HTTP client, JSON decoding, SQLite
  double process_cpu_s = 0;  // user + system of the whole mirroring process during the refresh
  long peak_rss_kb = 0;      // of the mirroring process, since it started
  long long fsyncs = 0;      // SQLite xSync calls during the refresh (bench/fsync_counter.hpp)
  long long testers = 0;
  long long memberships = 0;
};

double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

double process_cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto secs = [](const timeval& tv) {
    return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
  };
  return secs(ru.ru_utime) + secs(ru.ru_stime);
}

long peak_rss_kb() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

// The child: waits for the simulator's port, then mirrors twice and reports each run.
[[noreturn]] void mirroring_side(int port_fd, int result_fd, const std::string& dir, int max_parallel) {
  spdlog::set_level(spdlog::level::warn);
  bench::install_fsync_counter();
  int port = 0;
  if (!bench::read_all(port_fd, &port, sizeof port)) _exit(2);
  auto creds = asc::load_credentials(k_issuer, k_key_id, dir + "/AuthKey.p8");
  if (!creds) {
    std::fprintf(stderr, "child: %s\n", creds.error().describe().c_str());
    _exit(2);
  }
  asc::ClientOptions options;
  options.base_url = "http://127.0.0.1:" + std::to_string(port);
  options.max_in_flight = max_parallel;
  auto api = asc::Api::create(std::move(*creds), options);
  auto db = store::Database::open(dir + "/bench.db");
  if (!api || !db) _exit(2);
  auto clock = util::system_clock();
  for (int run = 0; run < 2; ++run) {
    Measurement m;
    const double cpu0 = thread_cpu_seconds();
    const double proc0 = process_cpu_seconds();
    const long long syncs0 = bench::fsync_count();
    const auto t0 = std::chrono::steady_clock::now();
    auto result = reconcile::refresh("bench", **api, *db, *clock);
    m.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    m.thread_cpu_s = thread_cpu_seconds() - cpu0;
    m.process_cpu_s = process_cpu_seconds() - proc0;
    m.peak_rss_kb = peak_rss_kb();
    m.fsyncs = bench::fsync_count() - syncs0;
    if (result) {
      m.ok = true;
      m.requests = result->fetch.requests;
      m.follow_ups = result->fetch.follow_ups;
      m.drift_events = result->drift_events;
      m.testers = result->counts.testers;
      m.memberships = result->counts.memberships;
    } else {
      std::fprintf(stderr, "child: refresh failed: %s\n", result.error().describe().c_str());
    }
    if (!bench::write_all(result_fd, &m, sizeof m)) _exit(2);
  }
  _exit(0);
}

long long pages(long long n) {
  return std::max(1LL, (n + k_page - 1) / k_page);
}

}  // namespace

int main(int argc, char** argv) {
  const int latency_ms = argc > 1 ? std::atoi(argv[1]) : 50;
  const int max_parallel = argc > 2 ? std::atoi(argv[2]) : 1;
  const bench::Workspace ws = bench::make_workspace("bench-mirror");
  const std::string& dir = ws.dir;
  const auto& key = ws.key;
  const bench::ForkedSide forked =
      bench::fork_side([&](int in, int out) { mirroring_side(in, out, dir, max_parallel); });

  spdlog::set_level(spdlog::level::warn);
  sim::Options options;
  options.rate_limit_per_hour = 100000;  // the budget is not what is measured here
  sim::Simulator sim(options);
  sim.add_api_key(k_issuer, k_key_id, util::public_key_to_pem(key.get()));
  std::vector<std::string> apps;
  std::vector<std::string> groups;
  for (int a = 0; a < k_apps; ++a)
    apps.push_back(sim.add_app("com.acme.app" + std::to_string(a), "App " + std::to_string(a)));
  for (int g = 0; g < k_apps * k_groups_per_app; ++g)
    groups.push_back(sim.add_beta_group(apps[size_t(g % k_apps)], "Group " + std::to_string(g), false));
  for (int u = 0; u < k_users; ++u)
    sim.add_user(
        "user" + std::to_string(u) + "@acme.com", "User", std::to_string(u), {"DEVELOPER"}, u % 2 == 0,
        u % 2 == 0 ? std::vector<std::string>{} : std::vector<std::string>{apps[size_t(u % k_apps)]});
  for (int t = 0; t < k_testers; ++t)
    sim.add_beta_tester("tester" + std::to_string(t) + "@example.com", "Tester", std::to_string(t),
                        {groups[size_t(t % (k_apps * k_groups_per_app))]});
  for (int c = 0; c < k_certificates; ++c)
    sim.add_certificate(c % 2 ? "IOS_DISTRIBUTION" : "DEVELOPMENT", "Cert " + std::to_string(c));
  sim.start();
  sim::FaultRule latency;
  latency.route = "*";
  latency.latency_ms = latency_ms;
  sim.add_fault(latency);
  sim.reset_counters();

  const int port = sim.port();
  if (!bench::write_all(forked.to_child, &port, sizeof port)) return 1;
  Measurement runs[2];
  long long sim_requests[2] = {0, 0};
  for (int i = 0; i < 2; ++i) {
    if (!bench::read_all(forked.from_child, &runs[i], sizeof runs[i])) {
      std::fprintf(stderr, "the mirroring process died\n");
      return 1;
    }
    sim_requests[i] = sim.request_count() - (i ? sim_requests[0] : 0);
  }
  int status = 0;
  ::waitpid(forked.pid, &status, 0);
  sim.stop();
  std::filesystem::remove_all(dir);

  // Minimum: one listing per kind, each max(1, ceil(n / 200)) pages.
  const long long minimum = pages(k_apps) + pages(k_users) + pages(0) /* invitations */ +
                            pages(k_apps * k_groups_per_app) + pages(k_testers) + pages(k_certificates) +
                            pages(0) /* profiles */;
  std::printf(
      "## bench_mirror: %d testers in %d groups, %d users, %d certificates; %d ms latency per request, "
      "max_parallel %d\n\n",
      k_testers, k_apps * k_groups_per_app, k_users, k_certificates, latency_ms, max_parallel);
  std::printf(
      "minimum requests = sum over kinds of max(1, ceil(n/200)) = apps %lld + users %lld + invitations %lld "
      "+ groups %lld + testers %lld + certificates %lld + profiles %lld = %lld\n\n",
      pages(k_apps), pages(k_users), pages(0), pages(k_apps * k_groups_per_app), pages(k_testers),
      pages(k_certificates), pages(0), minimum);
  std::printf(
      "| run | ok | requests (client / sim) | minimum | over minimum | follow-ups | testers | memberships | "
      "drift events | wall s | client thread CPU s | mirroring process CPU s | fsyncs | peak RSS MB |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
  const char* names[2] = {"first mirror", "second (unchanged)"};
  for (int i = 0; i < 2; ++i) {
    const auto& m = runs[i];
    std::printf(
        "| %s | %s | %lld / %lld | %lld | %+.1f%% | %lld | %lld | %lld | %lld | %.2f | %.3f | %.3f | %lld | "
        "%.1f "
        "|\n",
        names[i], m.ok ? "yes" : "NO", m.requests, sim_requests[i], minimum,
        100.0 * static_cast<double>(m.requests - minimum) / static_cast<double>(minimum), m.follow_ups,
        m.testers, m.memberships, m.drift_events, m.wall_s, m.thread_cpu_s, m.process_cpu_s, m.fsyncs,
        static_cast<double>(m.peak_rss_kb) / 1024.0);
  }
  std::printf(
      "\nTargets: requests within 5%% of the minimum, peak RSS < 64 MB, CPU < 1 s. Simulator CPU excluded "
      "(separate process).\n");
  const bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0 && runs[0].ok && runs[1].ok;
  return ok ? 0 : 1;
}
