// Planner benchmark: a synthetic team of 500 users and 10,000 testers in 50 groups (5 apps), planned
// from several starting points. Prints a table of CPU milliseconds (median of the runs) for
// make_plan(), guard() and both renderers. Usage: bench_plan [runs (default 5)] [scenario substring]
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <functional>
#include <string>
#include <vector>

#include "core/guard.hpp"
#include "core/plan.hpp"
#include "kinds/render.hpp"
#include "util/time.hpp"

namespace {

constexpr int k_apps = 5;
constexpr int k_groups_per_app = 10;
constexpr int k_testers = 10000;
constexpr int k_users = 500;

std::string tester_email(int i) {
  return "tester" + std::to_string(i) + "@example.com";
}
std::string user_email(int i) {
  return "user" + std::to_string(i) + "@acme.com";
}
std::string bundle_id(int a) {
  return "com.acme.app" + std::to_string(a);
}
std::string group_name(int g) {
  return "Group " + std::to_string(g);
}
// Tester i belongs to one group; groups are spread evenly over the apps.
int group_of(int i) {
  return i % (k_apps * k_groups_per_app);
}

struct World {
  core::DesiredState desired;
  core::Snapshot snapshot;
  core::ManagedSet managed;
};

core::DesiredState make_desired() {
  core::DesiredState d;
  d.team = "bench";
  d.manage_users = true;
  d.manage_testflight = true;
  d.policy.prune = {true, true, true, true, true};
  d.policy.max_deletions = 100000;
  for (int a = 0; a < k_apps; ++a) d.bundle_ids.push_back(bundle_id(a));
  for (int u = 0; u < k_users; ++u) {
    core::DesiredUser du;
    du.email = user_email(u);
    du.first_name = "User";
    du.last_name = std::to_string(u);
    du.roles = {"DEVELOPER"};
    du.visible_bundle_ids = {bundle_id(u % k_apps)};
    d.users.push_back(du);
  }
  for (int g = 0; g < k_apps * k_groups_per_app; ++g) {
    core::DesiredGroup dg;
    dg.bundle_id = bundle_id(g % k_apps);
    dg.name = group_name(g);
    dg.public_link_enabled = true;
    dg.public_link_limit = 500;
    d.groups.push_back(dg);
  }
  for (int i = 0; i < k_testers; ++i) {
    d.testers.push_back({tester_email(i), "Tester", std::to_string(i), {}});
    d.groups[static_cast<size_t>(group_of(i))].member_emails.push_back(tester_email(i));
  }
  for (auto& g : d.groups) std::sort(g.member_emails.begin(), g.member_emails.end());
  return d;
}

// The App Store Connect state that matches `d` exactly, everything managed when `managed`.
World in_sync(bool managed) {
  World w;
  w.desired = make_desired();
  auto& s = w.snapshot;
  for (int a = 0; a < k_apps; ++a) s.apps.push_back({"app" + std::to_string(a), bundle_id(a), "App", "sku"});
  for (int u = 0; u < k_users; ++u) {
    s.users.push_back({"u" + std::to_string(u),
                       user_email(u),
                       "User",
                       std::to_string(u),
                       {"DEVELOPER"},
                       false,
                       false,
                       {"app" + std::to_string(u % k_apps)}});
    if (managed) w.managed.insert(core::user_key(user_email(u)));
  }
  for (int g = 0; g < k_apps * k_groups_per_app; ++g) {
    core::BetaGroup bg;
    bg.id = "g" + std::to_string(g);
    bg.app_id = "app" + std::to_string(g % k_apps);
    bg.name = group_name(g);
    bg.public_link_enabled = true;
    bg.public_link_limit_enabled = true;
    bg.public_link_limit = 500;
    bg.feedback_enabled = true;
    s.groups.push_back(bg);
    if (managed) w.managed.insert(core::group_key(bundle_id(g % k_apps), group_name(g)));
  }
  for (int i = 0; i < k_testers; ++i) {
    const int g = group_of(i);
    s.testers.push_back({"t" + std::to_string(i),
                         tester_email(i),
                         "Tester",
                         std::to_string(i),
                         "EMAIL",
                         "INVITED",
                         {"g" + std::to_string(g)}});
    if (managed) {
      w.managed.insert(core::tester_key(tester_email(i)));
      w.managed.insert(core::membership_key(bundle_id(g % k_apps), group_name(g), tester_email(i)));
    }
  }
  s.normalize();
  return w;
}

World fresh() {
  World w = in_sync(false);
  w.snapshot.users.clear();
  w.snapshot.groups.clear();
  w.snapshot.testers.clear();
  return w;
}

// 10% of users with other roles, 10% of testers out of their group, 5% undeclared managed testers,
// 2 groups with a different limit.
World drift() {
  World w = in_sync(true);
  auto& s = w.snapshot;
  for (size_t u = 0; u < s.users.size(); u += 10) s.users[u].roles = {"ADMIN"};
  for (size_t i = 0; i < s.testers.size(); i += 10) s.testers[i].group_ids.clear();
  for (int i = 0; i < k_testers / 20; ++i) {
    const std::string email = "stray" + std::to_string(i) + "@example.com";
    s.testers.push_back({"s" + std::to_string(i), email, "S", "T", "EMAIL", "INVITED", {"g0"}});
    w.managed.insert(core::tester_key(email));
  }
  s.groups[0].public_link_limit = 10;
  s.groups[1].public_link_limit = 20;
  s.normalize();
  return w;
}

double cpu_ms(const std::function<void()>& f) {
  timespec a{};
  timespec b{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
  f();
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
  return static_cast<double>(b.tv_sec - a.tv_sec) * 1e3 + static_cast<double>(b.tv_nsec - a.tv_nsec) / 1e6;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  const int runs = argc > 1 ? std::max(1, std::atoi(argv[1])) : 5;
  const std::string only = argc > 2 ? argv[2] : "";
  const auto now = *util::parse_rfc3339("2026-11-21T10:00:00Z");
  struct Scenario {
    const char* name;
    World world;
  };
  std::vector<Scenario> scenarios;
  scenarios.push_back({"fresh (all creates)", fresh()});
  scenarios.push_back({"in sync, managed", in_sync(true)});
  scenarios.push_back({"in sync, adopt all", in_sync(false)});
  scenarios.push_back({"drift", drift()});

  std::printf("planner benchmark: %d users, %d testers, %d groups, %d apps; median of %d runs, CPU ms\n\n",
              k_users, k_testers, k_apps * k_groups_per_app, k_apps, runs);
  std::printf("| %-20s | %7s | %5s | %8s | %8s | %8s | %8s |\n", "scenario", "changes", "notes", "plan",
              "guard", "text", "json");
  std::printf("|%s|%s|%s|%s|%s|%s|%s|\n", std::string(22, '-').c_str(), std::string(9, '-').c_str(),
              std::string(7, '-').c_str(), std::string(10, '-').c_str(), std::string(10, '-').c_str(),
              std::string(10, '-').c_str(), std::string(10, '-').c_str());
  for (const auto& sc : scenarios) {
    if (std::string(sc.name).find(only) == std::string::npos) continue;
    std::vector<double> plan_t, guard_t, text_t, json_t;
    core::Plan plan;
    size_t sink = 0;
    for (int r = 0; r < runs; ++r) {
      // The previous run's plan is freed outside the timed region.
      core::Plan fresh_plan;
      plan_t.push_back(cpu_ms(
          [&] { fresh_plan = core::make_plan(sc.world.desired, sc.world.snapshot, sc.world.managed, now); }));
      plan = std::move(fresh_plan);
      core::GuardResult g;
      guard_t.push_back(cpu_ms([&] { g = core::guard(plan, sc.world.desired.policy, sc.world.managed); }));
      text_t.push_back(cpu_ms([&] { sink += kinds::render_text(plan, &g).size(); }));
      json_t.push_back(cpu_ms([&] { sink += kinds::render_json(plan, g).dump().size(); }));
    }
    std::printf("| %-20s | %7zu | %5zu | %8.1f | %8.1f | %8.1f | %8.1f |\n", sc.name, plan.changes.size(),
                plan.notes.size(), median(plan_t), median(guard_t), median(text_t), median(json_t));
    if (!plan.valid() || sink == 0) {
      std::fprintf(stderr, "unexpected: plan invalid (%zu errors)\n", plan.errors.size());
      return 1;
    }
  }
  return 0;
}
