// Apply benchmark: the simulator in-process with added latency on every /v1 request, an EMPTY
// team (3 apps) brought to 10,000 testers in 50 groups (200 each) plus 500 users (declared users
// are invited; the invitees then accept), then a 1% change on top (testers moved, added and
// removed). For each phase it prints requests sent against the minimum possible, wall time,
// make_plan() CPU time and peak RSS, as a markdown table. Not a test.
//
// Usage: bench_apply [--latency-ms N (50)] [--testers N (10000)] [--groups N (50)] [--users N (500)]
//                    [--max-parallel N (1)]
#include <spdlog/spdlog.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "asc/api.hpp"
#include "config/desired_state.hpp"
#include "core/plan.hpp"
#include "fsync_counter.hpp"
#include "reconcile/cycle.hpp"
#include "sim/simulator.hpp"
#include "store/database.hpp"
#include "store/managed.hpp"
#include "store/mirror.hpp"
#include "util/crypto.hpp"
#include "util/files.hpp"

namespace {

struct Params {
  int latency_ms = 50;
  int testers = 10000;
  int groups = 50;
  int users = 500;
  int max_parallel = 1;
};

constexpr int k_apps = 3;
constexpr const char* k_team = "bench";

std::string bundle(int a) {
  return "com.bench.app" + std::to_string(a);
}
std::string tester(int i) {
  return "tester" + std::to_string(i) + "@example.org";
}
std::string user(int u) {
  return "user" + std::to_string(u) + "@bench.example";
}
std::string group(int g) {
  return "Group " + std::to_string(g);
}

double thread_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1000.0 + static_cast<double>(ts.tv_nsec) / 1e6;
}

long peak_rss_mb() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss / 1024;
}

long long pages(long long n) {
  return n <= 0 ? 1 : (n + 199) / 200;
}

// The smallest refresh: one listing per kind, 200 items a page (memberships come along with the
// testers' included groups, at most 50 per tester).
long long min_refresh(long long apps, long long users, long long invitations, long long groups,
                      long long testers) {
  return pages(apps) + pages(users) + pages(invitations) + pages(groups) + pages(testers) +
         pages(0) /*certificates*/ + pages(0) /*profiles*/;
}

// Members of group g: testers assigned to it, as `moved` / `added` / `removed` say for the 1% change.
struct Layout {
  std::vector<std::vector<int>> members;  // per group
  int next_tester = 0;
};

Layout initial_layout(const Params& p) {
  Layout l;
  l.members.resize(static_cast<size_t>(p.groups));
  for (int i = 0; i < p.testers; ++i) l.members[static_cast<size_t>(i % p.groups)].push_back(i);
  l.next_tester = p.testers;
  return l;
}

std::string desired_yaml(const Params& p, const Layout& l) {
  std::string y =
      "team: bench\npolicy:\n  prune: {testers: true, group_memberships: true}\n  max_deletions: 100000\n";
  y += "users:\n";
  for (int u = 0; u < p.users; ++u)
    y += "  - {email: " + user(u) + ", first_name: User, last_name: N" + std::to_string(u) +
         ", roles: [DEVELOPER], all_apps_visible: false, visible_apps: [" + bundle(u % k_apps) + "]}\n";
  y += "apps:\n";
  for (int a = 0; a < k_apps; ++a) {
    y += "  - bundle_id: " + bundle(a) + "\n    groups:\n";
    for (int g = a; g < p.groups; g += k_apps) {
      y += "      - name: " + group(g) +
           "\n        public_link: {enabled: true, limit: 1000}\n        members: [";
      const auto& m = l.members[static_cast<size_t>(g)];
      for (size_t i = 0; i < m.size(); ++i) y += (i ? ", " : "") + tester(m[i]);
      y += "]\n";
    }
  }
  return y;
}

struct Phase {
  std::string name;
  long long requests = 0;
  long long writes = 0;
  long long refresh_requests = 0;
  long long minimum = 0;
  std::string formula;
  double wall_s = 0;
  double plan_cpu_ms = 0;
  int changes = 0;
  long long fsyncs = 0;  // SQLite xSync calls during the cycle (bench/fsync_counter.hpp)
  std::string outcome;
  long rss_mb = 0;
};

class Bench {
 public:
  explicit Bench(Params p) : m_p(p) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "ascsync-bench-apply-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    m_dir = tmpl;
    sim::Options options;
    // Apple's budget (3600/hour) would stretch this run over hours; the simulator lets it through
    // so the bench measures ascsync, not the wait. The request counts below are what counts.
    options.rate_limit_per_hour = 10'000'000;
    m_sim = std::make_unique<sim::Simulator>(options);
    auto key = util::generate_p256_key();
    const std::string key_path = m_dir + "/AuthKey_BENCH00001.p8";
    if (!util::write_file_atomic(key_path, util::private_key_to_pem(key.get()), 0600))
      throw std::runtime_error("cannot write the key");
    m_sim->add_api_key("bench-issuer", "BENCH00001", util::public_key_to_pem(key.get()), "ADMIN");
    m_sim->start();
    for (int a = 0; a < k_apps; ++a) m_sim->add_app(bundle(a), "Bench " + std::to_string(a));
    sim::FaultRule latency;
    latency.route = "* /v1/*";
    latency.latency_ms = p.latency_ms;
    if (p.latency_ms > 0) m_sim->add_fault(latency);

    auto creds = asc::load_credentials("bench-issuer", "BENCH00001", key_path);
    if (!creds) throw std::runtime_error(creds.error().describe());
    asc::ClientOptions co;
    co.base_url = m_sim->base_url();
    co.max_in_flight = p.max_parallel;
    auto api = asc::Api::create(std::move(*creds), std::move(co));
    if (!api) throw std::runtime_error(api.error().describe());
    m_api = std::move(*api);
    auto db = store::Database::open(m_dir + "/bench.db");
    if (!db) throw std::runtime_error(db.error().describe());
    m_db = std::make_unique<store::Database>(std::move(*db));
  }
  ~Bench() {
    m_sim->stop();
    m_db.reset();
    std::error_code ec;
    std::filesystem::remove_all(m_dir, ec);
  }

  Phase cycle(const std::string& name, const Layout& layout, long long minimum, const std::string& formula) {
    auto desired = config::parse_desired_state({{m_dir + "/bench.yaml", desired_yaml(m_p, layout)}});
    if (!desired) throw std::runtime_error("desired state: " + desired.error().message);
    Phase ph;
    ph.name = name;
    ph.minimum = minimum;
    ph.formula = formula;
    m_sim->reset_counters();
    const long long syncs0 = bench::fsync_count();
    const auto t0 = std::chrono::steady_clock::now();
    auto report = reconcile::run_cycle(k_team, *desired, m_api.get(), *m_db, m_clock, {});
    ph.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    ph.fsyncs = bench::fsync_count() - syncs0;
    if (!report) throw std::runtime_error("cycle: " + report.error().describe());
    ph.requests = m_sim->request_count();
    ph.writes = m_sim->write_count();
    ph.refresh_requests = report->refresh ? report->refresh->fetch.requests : 0;
    ph.changes = static_cast<int>(report->plan.changes.size());
    ph.outcome = util::to_string(report->outcome);
    if (report->outcome != util::CycleOutcome::converged) ph.outcome += ": " + report->summary();
    ph.plan_cpu_ms = plan_cpu(*desired, report->refresh->snapshot);
    ph.rss_mb = peak_rss_mb();
    std::fprintf(stderr, "%s: %s in %.1f s\n", name.c_str(), report->summary().c_str(), ph.wall_s);
    return ph;
  }

  // make_plan() alone on the snapshot the cycle planned from (median of 5, thread CPU time).
  double plan_cpu(const core::DesiredState& desired, const core::Snapshot& snapshot) {
    store::ManagedObjects managed_store(*m_db);
    auto managed = managed_store.load_managed(k_team);
    if (!managed) throw std::runtime_error(managed.error().describe());
    std::vector<double> runs;
    for (int i = 0; i < 5; ++i) {
      const double c0 = thread_cpu_ms();
      auto plan = core::make_plan(desired, snapshot, *managed, m_clock.now());
      runs.push_back(thread_cpu_ms() - c0);
      if (plan.team.empty() && plan.changes.size() > 1'000'000) std::puts("");  // keep the plan alive
    }
    std::sort(runs.begin(), runs.end());
    return runs[runs.size() / 2];
  }

  sim::Simulator& sim() { return *m_sim; }

 private:
  Params m_p;
  std::string m_dir;
  std::unique_ptr<sim::Simulator> m_sim;
  std::unique_ptr<asc::Api> m_api;
  std::unique_ptr<store::Database> m_db;
  util::SystemClock m_clock;
};

int arg_int(int argc, char** argv, const char* name, int fallback) {
  for (int i = 1; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], name) == 0) return std::atoi(argv[i + 1]);
  return fallback;
}

}  // namespace

int main(int argc, char** argv) {
  Params p;
  p.latency_ms = arg_int(argc, argv, "--latency-ms", p.latency_ms);
  p.testers = arg_int(argc, argv, "--testers", p.testers);
  p.groups = arg_int(argc, argv, "--groups", p.groups);
  p.users = arg_int(argc, argv, "--users", p.users);
  p.max_parallel = arg_int(argc, argv, "--max-parallel", p.max_parallel);
  spdlog::set_level(spdlog::level::warn);
  bench::install_fsync_counter();  // before the database opens

  Bench bench(p);
  std::vector<Phase> phases;
  Layout layout = initial_layout(p);
  const long long T = p.testers, G = p.groups, U = p.users;

  // 1. Empty team -> everything: one request per group, per tester (created straight into its
  //    group) and per invitation, after a refresh of the empty team.
  phases.push_back(bench.cycle("empty -> " + std::to_string(T) + " testers, " + std::to_string(G) +
                                   " groups, " + std::to_string(U) + " invitations",
                               layout, min_refresh(k_apps, 0, 0, 0, 0) + G + T + U,
                               "refresh(empty) + groups + testers + invitations"));

  // 2. The invitees accept: adopting them as users sends no writes.
  for (int u = 0; u < p.users; ++u) bench.sim().accept_invitation(user(u));
  phases.push_back(bench.cycle("invitations accepted (no-op apply)", layout, min_refresh(k_apps, U, 0, G, T),
                               "refresh only"));

  // 3. A 1% change: 40% of it moved from group 0 to group 1, 30% new testers in group 2, 30%
  //    removed from group 3 (and, undeclared and managed, deleted).
  const int change = std::max(3, p.testers / 100);
  const int moved = change * 4 / 10, added = change * 3 / 10, removed = change - moved - added;
  auto& g0 = layout.members[0];
  for (int i = 0; i < moved && !g0.empty(); ++i) {
    layout.members[1].push_back(g0.back());
    g0.pop_back();
  }
  for (int i = 0; i < added; ++i) layout.members[2 % layout.members.size()].push_back(layout.next_tester++);
  for (int i = 0; i < removed && !layout.members[3 % layout.members.size()].empty(); ++i)
    layout.members[3 % layout.members.size()].pop_back();
  phases.push_back(
      bench.cycle("1% change: " + std::to_string(moved) + " moved, " + std::to_string(added) + " added, " +
                      std::to_string(removed) + " removed",
                  layout, min_refresh(k_apps, U, 0, G, T) + 1 + 1 + added + removed,
                  "refresh + 1 add batch + 1 remove batch (moves, <= 100 each) + added + removed"));
  phases.push_back(bench.cycle("again (in sync)", layout, min_refresh(k_apps, U, 0, G, T + added - removed),
                               "refresh only"));

  std::printf(
      "## bench_apply: %d testers in %d groups (%d apps), %d users; %d ms latency per /v1 request; "
      "max_parallel %d\n\n",
      p.testers, p.groups, k_apps, p.users, p.latency_ms, p.max_parallel);
  std::printf(
      "| phase | outcome | changes | requests | writes | refresh requests | minimum | minimum = | wall s | "
      "make_plan CPU ms | fsyncs | fsyncs per write | peak RSS MB |\n");
  std::printf("|---|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|\n");
  for (const auto& ph : phases)
    std::printf("| %s | %s | %d | %lld | %lld | %lld | %lld | %s | %.1f | %.1f | %lld | %.2f | %ld |\n",
                ph.name.c_str(), ph.outcome.c_str(), ph.changes, ph.requests, ph.writes, ph.refresh_requests,
                ph.minimum, ph.formula.c_str(), ph.wall_s, ph.plan_cpu_ms, ph.fsyncs,
                ph.writes > 0 ? static_cast<double>(ph.fsyncs) / static_cast<double>(ph.writes) : 0.0,
                ph.rss_mb);
  std::printf(
      "\nPeak RSS includes the in-process simulator holding the same team. Requests are counted by the "
      "simulator (/v1 only). The apply is sequential (one change at a time), so max_parallel does not "
      "shorten it.\n");
  return 0;
}
