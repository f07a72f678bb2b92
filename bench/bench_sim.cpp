// Simulator benchmark: how fast ascsim serves the pages a mirror refresh reads, and how much
// memory a large team costs. Prints a markdown table. Not a test; build Release to measure:
//   cmake -S . -B build-rel -G Ninja -DCMAKE_BUILD_TYPE=Release && ninja -C build-rel bench_sim
//   build-rel/bench/bench_sim [testers...]     (default: 10000 100000)
// Targets: p50 < 2 ms per 200-item page; < 150 MB peak RSS with 100,000 testers.
#include <httplib.h>
#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "asc/jwt.hpp"
#include "sim/simulator.hpp"
#include "util/crypto.hpp"

namespace {

using Clock = std::chrono::steady_clock;

constexpr int k_groups = 50;
constexpr int k_apps = 25;  // 2 groups per app keeps every app under Apple's 10,000 external testers
constexpr int k_users = 500;
constexpr int k_page = 200;

struct Scenario {
  int testers = 0;
};

struct Row {
  int testers = 0;
  std::string endpoint;
  size_t pages = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  double pages_per_s_2threads = 0;
  double server_cpu_ms = 0;  // simulator CPU per page (process CPU minus the client thread's)
  double kb_per_page = 0;
  double peak_rss_mb = 0;
  std::string note;
};

double peak_rss_mb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // Linux reports KiB
}

double process_cpu_ms() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const auto ms = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_usec) / 1e3;
  };
  return ms(usage.ru_utime) + ms(usage.ru_stime);
}

double thread_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const auto rank = static_cast<size_t>(p * static_cast<double>(values.size() - 1) + 0.5);
  return values[std::min(rank, values.size() - 1)];
}

// "http://127.0.0.1:1234/v1/x?y" -> "/v1/x?y"; relative links pass unchanged.
std::string path_of(const std::string& url) {
  const auto scheme = url.find("://");
  if (scheme == std::string::npos) return url;
  const auto slash = url.find('/', scheme + 3);
  return slash == std::string::npos ? "/" : url.substr(slash);
}

class Reader {
 public:
  Reader(int port, std::string token) : m_client("127.0.0.1", port), m_token(std::move(token)) {
    m_client.set_keep_alive(true);
    m_client.set_tcp_nodelay(true);  // as a real client would; Nagle + delayed ACK adds 40 ms stalls
    m_client.set_read_timeout(60, 0);
  }

  // Follows links.next from `first` to the end. Appends each page's latency (ms) and returns the
  // number of resources seen, or -1 on any non-200 answer.
  long walk(const std::string& first, std::vector<double>& latencies_ms, size_t* bytes = nullptr) {
    const httplib::Headers headers = {{"Authorization", "Bearer " + m_token}};
    std::string path = first;
    long items = 0;
    while (!path.empty()) {
      const auto start = Clock::now();
      auto r = m_client.Get(path.c_str(), headers);
      const auto ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
      if (!r || r->status != 200) {
        std::fprintf(stderr, "GET %s failed: %d %s\n", path.c_str(), r ? r->status : 0,
                     r ? r->body.substr(0, 300).c_str() : httplib::to_string(r.error()).c_str());
        return -1;
      }
      latencies_ms.push_back(ms);
      if (bytes) *bytes += r->body.size();
      const auto doc = nlohmann::json::parse(r->body);
      items += static_cast<long>(doc["data"].size());
      const auto& links = doc["links"];
      path = links.contains("next") && links["next"].is_string() ? path_of(links["next"].get<std::string>())
                                                                 : "";
    }
    return items;
  }

 private:
  httplib::Client m_client;
  std::string m_token;
};

std::vector<Row> run(const Scenario& scenario) {
  sim::Options options;
  options.rate_limit_per_hour = 1'000'000'000;  // measuring the server, not Apple's budget
  options.threads = 8;
  sim::Simulator simulator(options);
  simulator.start();
  auto key = util::generate_p256_key();
  const std::string issuer = "57246542-96fe-1a63-e053-0824d011072a";
  const std::string key_id = "BENCH00001";
  simulator.add_api_key(issuer, key_id, util::public_key_to_pem(key.get()), "ADMIN");

  const auto seed_start = Clock::now();
  std::vector<std::string> apps;
  for (int a = 0; a < k_apps; ++a)
    apps.push_back(simulator.add_app("com.example.bench" + std::to_string(a), "Bench " + std::to_string(a)));
  std::vector<std::string> groups;
  for (int g = 0; g < k_groups; ++g)
    groups.push_back(
        simulator.add_beta_group(apps[static_cast<size_t>(g % k_apps)], "Group " + std::to_string(g), false));
  for (int u = 0; u < k_users; ++u)
    simulator.add_user("user" + std::to_string(u) + "@example.com", "User", std::to_string(u), {"DEVELOPER"});
  for (int t = 0; t < scenario.testers; ++t)
    simulator.add_beta_tester("tester" + std::to_string(t) + "@example.com", "Tester", std::to_string(t),
                              {groups[static_cast<size_t>(t % k_groups)]});
  const double seed_s = std::chrono::duration<double>(Clock::now() - seed_start).count();
  std::fprintf(stderr, "bench_sim: %d testers seeded in %.1f s\n", scenario.testers, seed_s);

  auto token = [&] {
    auto t = asc::make_token(key.get(), {issuer, key_id, simulator.now(), std::chrono::seconds(15 * 60)});
    if (!t.ok()) {
      std::fprintf(stderr, "token: %s\n", t.error().describe().c_str());
      std::exit(1);
    }
    return *t;
  };
  const std::string testers_first = "/v1/betaTesters?limit=" + std::to_string(k_page) + "&include=betaGroups";
  const std::string users_first = "/v1/users?limit=" + std::to_string(k_page);

  std::vector<Row> rows;
  auto measure = [&](const std::string& endpoint, const std::string& first, long expected, int walks) {
    Row row;
    row.testers = scenario.testers;
    row.endpoint = endpoint;
    // Single client: per-page latency.
    std::vector<double> latencies;
    Reader reader(simulator.port(), token());
    size_t bytes = 0;
    const double cpu_before = process_cpu_ms();
    const double client_before = thread_cpu_ms();
    for (int w = 0; w < walks; ++w) {
      const long seen = reader.walk(first, latencies, &bytes);
      if (seen != expected) {
        std::fprintf(stderr, "%s: walked %ld resources, expected %ld\n", endpoint.c_str(), seen, expected);
        row.note = "incomplete walk";
      }
    }
    std::fprintf(stderr, "bench_sim: %s: %zu pages, single client\n", endpoint.c_str(), latencies.size());
    row.pages = latencies.size();
    const double server_cpu = (process_cpu_ms() - cpu_before) - (thread_cpu_ms() - client_before);
    row.server_cpu_ms = row.pages ? server_cpu / static_cast<double>(row.pages) : 0;
    row.kb_per_page = row.pages ? static_cast<double>(bytes) / 1024.0 / static_cast<double>(row.pages) : 0;
    row.p50_ms = percentile(latencies, 0.50);
    row.p99_ms = percentile(latencies, 0.99);
    // Two clients at once: throughput.
    std::atomic<size_t> pages{0};
    const auto start = Clock::now();
    std::vector<std::thread> threads;
    for (int c = 0; c < 2; ++c)
      threads.emplace_back([&] {
        Reader r(simulator.port(), token());
        std::vector<double> lat;
        for (int w = 0; w < walks; ++w) r.walk(first, lat);
        pages += lat.size();
      });
    for (auto& t : threads) t.join();
    const double secs = std::chrono::duration<double>(Clock::now() - start).count();
    row.pages_per_s_2threads = static_cast<double>(pages.load()) / secs;
    row.peak_rss_mb = peak_rss_mb();
    rows.push_back(row);
  };
  // Walk counts keep each scenario to a few seconds while giving p99 a few hundred samples.
  const int tester_walks = std::max(1, 200'000 / std::max(1, scenario.testers));
  measure("GET /v1/betaTesters?limit=200&include=betaGroups", testers_first, scenario.testers, tester_walks);
  measure("GET /v1/users?limit=200", users_first, k_users, 200);
  char note[96];
  std::snprintf(note, sizeof note, "seeded in %.1f s", seed_s);
  rows.front().note = rows.front().note.empty() ? note : rows.front().note + "; " + note;
  return rows;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<Scenario> scenarios;
  for (int i = 1; i < argc; ++i) scenarios.push_back({std::atoi(argv[i])});
  if (scenarios.empty()) scenarios = {{10'000}, {100'000}};

  std::vector<Row> rows;
  for (const auto& s : scenarios) {
    auto r = run(s);
    rows.insert(rows.end(), r.begin(), r.end());
  }
  std::printf(
      "| testers | request | pages | KB/page | p50 ms/page | p99 ms/page | server CPU ms/page | "
      "pages/s (2 clients) | peak RSS MB | note |\n");
  std::printf("|---:|---|---:|---:|---:|---:|---:|---:|---:|---|\n");
  for (const auto& r : rows)
    std::printf("| %d | `%s` | %zu | %.0f | %.2f | %.2f | %.2f | %.0f | %.0f | %s |\n", r.testers,
                r.endpoint.c_str(), r.pages, r.kb_per_page, r.p50_ms, r.p99_ms, r.server_cpu_ms,
                r.pages_per_s_2threads, r.peak_rss_mb, r.note.c_str());
  std::printf(
      "\n%d users, %d beta groups in %d apps; each tester in one group. Peak RSS is the whole process "
      "(simulator + clients), monotone across rows. Latencies are wall time on loopback and include the "
      "client's receive; server CPU excludes the client thread, so it holds on a busy machine.\n",
      k_users, k_groups, k_apps);
  return 0;
}
