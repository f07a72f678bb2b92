// Retention soak benchmark (issue 14): the simulator in-process with a small team, then N idle
// cycles (default 1,000) of reconcile::run_cycle against two databases side by side — one with
// a short retention (1 day at a 15-minute simulated interval: 96 runs kept), one without — on an
// injected clock. Every 100 cycles it prints each database's rows and size (pages in use, i.e.
// page_count - freelist_count, times the page size; the main file; the WAL, which SQLite's
// auto-checkpoint keeps near 1,000 pages). Flat after retention kicks in (cycle ~96); the
// unpruned database keeps growing. Not a test.
//
// Usage: bench_retention [--cycles N (1000)] [--every N (100)] [--days N (1)] [--testers N (50)]
#include <spdlog/spdlog.h>
#include <stdlib.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

#include "asc/api.hpp"
#include "config/desired_state.hpp"
#include "reconcile/cycle.hpp"
#include "sim/simulator.hpp"
#include "store/database.hpp"
#include "store/retention.hpp"
#include "util/clock.hpp"
#include "util/crypto.hpp"
#include "util/files.hpp"

namespace {

constexpr const char* k_team = "bench";

struct Params {
  int cycles = 1000;
  int every = 100;
  int days = 1;
  int testers = 50;
};

Params parse(int argc, char** argv) {
  Params p;
  for (int i = 1; i < argc; ++i) {
    const std::string k = argv[i];
    if (i + 1 >= argc) throw std::invalid_argument(k + " needs a value");
    const int v = std::stoi(argv[++i]);
    if (k == "--cycles")
      p.cycles = v;
    else if (k == "--every")
      p.every = v;
    else if (k == "--days")
      p.days = v;
    else if (k == "--testers")
      p.testers = v;
    else
      throw std::invalid_argument("unknown option " + k);
  }
  return p;
}

std::string desired_yaml(const Params& p) {
  std::string y = "team: bench\npolicy:\n  prune: {testers: true, group_memberships: true}\napps:\n";
  y += "  - bundle_id: com.bench.app\n    groups:\n      - name: Beta\n        members: [";
  for (int t = 0; t < p.testers; ++t)
    y += (t ? ", " : "") + std::string("t") + std::to_string(t) + "@bench.test";
  y += "]\n";
  return y;
}

long long query_int(store::Database& db, const char* sql) {
  auto text = db.query_text(sql);
  if (!text) throw std::runtime_error(text.error().describe());
  return std::stoll(*text);
}

struct Sample {
  long long runs = 0, events = 0, plans = 0, used_kib = 0, file_kib = 0, wal_kib = 0;
};

Sample sample(store::Database& db) {
  Sample s;
  s.runs = query_int(db, "SELECT count(*) FROM sync_runs");
  s.events = query_int(db, "SELECT count(*) FROM events");
  s.plans = query_int(db, "SELECT count(*) FROM plans");
  const long long page = query_int(db, "PRAGMA page_size");
  s.used_kib = (query_int(db, "PRAGMA page_count") - query_int(db, "PRAGMA freelist_count")) * page / 1024;
  std::error_code ec;
  auto size = [&](const std::string& f) {
    auto n = std::filesystem::file_size(f, ec);
    return ec ? 0LL : static_cast<long long>(n);
  };
  s.file_kib = size(db.path()) / 1024;
  s.wal_kib = size(db.path() + "-wal") / 1024;
  return s;
}

}  // namespace

int main(int argc, char** argv) try {
  const Params p = parse(argc, argv);
  spdlog::set_level(spdlog::level::warn);
  std::string tmpl = (std::filesystem::temp_directory_path() / "ascsync-bench-retention-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  const std::string dir = tmpl;

  sim::Options options;
  options.rate_limit_per_hour = 10'000'000;  // measure the database, not Apple's budget
  sim::Simulator sim(options);
  auto key = util::generate_p256_key();
  const std::string key_path = dir + "/AuthKey_BENCH00001.p8";
  if (!util::write_file_atomic(key_path, util::private_key_to_pem(key.get()), 0600))
    throw std::runtime_error("cannot write the key");
  sim.add_api_key("bench-issuer", "BENCH00001", util::public_key_to_pem(key.get()), "ADMIN");
  sim.start();  // 127.0.0.1, a free port
  sim.add_app("com.bench.app", "Bench");

  auto creds = asc::load_credentials("bench-issuer", "BENCH00001", key_path);
  if (!creds) throw std::runtime_error(creds.error().describe());
  asc::ClientOptions co;
  co.base_url = sim.base_url();
  auto api = asc::Api::create(std::move(*creds), std::move(co));
  if (!api) throw std::runtime_error(api.error().describe());

  auto pruned_db = store::Database::open(dir + "/pruned.db");
  if (!pruned_db) throw std::runtime_error(pruned_db.error().describe());
  auto kept_db = store::Database::open(dir + "/unpruned.db");
  if (!kept_db) throw std::runtime_error(kept_db.error().describe());

  auto desired = config::parse_desired_state({{dir + "/bench.yaml", desired_yaml(p)}});
  if (!desired) throw std::runtime_error("desired state: " + desired.error().message);

  util::ManualClock clock(std::chrono::system_clock::now());
  reconcile::CycleOptions with_retention;
  with_retention.retention = store::RetentionPolicy{p.days, 10000, 1000, 5000};
  const reconcile::CycleOptions without;

  std::printf(
      "| cycle | pruned: sync_runs | events | plans | used KiB | file KiB | WAL KiB | unpruned: sync_runs | "
      "used KiB | file KiB |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  const auto t0 = std::chrono::steady_clock::now();
  for (int c = 1; c <= p.cycles; ++c) {
    // The first cycle of each database creates the team's testers; every later one is idle.
    for (auto* one : {&*pruned_db, &*kept_db}) {
      const bool pruned = one == &*pruned_db;
      auto report =
          reconcile::run_cycle(k_team, *desired, api->get(), *one, clock, pruned ? with_retention : without);
      if (!report) throw std::runtime_error("cycle " + std::to_string(c) + ": " + report.error().describe());
      if (c > 2 && report->apply && report->apply->writes > 0)
        throw std::runtime_error("cycle " + std::to_string(c) + " was not idle: " + report->summary());
    }
    if (c == 1 || c % p.every == 0) {
      const Sample a = sample(*pruned_db);
      const Sample b = sample(*kept_db);
      std::printf("| %d | %lld | %lld | %lld | %lld | %lld | %lld | %lld | %lld | %lld |\n", c, a.runs,
                  a.events, a.plans, a.used_kib, a.file_kib, a.wal_kib, b.runs, b.used_kib, b.file_kib);
      std::fflush(stdout);
    }
    clock.advance(std::chrono::minutes(15));
  }
  std::printf(
      "\n%d idle cycles x 2 databases in %.1f s; retention: days=%d at a simulated 15m interval "
      "(%d runs/day), max_runs_per_team=10000.\n",
      p.cycles, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), p.days, 24 * 4);
  sim.stop();
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "bench_retention: %s\n", e.what());
  return 1;
}
