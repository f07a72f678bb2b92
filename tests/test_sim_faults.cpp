// ascsim rate limit, concurrency 429, fault injection (each kind) and the simulated clock.
#include <doctest/doctest.h>

#include <atomic>
#include <thread>

#include "support/sim_fixture.hpp"

using nlohmann::json;
using test_support::send;

TEST_CASE("ascsim rate limit: X-Rate-Limit on every response and 429 past the rolling hour's budget") {
  sim::Options o;
  o.rate_limit_per_hour = 5;
  test_support::SimFixture fx(o);
  for (int i = 1; i <= 5; ++i) {
    auto r = send(fx, "GET", "/v1/apps");
    CHECK(r.status == 200);
    CHECK(r.header("X-Rate-Limit") == "user-hour-lim:5;user-hour-rem:" + std::to_string(5 - i) + ";");
  }
  auto limited = send(fx, "GET", "/v1/apps");
  CHECK(limited.status == 429);
  CHECK(limited.code() == "RATE_LIMIT_EXCEEDED");
  CHECK(limited.header("X-Rate-Limit") == "user-hour-lim:5;user-hour-rem:0;");
  // Errors carry the header too.
  auto unauth = fx.client()->Get("/v1/apps");
  REQUIRE(unauth);
  CHECK(unauth->has_header("X-Rate-Limit"));
  // The window rolls with the simulated clock.
  fx.sim->advance_clock(std::chrono::minutes(61));
  CHECK(send(fx, "GET", "/v1/apps").status == 200);
}

TEST_CASE("ascsim caps concurrent requests per key with 429") {
  sim::Options o;
  o.max_concurrent_per_key = 2;
  test_support::SimFixture fx(o);
  fx.sim->add_fault({.route = "GET /v1/apps", .latency_ms = 300});
  std::atomic<int> ok{0}, limited{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 5; ++i)
    threads.emplace_back([&] {
      auto r = send(fx, "GET", "/v1/apps");
      if (r.status == 200) ++ok;
      if (r.status == 429) ++limited;
    });
  for (auto& t : threads) t.join();
  CHECK(ok == 2);
  CHECK(limited == 3);
}

TEST_CASE("ascsim fault injection: errors, fail-Nth, drop, truncate, latency, remaining") {
  test_support::SimFixture fx;
  fx.sim->add_app("com.example.f", "F");

  SUBCASE("error_rate 1 answers error_status in Apple's shape, only on matching routes") {
    fx.sim->add_fault({.route = "GET /v1/apps*", .error_rate = 1.0, .error_status = 503});
    auto r = send(fx, "GET", "/v1/apps");
    CHECK(r.status == 503);
    CHECK(r.body["errors"][0]["status"] == "503");
    CHECK(send(fx, "GET", "/v1/betaGroups").status == 200);
    fx.sim->clear_faults();
    CHECK(send(fx, "GET", "/v1/apps").status == 200);
  }
  SUBCASE("fail_nth fails exactly the Nth matching request") {
    fx.sim->add_fault({.route = "* /v1/apps", .error_status = 500, .fail_nth = 3});
    std::vector<int> statuses;
    for (int i = 0; i < 5; ++i) statuses.push_back(send(fx, "GET", "/v1/apps").status);
    CHECK(statuses == std::vector<int>{200, 200, 500, 200, 200});
  }
  SUBCASE("a dropped connection gives the client a network error, and the write still happened") {
    fx.sim->add_fault({.route = "POST /v1/betaGroups", .drop_rate = 1.0, .remaining = 1});
    const auto app = fx.sim->dump_state()["apps"][0]["id"].get<std::string>();
    json body = {{"data",
                  {{"type", "betaGroups"},
                   {"attributes", {{"name", "G"}}},
                   {"relationships", {{"app", {{"data", {{"type", "apps"}, {"id", app}}}}}}}}}};
    auto cli = fx.client();
    auto res = cli->Post("/v1/betaGroups", fx.auth(), body.dump(), "application/json");
    CHECK_FALSE(res);
    CHECK(fx.sim->dump_state()["betaGroups"].size() == 1);
    // remaining = 1: the rule is spent.
    CHECK(send(fx, "GET", "/v1/betaGroups").status == 200);
  }
  SUBCASE("a truncated body is a network error for the client") {
    fx.sim->add_fault({.route = "GET /v1/apps", .truncate_rate = 1.0});
    auto cli = fx.client();
    auto res = cli->Get("/v1/apps", fx.auth());
    CHECK_FALSE(res);
    if (!res) CHECK(res.error() != httplib::Error::Success);
  }
  SUBCASE("latency delays the answer") {
    fx.sim->add_fault({.route = "GET /v1/apps", .latency_ms = 200});
    const auto start = std::chrono::steady_clock::now();
    CHECK(send(fx, "GET", "/v1/apps").status == 200);
    CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(200));
  }
  SUBCASE("a share of requests fails, deterministically for the seed") {
    auto run = [] {
      sim::Options o;
      o.seed = 42;
      test_support::SimFixture f(o);
      f.sim->add_fault({.route = "*", .error_rate = 0.5, .error_status = 500});
      std::vector<int> statuses;
      for (int i = 0; i < 20; ++i) statuses.push_back(send(f, "GET", "/v1/apps").status);
      return statuses;
    };
    const auto first = run();
    CHECK(first == run());
    const auto failures = std::count(first.begin(), first.end(), 500);
    CHECK(failures > 2);
    CHECK(failures < 18);
  }
}

TEST_CASE("ascsim counts requests and writes and logs them") {
  test_support::SimFixture fx;
  const auto app = fx.sim->add_app("com.example.c", "C");
  const auto group = fx.sim->add_beta_group(app, "G", false);
  send(fx, "GET", "/v1/apps");
  send(fx, "GET", "/v1/betaGroups/" + group);
  send(fx, "DELETE", "/v1/betaGroups/" + group);
  send(fx, "DELETE", "/v1/betaGroups/" + group);  // 404, not a write
  CHECK(fx.sim->request_count() == 4);
  CHECK(fx.sim->write_count() == 1);
  const auto log = fx.sim->request_log();
  REQUIRE(log.size() == 4);
  CHECK(log[2].method == "DELETE");
  CHECK(log[2].status == 204);
  CHECK(log[2].key_id == fx.key_id);
  bool found = false;
  for (const auto& c : fx.sim->route_counters())
    if (c.route == "DELETE /v1/betaGroups/{id}" && c.status == 404) found = c.count == 1;
  CHECK(found);
  fx.sim->reset_counters();
  CHECK(fx.sim->request_count() == 0);
  CHECK(fx.sim->request_log().empty());
}
