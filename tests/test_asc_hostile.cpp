// Invariant 8 against a hostile App Store Connect stand-in (tests/support/hostile_server.hpp):
// a member of the wrong type or a missing required member fails the listing with an error that
// names the resource type, id, member, expected and received type; every read is bounded in
// pages (announced total, hard cap, repeated cursors), time (a total deadline per request, the
// cycle's deadline, stop requests) and bytes.
#include <doctest/doctest.h>

#include <chrono>
#include <map>
#include <stop_token>

#include "asc/api.hpp"
#include "asc/decode.hpp"
#include "support/hostile_server.hpp"
#include "util/crypto.hpp"

namespace {

using nlohmann::json;
using test_support::HostileServer;
using Ms = std::chrono::milliseconds;

std::unique_ptr<asc::Client> make_client(const std::string& base_url,
                                         const std::function<void(asc::ClientOptions&)>& tweak = {}) {
  static const util::Pkey key = util::generate_p256_key();
  asc::ClientOptions o;
  o.base_url = base_url;
  o.connect_timeout = Ms(2000);
  o.read_timeout = Ms(5000);
  o.retry.max_attempts = 1;
  o.sleeper = [](Ms) {};
  o.jitter_seed = 3;
  if (tweak) tweak(o);
  auto creds = asc::credentials_from_pem("issuer-1", "KEY1", util::private_key_to_pem(key.get()));
  REQUIRE(creds.ok());
  auto c = asc::Client::create(std::move(*creds), o);
  REQUIRE(c.ok());
  return std::move(*c);
}

json valid_app() {
  return {{"type", "apps"}, {"id", "a1"}, {"attributes", {{"bundleId", "com.acme.app"}, {"name", "App"}}}};
}

json valid_group() {
  return {{"type", "betaGroups"},
          {"id", "g1"},
          {"attributes",
           {{"name", "QA"},
            {"createdDate", "2026-01-01T00:00:00Z"},
            {"isInternalGroup", false},
            {"hasAccessToAllBuilds", false},
            {"publicLinkEnabled", true},
            {"publicLinkLimitEnabled", false},
            {"publicLinkLimit", nullptr},
            {"publicLink", "https://testflight.apple.com/join/abc"},
            {"feedbackEnabled", true},
            {"someFieldAppleAddedLater", {{"x", 1}}}}},
          {"relationships", {{"app", {{"data", {{"type", "apps"}, {"id", "a1"}}}}}}}};
}

json valid_tester() {
  return {{"type", "betaTesters"},
          {"id", "t1"},
          {"attributes",
           {{"email", "t@example.com"},
            {"firstName", "T"},
            {"lastName", "X"},
            {"inviteType", "EMAIL"},
            {"state", "INVITED"}}},
          {"relationships",
           {{"betaGroups",
             {{"data", json::array({{{"type", "betaGroups"}, {"id", "g1"}}})},
              {"meta", {{"paging", {{"total", 1}, {"limit", 50}}}}}}}}}};
}

// A team whose every listing answers from `data` (by path); everything else is an empty page.
struct HostileWorld {
  HostileServer server;
  std::map<std::string, json> data = {{"/v1/apps", json::array({valid_app()})},
                                      {"/v1/betaGroups", json::array({valid_group()})},
                                      {"/v1/betaTesters", json::array({valid_tester()})}};
  HostileWorld() {
    server.on([this](const httplib::Request& req, httplib::Response& res) {
      const auto it = data.find(req.path);
      HostileServer::json(res, server.page(it == data.end() ? json::array() : it->second));
    });
  }
  util::Result<core::Snapshot> snapshot() {
    asc::Api api(make_client(server.base_url()));
    return api.fetch_snapshot();
  }
};

std::string error_of(const util::Result<core::Snapshot>& r) {
  REQUIRE_FALSE(r.ok());
  return r.error().message;
}

}  // namespace

// --- 1. Strict decoding ------------------------------------------------------------------------

TEST_CASE(
    "hostile: a well-formed team reads, with nulls where Apple sends them and unknown members ignored") {
  HostileWorld w;
  auto group = valid_group();
  group["attributes"]["publicLinkEnabled"] = false;
  group["attributes"]["publicLink"] = nullptr;
  group["attributes"].erase("publicLinkLimit");  // the simulator leaves it out
  w.data["/v1/betaGroups"] = json::array({group});
  auto tester = valid_tester();
  tester["attributes"]["email"] = nullptr;  // a public-link tester without an address
  tester["attributes"]["inviteType"] = "PUBLIC_LINK";
  w.data["/v1/betaTesters"] = json::array({tester});
  auto snap = w.snapshot();
  REQUIRE_MESSAGE(snap.ok(), snap.error().describe());
  REQUIRE(snap->groups.size() == 1);
  CHECK_FALSE(snap->groups[0].is_internal);
  CHECK(snap->groups[0].public_link.empty());
  CHECK_FALSE(snap->groups[0].public_link_limit.has_value());
  CHECK(snap->groups[0].app_id == "a1");
  REQUIRE(snap->testers.size() == 1);
  CHECK(snap->testers[0].email.empty());
  CHECK(snap->testers[0].group_ids == std::vector<std::string>{"g1"});
}

TEST_CASE("hostile: isInternalGroup sent as a string fails the listing instead of reading as external") {
  HostileWorld w;
  auto group = valid_group();
  group["attributes"]["isInternalGroup"] = "true";
  w.data["/v1/betaGroups"] = json::array({group});
  auto snap = w.snapshot();
  const std::string msg = error_of(snap);
  CHECK(snap.error().kind == util::ErrorKind::client);
  CHECK(msg.find("betaGroups 'g1' member attributes.isInternalGroup: expected boolean, got string") !=
        std::string::npos);
  CHECK(msg.find("listing GET /v1/betaGroups (page 1)") != std::string::npos);
  CHECK(msg.find("snapshot incomplete") != std::string::npos);
}

TEST_CASE("hostile: a tester's email sent as a number fails the listing") {
  HostileWorld w;
  auto tester = valid_tester();
  tester["attributes"]["email"] = 12345;
  w.data["/v1/betaTesters"] = json::array({tester});
  const std::string msg = error_of(w.snapshot());
  CHECK(msg.find("betaTesters 't1' member attributes.email: expected string, got integer") !=
        std::string::npos);
  CHECK(msg.find("GET /v1/betaTesters") != std::string::npos);
}

TEST_CASE("hostile: required members that are missing or null fail the listing") {
  SUBCASE("isInternalGroup missing") {
    HostileWorld w;
    auto group = valid_group();
    group["attributes"].erase("isInternalGroup");
    w.data["/v1/betaGroups"] = json::array({group});
    CHECK(error_of(w.snapshot()).find("betaGroups 'g1' member attributes.isInternalGroup: missing") !=
          std::string::npos);
  }
  SUBCASE("isInternalGroup null") {
    HostileWorld w;
    auto group = valid_group();
    group["attributes"]["isInternalGroup"] = nullptr;
    w.data["/v1/betaGroups"] = json::array({group});
    CHECK(error_of(w.snapshot()).find("attributes.isInternalGroup: expected non-null value, got null") !=
          std::string::npos);
  }
  SUBCASE("no attributes at all") {
    HostileWorld w;
    w.data["/v1/betaGroups"] = json::array(
        {{{"type", "betaGroups"}, {"id", "g1"}, {"relationships", valid_group()["relationships"]}}});
    CHECK(error_of(w.snapshot()).find("betaGroups 'g1' member attributes.name: missing") !=
          std::string::npos);
  }
  SUBCASE("tester email missing") {
    HostileWorld w;
    auto tester = valid_tester();
    tester["attributes"].erase("email");
    w.data["/v1/betaTesters"] = json::array({tester});
    CHECK(error_of(w.snapshot()).find("betaTesters 't1' member attributes.email: missing") !=
          std::string::npos);
  }
  SUBCASE("the group's app linkage missing") {
    HostileWorld w;
    auto group = valid_group();
    group.erase("relationships");
    w.data["/v1/betaGroups"] = json::array({group});
    CHECK(error_of(w.snapshot()).find("betaGroups 'g1' member relationships.app.data: missing") !=
          std::string::npos);
  }
  SUBCASE("a tester's included betaGroups linkage missing") {
    HostileWorld w;
    auto tester = valid_tester();
    tester["relationships"]["betaGroups"].erase("data");
    w.data["/v1/betaTesters"] = json::array({tester});
    CHECK(error_of(w.snapshot()).find("betaTesters 't1' member relationships.betaGroups.data: missing") !=
          std::string::npos);
  }
  SUBCASE("an app without bundleId") {
    HostileWorld w;
    auto app = valid_app();
    app["attributes"].erase("bundleId");
    w.data["/v1/apps"] = json::array({app});
    CHECK(error_of(w.snapshot()).find("apps 'a1' member attributes.bundleId: missing") != std::string::npos);
  }
}

TEST_CASE("hostile: wrong types anywhere in a member ascsync reads fail the listing") {
  const auto with = [](const std::string& path, json resource) {
    HostileWorld w;
    w.data[path] = json::array({std::move(resource)});
    return error_of(w.snapshot());
  };
  auto group = valid_group();
  group["attributes"]["publicLinkLimit"] = "100";
  CHECK(with("/v1/betaGroups", group).find("attributes.publicLinkLimit: expected integer, got string") !=
        std::string::npos);
  group = valid_group();
  group["attributes"]["publicLinkLimit"] = 1.5;
  CHECK(with("/v1/betaGroups", group).find("attributes.publicLinkLimit: expected integer, got number") !=
        std::string::npos);
  group = valid_group();
  group["attributes"]["publicLink"] = false;
  CHECK(with("/v1/betaGroups", group).find("attributes.publicLink: expected string, got boolean") !=
        std::string::npos);
  group = valid_group();
  group["attributes"] = json::array();
  CHECK(with("/v1/betaGroups", group).find("betaGroups 'g1' member attributes: expected object, got array") !=
        std::string::npos);
  group = valid_group();
  group["relationships"]["app"]["data"] = {{"type", "apps"}, {"id", 7}};
  CHECK(
      with("/v1/betaGroups", group).find("relationships.app.data: member id: expected string, got integer") !=
      std::string::npos);

  auto tester = valid_tester();
  tester["relationships"]["betaGroups"]["data"] = json::array({{{"type", "betaGroups"}, {"id", 42}}});
  CHECK(with("/v1/betaTesters", tester)
            .find("relationships.betaGroups.data[0]: member id: expected string, got integer") !=
        std::string::npos);
  tester = valid_tester();
  tester["relationships"]["betaGroups"]["data"] = json::array({{{"type", "apps"}, {"id", "g1"}}});
  CHECK(with("/v1/betaTesters", tester).find("expected type 'betaGroups', got 'apps'") != std::string::npos);
  tester = valid_tester();
  tester["relationships"]["betaGroups"]["data"] = {{"type", "betaGroups"}, {"id", "g1"}};
  CHECK(with("/v1/betaTesters", tester).find("relationships.betaGroups.data: expected array, got object") !=
        std::string::npos);
  tester = valid_tester();
  tester["relationships"]["betaGroups"]["meta"]["paging"]["total"] = "1";
  CHECK(with("/v1/betaTesters", tester)
            .find("relationships.betaGroups.meta.paging.total: expected integer >= 0, got string") !=
        std::string::npos);

  json user = {{"type", "users"},
               {"id", "u1"},
               {"attributes",
                {{"username", "u@example.com"},
                 {"roles", json::array({"ADMIN", 3})},
                 {"allAppsVisible", true},
                 {"provisioningAllowed", false}}},
               {"relationships", {{"visibleApps", {{"data", json::array()}}}}}};
  CHECK(with("/v1/users", user).find("users 'u1' member attributes.roles[1]: expected string, got integer") !=
        std::string::npos);
  user["attributes"]["roles"] = json::array({"ADMIN"});
  user["attributes"]["allAppsVisible"] = 1;
  CHECK(with("/v1/users", user)
            .find("users 'u1' member attributes.allAppsVisible: expected boolean, got integer") !=
        std::string::npos);

  json cert = {
      {"type", "certificates"},
      {"id", "c1"},
      {"attributes", {{"certificateType", "DISTRIBUTION"}, {"serialNumber", "AB"}, {"expirationDate", 1}}}};
  CHECK(with("/v1/certificates", cert)
            .find("certificates 'c1' member attributes.expirationDate: expected string, got integer") !=
        std::string::npos);
}

TEST_CASE("hostile: a malformed collection document or meta.paging fails the listing") {
  HostileWorld w;
  w.server.on([&](const httplib::Request& req, httplib::Response& res) {
    auto doc = w.server.page(json::array());
    if (req.path == "/v1/users") doc["meta"] = {{"paging", {{"total", "many"}, {"limit", 200}}}};
    HostileServer::json(res, doc);
  });
  const std::string msg = error_of(w.snapshot());
  CHECK(msg.find("meta.paging.total: expected integer >= 0, got string") != std::string::npos);
  CHECK(msg.find("GET /v1/users (page 1)") != std::string::npos);

  w.server.on([&](const httplib::Request& req, httplib::Response& res) {
    auto doc = w.server.page(json::array());
    if (req.path == "/v1/users") doc["data"] = json::object();
    HostileServer::json(res, doc);
  });
  CHECK(error_of(w.snapshot()).find("collection 'data' is not an array (expected array, got object)") !=
        std::string::npos);
}

TEST_CASE("hostile: decoders of write responses tolerate absent linkages but not wrong types") {
  auto group = valid_group();
  group.erase("relationships");
  CHECK(asc::decode_beta_group(group, asc::DecodeMode::write_response).ok());
  CHECK_FALSE(asc::decode_beta_group(group, asc::DecodeMode::listing).ok());
  group["attributes"]["hasAccessToAllBuilds"] = "false";
  auto bad = asc::decode_beta_group(group, asc::DecodeMode::write_response);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message.find("attributes.hasAccessToAllBuilds: expected boolean, got string") !=
        std::string::npos);
}

// --- 2. Bounded reads ----------------------------------------------------------------------------

TEST_CASE("hostile: an endless links.next stops at the pages meta.paging announced (plus slack)") {
  HostileServer s;
  std::atomic<int> n{0};
  s.on([&](const httplib::Request&, httplib::Response& res) {
    auto doc = s.page(json::array(), "/v1/apps?cursor=c" + std::to_string(++n));
    doc["meta"] = {{"paging", {{"total", 400}, {"limit", 200}}}};  // 2 pages announced
    HostileServer::json(res, doc);
  });
  auto c = make_client(s.base_url());
  auto st =
      c->for_each_page("GET /v1/apps", "/v1/apps?limit=200", [](const json&) { return util::ok_status(); });
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().message.find("past the 4 pages that meta.paging (total 400, limit 200) allows") !=
        std::string::npos);
  CHECK(s.request_count() == 4);
}

TEST_CASE("hostile: an endless links.next without paging stops at max_pages") {
  HostileServer s;
  std::atomic<int> n{0};
  s.on([&](const httplib::Request&, httplib::Response& res) {
    HostileServer::json(res, s.page(json::array(), "/v1/apps?cursor=c" + std::to_string(++n)));
  });
  auto c = make_client(s.base_url(), [](asc::ClientOptions& o) { o.max_pages = 25; });
  auto st =
      c->for_each_page("GET /v1/apps", "/v1/apps?limit=200", [](const json&) { return util::ok_status(); });
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().message.find("links.next leads past max_pages (25 pages)") != std::string::npos);
  CHECK(s.request_count() == 25);
}

TEST_CASE("hostile: a cycling cursor is an error as soon as it repeats") {
  HostileServer s;
  s.on([&](const httplib::Request& req, httplib::Response& res) {
    const std::string cursor = req.get_param_value("cursor");
    const std::string next = cursor == "B" ? "A" : "B";
    HostileServer::json(res, s.page(json::array(), "/v1/betaTesters?limit=200&cursor=" + next));
  });
  auto c = make_client(s.base_url());
  auto st = c->for_each_page("GET /v1/betaTesters", "/v1/betaTesters?limit=200",
                             [](const json&) { return util::ok_status(); });
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().message.find("links.next repeats a page already read (cursor B)") != std::string::npos);
  CHECK(s.request_count() == 3);  // first page, B, A; A's next is B again
}

TEST_CASE("hostile: a body dripped byte by byte is cut off at request_timeout") {
  HostileServer s;
  s.on([&](const httplib::Request&, httplib::Response& res) {
    s.drip(res, s.page(json::array()).dump(), Ms(100));
  });
  auto c = make_client(s.base_url(), [](asc::ClientOptions& o) { o.request_timeout = Ms(800); });
  const auto started = std::chrono::steady_clock::now();
  auto st = c->for_each_page("GET /v1/apps", "/v1/apps", [](const json&) { return util::ok_status(); });
  const auto took = std::chrono::steady_clock::now() - started;
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().kind == util::ErrorKind::timeout);
  CHECK(st.error().message.find("no complete response from 127.0.0.1") != std::string::npos);
  CHECK(st.error().message.find("within 800 ms (request_timeout)") != std::string::npos);
  CHECK(took < std::chrono::seconds(3));
}

TEST_CASE("hostile: a status line and headers dripped byte by byte are cut off at request_timeout") {
  test_support::DripHeadersServer s("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Padding: " +
                                        std::string(200, 'x') + "\r\nContent-Length: 2\r\n\r\n{}",
                                    Ms(50));
  auto c = make_client(s.base_url(), [](asc::ClientOptions& o) { o.request_timeout = Ms(700); });
  const auto started = std::chrono::steady_clock::now();
  auto st = c->for_each_page("GET /v1/apps", "/v1/apps", [](const json&) { return util::ok_status(); });
  const auto took = std::chrono::steady_clock::now() - started;
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().kind == util::ErrorKind::timeout);
  CHECK(st.error().message.find("(request_timeout)") != std::string::npos);
  CHECK(took < std::chrono::seconds(3));
}

TEST_CASE("hostile: an oversized body is refused, announced or not, and one under the cap is read") {
  HostileServer s;
  auto c = make_client(s.base_url(), [](asc::ClientOptions& o) { o.max_response_bytes = size_t{1} << 20; });
  SUBCASE("Content-Length above the cap") {
    s.on([&](const httplib::Request&, httplib::Response& res) { s.huge(res, size_t{8} << 20, true); });
    auto st = c->for_each_page("GET /v1/apps", "/v1/apps", [](const json&) { return util::ok_status(); });
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().message.find("larger than the limit of 1 MiB (Content-Length 8388608)") !=
          std::string::npos);
  }
  SUBCASE("chunked, no length") {
    s.on([&](const httplib::Request&, httplib::Response& res) { s.huge(res, size_t{8} << 20, false); });
    auto st = c->for_each_page("GET /v1/apps", "/v1/apps", [](const json&) { return util::ok_status(); });
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().message.find("larger than the limit of 1 MiB") != std::string::npos);
    CHECK(st.error().message.find("max_response_mib") != std::string::npos);
  }
  SUBCASE("a valid page just under the cap") {
    json doc = s.page(json::array({valid_app()}));
    doc["meta"] = {{"padding", std::string((size_t{1} << 20) - 400, 'p')}};
    s.on([&](const httplib::Request&, httplib::Response& res) { HostileServer::json(res, doc); });
    int pages = 0;
    auto st = c->for_each_page("GET /v1/apps", "/v1/apps", [&](const json&) {
      ++pages;
      return util::ok_status();
    });
    REQUIRE_MESSAGE(st.ok(), st.error().describe());
    CHECK(pages == 1);
  }
}

TEST_CASE("hostile: the cycle deadline abandons the read in flight and sends nothing after it") {
  HostileServer s;
  s.on([&](const httplib::Request&, httplib::Response& res) {
    s.drip(res, s.page(json::array()).dump(), Ms(100));
  });
  auto c =
      make_client(s.base_url(), [](asc::ClientOptions& o) { o.request_timeout = std::chrono::seconds(30); });
  c->set_interrupt({{}, std::chrono::steady_clock::now() + Ms(600), "cycle_timeout 600ms"});
  const auto started = std::chrono::steady_clock::now();
  auto st = c->for_each_page("GET /v1/apps", "/v1/apps", [](const json&) { return util::ok_status(); });
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(3));
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().kind == util::ErrorKind::timeout);
  CHECK(st.error().message.find("cycle deadline exceeded (cycle_timeout 600ms)") != std::string::npos);
  const long long before = s.request_count();
  auto again = c->for_each_page("GET /v1/apps", "/v1/apps", [](const json&) { return util::ok_status(); });
  REQUIRE_FALSE(again.ok());
  CHECK(again.error().message.find("cycle deadline exceeded") != std::string::npos);
  CHECK(s.request_count() == before);  // not even sent
  c->set_interrupt({});
}

TEST_CASE("hostile: a stop request abandons the read in flight") {
  HostileServer s;
  s.on([&](const httplib::Request&, httplib::Response& res) {
    s.drip(res, s.page(json::array()).dump(), Ms(100));
  });
  auto c =
      make_client(s.base_url(), [](asc::ClientOptions& o) { o.request_timeout = std::chrono::seconds(30); });
  std::stop_source stop;
  c->set_interrupt({stop.get_token(), std::nullopt, ""});
  std::thread stopper([&] {
    std::this_thread::sleep_for(Ms(300));
    stop.request_stop();
  });
  const auto started = std::chrono::steady_clock::now();
  auto st = c->for_each_page("GET /v1/apps", "/v1/apps", [](const json&) { return util::ok_status(); });
  stopper.join();
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(3));
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().kind == util::ErrorKind::cancelled);
}
