// Invariants 1 and 8 end to end: `apply` against the simulator behind a hostile proxy
// (tests/support/hostile_server.hpp) that misreports types, never ends a listing, sends too
// much or too slowly. Each cycle fails with the clear error and nothing is written or deleted:
// no request other than GET reaches the simulator, its state and the journal stay as they were,
// and the failed run says why. The cycle deadline also stops an apply between changes.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "reconcile/status.hpp"
#include "store/journal.hpp"
#include "store/mirror.hpp"
#include "support/hostile_server.hpp"
#include "support/reconcile_fixture.hpp"

namespace {

using nlohmann::json;
using test_support::HostileServer;
using test_support::ReconcileFixture;
using test_support::World;
using Ms = std::chrono::milliseconds;

constexpr const char* k_hostile_desired = R"(team: acme
policy:
  prune: {testers: true, group_memberships: true}
users:
  - {email: dev@acme.example, first_name: Dev, last_name: One, roles: [DEVELOPER]}
apps:
  - bundle_id: com.acme.shop
    groups:
      - name: Staff
        internal: true
        members: [dev@acme.example]
      - name: QA
        public_link: {enabled: true}
        members: [robin@example.org, kim@example.org, alex@example.org]
)";

// A team that ascsync has applied k_hostile_desired to once: every object is managed, so a misread
// view could make the planner delete (prune is on) or replace them.
struct Applied {
  ReconcileFixture f;
  core::DesiredState desired;
  World before;
  size_t journal_before = 0;
  HostileServer proxy;

  Applied() {
    f.add_apps({"com.acme.shop"});
    f.sim().add_user("owner@acme.example", "Olive", "Owner", {"ACCOUNT_HOLDER", "ADMIN"});
    f.sim().add_user("dev@acme.example", "Dev", "One", {"DEVELOPER"});
    desired = f.desired(k_hostile_desired);
    auto first = f.cycle(desired);
    REQUIRE_MESSAGE(first, (first ? "" : first.error().describe()));
    REQUIRE(first->outcome == util::CycleOutcome::converged);
    before = f.world();
    REQUIRE(before.members("com.acme.shop/QA").size() == 3);
    journal_before = journal().size();
  }

  std::vector<store::JournalEntry> journal() {
    store::Journal j(*f.db);
    auto all = j.recent(ReconcileFixture::k_team, 10'000);
    REQUIRE(all);
    return *all;
  }

  // One apply cycle through the proxy.
  util::Result<reconcile::CycleReport> apply_through_proxy(
      std::optional<Ms> timeout = std::nullopt, const std::function<void(asc::ClientOptions&)>& tweak = {}) {
    auto options = test_support::fast_client_options(proxy.base_url());
    options.retry.max_attempts = 2;
    if (tweak) tweak(options);
    auto api = f.make_api(options);
    reconcile::CycleOptions cycle;
    cycle.mode = reconcile::CycleMode::apply;
    cycle.timeout = timeout;
    return reconcile::run_cycle(ReconcileFixture::k_team, desired, api.get(), *f.db, f.clock, cycle);
  }

  // Nothing was written or deleted: no write reached the simulator, its state is unchanged, the
  // journal gained nothing and has nothing pending, and the last run is recorded as failed.
  void check_nothing_changed() {
    CHECK(proxy.write_count() == 0);
    const World now = f.world();
    CHECK(now.groups == before.groups);
    CHECK(now.testers == before.testers);
    CHECK(now.users == before.users);
    CHECK(now.invitations == before.invitations);
    CHECK(journal().size() == journal_before);
    store::Journal j(*f.db);
    auto pending = j.pending(ReconcileFixture::k_team);
    REQUIRE(pending);
    CHECK(pending->empty());
    store::Mirror mirror(*f.db);
    auto run = mirror.last_run(ReconcileFixture::k_team);
    REQUIRE(run);
    REQUIRE(*run);
    CHECK((*run)->outcome == "failed");
  }
};

bool is_listing(const std::string& method, const std::string& target, const std::string& collection) {
  return method == "GET" && target.rfind(collection + "?", 0) == 0;
}

}  // namespace

TEST_CASE("hostile apply: isInternalGroup as a string fails the refresh; the group is not replaced") {
  Applied a;
  a.proxy.proxy(a.f.fx.base_url, [](const std::string& method, const std::string& target, json& body) {
    if (!is_listing(method, target, "/v1/betaGroups")) return;
    for (auto& g : body["data"])
      if (g["attributes"]["isInternalGroup"] == true) g["attributes"]["isInternalGroup"] = "true";
  });
  auto report = a.apply_through_proxy();
  REQUIRE_FALSE(report);
  CHECK(report.error().kind == util::ErrorKind::client);
  const std::string msg = report.error().message;
  CHECK(msg.find("member attributes.isInternalGroup: expected boolean, got string") != std::string::npos);
  CHECK(msg.find("betaGroups '" + a.before.group_ids.at("com.acme.shop/Staff") + "'") != std::string::npos);
  CHECK(msg.find("listing GET /v1/betaGroups (page 1)") != std::string::npos);
  a.check_nothing_changed();
}

TEST_CASE("hostile apply: a tester's email as a number fails the refresh; no membership is removed") {
  Applied a;
  a.proxy.proxy(a.f.fx.base_url, [](const std::string& method, const std::string& target, json& body) {
    if (!is_listing(method, target, "/v1/betaTesters")) return;
    for (auto& t : body["data"])
      if (t["attributes"]["email"] == "robin@example.org") t["attributes"]["email"] = 12345;
  });
  auto report = a.apply_through_proxy();
  REQUIRE_FALSE(report);
  CHECK(report.error().message.find("betaTesters '" + a.before.tester_ids.at("robin@example.org") +
                                    "' member attributes.email: expected string, got integer") !=
        std::string::npos);
  a.check_nothing_changed();
}

TEST_CASE("hostile apply: a missing required member fails the refresh") {
  Applied a;
  a.proxy.proxy(a.f.fx.base_url, [](const std::string& method, const std::string& target, json& body) {
    if (!is_listing(method, target, "/v1/betaGroups")) return;
    for (auto& g : body["data"]) g["attributes"].erase("isInternalGroup");
  });
  auto report = a.apply_through_proxy();
  REQUIRE_FALSE(report);
  CHECK(report.error().message.find("member attributes.isInternalGroup: missing") != std::string::npos);
  a.check_nothing_changed();
}

TEST_CASE("hostile apply: an endless or cycling tester listing fails the refresh") {
  // The simulator's first page of testers, served again for every cursor the proxy makes up.
  const auto serve = [](Applied& a, std::function<std::string(const std::string& cursor)> next_cursor,
                        bool drop_meta) {
    a.proxy.on([&a, next_cursor, drop_meta](const httplib::Request& req, httplib::Response& res) {
      if (req.method != "GET" || req.path != "/v1/betaTesters")
        return a.proxy.forward(a.f.fx.base_url, req, res);
      httplib::Request first = req;
      std::string cursor;
      if (const auto at = first.target.find("&cursor="); at != std::string::npos) {
        cursor = first.target.substr(at + 8);
        first.target.erase(at);
      }
      a.proxy.forward(
          a.f.fx.base_url, first, res, [&](const std::string&, const std::string& target, json& body) {
            body["links"]["next"] = a.proxy.base_url() + target + "&cursor=" + next_cursor(cursor);
            if (drop_meta) body.erase("meta");
          });
    });
  };
  SUBCASE("endless, bounded by meta.paging") {
    Applied a;
    std::atomic<int> n{0};
    serve(
        a, [&](const std::string&) { return "x" + std::to_string(++n); }, false);
    auto report = a.apply_through_proxy();
    REQUIRE_FALSE(report);
    CHECK(report.error().message.find("pages that meta.paging (total 4, limit 200) allows") !=
          std::string::npos);
    CHECK(n.load() == 3);  // 3 pages allowed for 1 announced: the 4th next link is refused
    a.check_nothing_changed();
  }
  SUBCASE("endless, bounded by max_pages") {
    Applied a;
    std::atomic<int> n{0};
    serve(
        a, [&](const std::string&) { return "x" + std::to_string(++n); }, true);
    auto report = a.apply_through_proxy(std::nullopt, [](asc::ClientOptions& o) { o.max_pages = 20; });
    REQUIRE_FALSE(report);
    CHECK(report.error().message.find("links.next leads past max_pages (20 pages)") != std::string::npos);
    a.check_nothing_changed();
  }
  SUBCASE("cycling") {
    Applied a;
    serve(
        a, [](const std::string& cursor) { return cursor == "A" ? "B" : "A"; }, true);
    auto report = a.apply_through_proxy();
    REQUIRE_FALSE(report);
    CHECK(report.error().message.find("links.next repeats a page already read (cursor A)") !=
          std::string::npos);
    a.check_nothing_changed();
  }
}

TEST_CASE("hostile apply: an oversized listing fails the refresh") {
  Applied a;
  a.proxy.on([&](const httplib::Request& req, httplib::Response& res) {
    if (req.path == "/v1/betaGroups")
      a.proxy.huge(res, size_t{4} << 20, false);
    else
      a.proxy.forward(a.f.fx.base_url, req, res);
  });
  auto report =
      a.apply_through_proxy(std::nullopt, [](asc::ClientOptions& o) { o.max_response_bytes = 1 << 20; });
  REQUIRE_FALSE(report);
  CHECK(report.error().message.find("GET /v1/betaGroups: response body from 127.0.0.1") != std::string::npos);
  CHECK(report.error().message.find("is larger than the limit of 1 MiB") != std::string::npos);
  a.check_nothing_changed();
}

TEST_CASE("hostile apply: a dripped listing is cut off at request_timeout and fails the refresh") {
  Applied a;
  a.proxy.on([&](const httplib::Request& req, httplib::Response& res) {
    if (req.path == "/v1/betaGroups")
      a.proxy.drip(res, a.proxy.page(json::array()).dump(), Ms(100));
    else
      a.proxy.forward(a.f.fx.base_url, req, res);
  });
  const auto started = std::chrono::steady_clock::now();
  auto report = a.apply_through_proxy(std::nullopt, [](asc::ClientOptions& o) {
    o.request_timeout = Ms(700);
    o.retry.max_attempts = 1;
  });
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(4));
  REQUIRE_FALSE(report);
  CHECK(report.error().kind == util::ErrorKind::timeout);
  CHECK(report.error().message.find("listing GET /v1/betaGroups (page 1)") != std::string::npos);
  CHECK(report.error().message.find("within 700 ms (request_timeout)") != std::string::npos);
  a.check_nothing_changed();
}

TEST_CASE("hostile apply: a dripped listing stops at the cycle deadline; status says deadline exceeded") {
  Applied a;
  a.proxy.on([&](const httplib::Request& req, httplib::Response& res) {
    if (req.path == "/v1/betaTesters")
      a.proxy.drip(res, a.proxy.page(json::array()).dump(), Ms(100));
    else
      a.proxy.forward(a.f.fx.base_url, req, res);
  });
  const auto started = std::chrono::steady_clock::now();
  auto report = a.apply_through_proxy(Ms(1000));
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(4));
  REQUIRE_FALSE(report);
  CHECK(reconcile::is_deadline_exceeded(report.error()));
  CHECK(report.error().message.find("cycle deadline exceeded (cycle_timeout 1s)") != std::string::npos);
  a.check_nothing_changed();
  // Nothing was sent after the deadline: the dripped listing, if it was reached, is the last request.
  const auto seen = a.proxy.requests();
  REQUIRE_FALSE(seen.empty());
  const bool reached = std::any_of(seen.begin(), seen.end(),
                                   [](const auto& r) { return r.target.rfind("/v1/betaTesters", 0) == 0; });
  if (reached) CHECK(seen.back().target.rfind("/v1/betaTesters", 0) == 0);

  auto status = reconcile::team_status(*a.f.db, ReconcileFixture::k_team, a.f.clock.now());
  REQUIRE(status);
  CHECK((*status)["last_run"]["outcome"] == "failed");
  CHECK((*status)["last_run"]["reason"] == "deadline_exceeded");
  CHECK((*status)["journal_pending"] == 0);
}

TEST_CASE("hostile apply: the cycle deadline stops an apply between changes; the journal stays complete") {
  Applied a;
  // Slow writes: each takes 400 ms, so a 2 s cycle ends part-way through a 12-write plan.
  a.proxy.on([&](const httplib::Request& req, httplib::Response& res) {
    if (req.method != "GET") std::this_thread::sleep_for(Ms(400));
    a.proxy.forward(a.f.fx.base_url, req, res);
  });
  std::string members;
  for (int i = 0; i < 12; ++i)
    members += std::string(i ? ", " : "") + "new" + std::to_string(i) + "@example.org";
  std::string yaml = k_hostile_desired;
  yaml.replace(yaml.find("[robin@example.org, kim@example.org, alex@example.org]"),
               std::string("[robin@example.org, kim@example.org, alex@example.org]").size(),
               "[robin@example.org, kim@example.org, alex@example.org, " + members + "]");
  a.desired = a.f.desired(yaml);

  auto report = a.apply_through_proxy(Ms(2000));
  REQUIRE_MESSAGE(report, (report ? "" : report.error().describe()));
  CHECK(report->deadline_exceeded);
  CHECK(report->outcome == util::CycleOutcome::partial);
  REQUIRE(report->apply);
  CHECK(report->apply->skipped > 0);
  CHECK(report->apply->writes > 0);
  CHECK(report->apply->writes < 12);
  CHECK(report->summary().find("stopped: cycle deadline exceeded") != std::string::npos);
  bool said_deadline = false;
  for (const auto& o : report->apply->outcomes)
    said_deadline = said_deadline ||
                    (o.outcome == "skipped" && o.error.find("cycle deadline exceeded") != std::string::npos);
  CHECK(said_deadline);
  // Every write that was sent is journaled and settled; nothing is left pending.
  store::Journal j(*a.f.db);
  auto pending = j.pending(ReconcileFixture::k_team);
  REQUIRE(pending);
  CHECK(pending->empty());
  CHECK(a.journal().size() > a.journal_before);
  // Nothing outside the declared state was touched.
  const World now = a.f.world();
  CHECK(now.members("com.acme.shop/Staff") == a.before.members("com.acme.shop/Staff"));
  const auto qa_now = now.members("com.acme.shop/QA");
  for (const auto& email : a.before.members("com.acme.shop/QA"))
    CHECK(std::find(qa_now.begin(), qa_now.end(), email) != qa_now.end());
}
