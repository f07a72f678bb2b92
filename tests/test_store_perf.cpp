#include <doctest/doctest.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdio>

#include "store/database.hpp"
#include "store/mirror.hpp"
#include "test_store_support.hpp"

using store_test::at;
using store_test::StoreDir;

namespace {

// 10 apps, 50 groups, 500 users, 10,000 testers each in one or two groups.
core::Snapshot big_team() {
  core::Snapshot s;
  char buf[64];
  for (int a = 0; a < 10; ++a) {
    std::snprintf(buf, sizeof buf, "app%02d", a);
    s.apps.push_back({buf, std::string("com.example.") + buf, buf, buf});
  }
  for (int g = 0; g < 50; ++g) {
    std::snprintf(buf, sizeof buf, "group%02d", g);
    s.groups.push_back({buf, s.apps[static_cast<size_t>(g % 10)].id, buf, "2025-01-01T00:00:00.000+00:00",
                        g % 10 == 0, false, false, false, std::nullopt, "", true});
  }
  for (int u = 0; u < 500; ++u) {
    std::snprintf(buf, sizeof buf, "user%04d", u);
    s.users.push_back({buf,
                       std::string(buf) + "@example.com",
                       "First",
                       "Last",
                       {"DEVELOPER"},
                       u % 2 == 0,
                       false,
                       u % 2 == 0 ? std::vector<std::string>{} : std::vector<std::string>{"app01", "app02"}});
  }
  for (int t = 0; t < 10000; ++t) {
    std::snprintf(buf, sizeof buf, "tester%05d", t);
    core::BetaTester tester{buf, std::string(buf) + "@example.com", "First", "Last", "EMAIL", "INVITED", {}};
    tester.group_ids.push_back(s.groups[static_cast<size_t>(t % 50)].id);
    if (t % 2 == 0) tester.group_ids.push_back(s.groups[static_cast<size_t>((t + 7) % 50)].id);
    s.testers.push_back(std::move(tester));
  }
  s.normalize();
  return s;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

TEST_CASE("committing a 10,000-tester snapshot with its diff is fast") {
  StoreDir dir;
  store::OpenOptions options;
  options.migrations_dir = store_test::source_migrations();
  auto db = store::Database::open(dir.file("ascsync.db"), options);
  REQUIRE(db.ok());
  store::Mirror mirror(*db);
  const core::Snapshot first = big_team();
  REQUIRE(first.membership_count() == 15000);

  auto commit = [&](const core::Snapshot& s, const char* when) {
    auto run = mirror.begin_run("big", at(when));
    REQUIRE(run.ok());
    const auto start = std::chrono::steady_clock::now();
    auto st = mirror.commit_snapshot("big", *run, s, {}, at(when));
    const double took = seconds_since(start);
    REQUIRE(st.ok());
    return took;
  };

  const double initial = commit(first, "2026-03-14T09:00:00Z");
  const double unchanged = commit(first, "2026-03-14T10:00:00Z");
  CHECK((*mirror.last_run("big"))->events == 0);

  // 1% churn: 100 testers leave, 100 join, 100 accept, 100 change groups.
  core::Snapshot second = first;
  second.testers.erase(second.testers.begin(), second.testers.begin() + 100);
  for (size_t i = 0; i < 100; ++i) {
    second.testers[i].state = "ACCEPTED";
    second.testers[100 + i].group_ids = {"group49"};
    second.testers.push_back({"new" + std::to_string(i),
                              "new" + std::to_string(i) + "@example.com",
                              "",
                              "",
                              "EMAIL",
                              "INVITED",
                              {"group00"}});
  }
  second.normalize();
  const double churned = commit(second, "2026-03-14T11:00:00Z");
  const int64_t events = (*mirror.last_run("big"))->events;
  CHECK(events >= 400);

  const auto start = std::chrono::steady_clock::now();
  auto loaded = mirror.load_snapshot("big");
  const double load = seconds_since(start);
  REQUIRE(loaded.ok());
  CHECK(*loaded == second);

  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  MESSAGE("10k testers/50 groups/500 users: first commit "
          << initial * 1000 << " ms, unchanged " << unchanged * 1000 << " ms, 1% churn (" << events
          << " events) " << churned * 1000 << " ms, load " << load * 1000 << " ms, peak RSS "
          << usage.ru_maxrss / 1024 << " MiB");
  // Generous bounds: this also runs in Debug under ASan on a shared 2-core machine.
  CHECK(initial < 10.0);
  CHECK(unchanged < 10.0);
  CHECK(churned < 10.0);
}
