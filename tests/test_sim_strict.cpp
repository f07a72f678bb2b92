// ascsim's own inputs are read strictly: state documents, admin bodies and fault rules with a
// wrong type, an unknown member or an invalid enumeration value are refused with a message that
// names the place; requests that are not UTF-8 get 400; a taken port is refused.
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "support/sim_fixture.hpp"
#include "util/time.hpp"

using nlohmann::json;
using test_support::send;

namespace {

struct Answer {
  int status = 0;
  std::string body;
};

Answer raw_admin(test_support::SimFixture& fx, const std::string& method, const std::string& path,
                 const std::string& body) {
  auto cli = fx.client();
  httplib::Result res = method == "POST"  ? cli->Post(path, body, "application/json")
                        : method == "PUT" ? cli->Put(path, body, "application/json")
                                          : cli->Delete(path, body, "application/json");
  REQUIRE(res);
  return {res->status, res->body};
}

// Sends a request as raw bytes and returns the status line's code (0 when none came back).
int raw_status(int port, const std::string& request) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{30, 0};  // generous: a loaded CI machine may take a while to answer
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  REQUIRE(::send(fd, request.data(), request.size(), 0) == static_cast<ssize_t>(request.size()));
  std::string got;
  char buf[512];
  while (got.size() < 12) {  // "HTTP/1.1 200" may arrive in pieces
    const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    got.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  if (got.size() < 12) return 0;
  return std::atoi(got.substr(9, 3).c_str());
}

}  // namespace

TEST_CASE("ascsim refuses state documents with wrong types, unknown members or invalid values") {
  test_support::SimFixture fx;
  const auto app = fx.sim->add_app("com.example.strict", "Strict");
  const json good = fx.sim->dump_state();
  struct Case {
    const char* name;
    json state;
    const char* message;
  };
  auto with = [&](const char* collection, json item) {
    json st = good;
    st[collection].push_back(std::move(item));
    return st;
  };
  const std::vector<Case> cases = {
      {"boolean as string",
       with("betaGroups", {{"id", "g1"}, {"app_id", app}, {"name", "G"}, {"is_internal", "true"}}),
       "betaGroups[0] (id 'g1') member 'is_internal': expected boolean, got string"},
      {"email as number", with("betaTesters", {{"id", "t1"}, {"email", 42}}),
       "betaTesters[0] (id 't1') member 'email': expected string, got integer"},
      {"array of numbers", with("users", {{"id", "u1"}, {"username", "u@example.org"}, {"roles", {1}}}),
       "member 'roles[0]': expected string, got number"},
      {"unknown member", with("apps", {{"id", "a9"}, {"bundleId", "com.example.typo"}}),
       "unknown member 'bundleId'"},
      {"missing id", with("apps", {{"name", "x"}}), "member 'id' must be a non-empty string"},
      {"duplicate id", with("apps", good["apps"][0]), "appears twice"},
      {"unknown role", with("users", {{"id", "u1"}, {"username", "u@example.org"}, {"roles", {"OWNER"}}}),
       "'OWNER' is not one of"},
      {"second account holder",
       [&] {
         json st =
             with("users", {{"id", "u1"}, {"username", "a@example.org"}, {"roles", {"ACCOUNT_HOLDER"}}});
         st["users"].push_back({{"id", "u2"}, {"username", "b@example.org"}, {"roles", {"ACCOUNT_HOLDER"}}});
         return st;
       }(),
       "one ACCOUNT_HOLDER"},
      {"duplicate email",
       [&] {
         json st = with("betaTesters", {{"id", "t1"}, {"email", "Same@example.org"}});
         st["betaTesters"].push_back({{"id", "t2"}, {"email", "same@EXAMPLE.org"}});
         return st;
       }(),
       "is already used by 't1'"},
      {"bad tester state",
       with("betaTesters", {{"id", "t1"}, {"email", "x@example.org"}, {"state", "HAPPY"}}),
       "member 'state': 'HAPPY' is not one of"},
      {"bad date",
       with("certificates",
            {{"id", "C1"}, {"certificate_type", "IOS_DISTRIBUTION"}, {"expiration_date", "next year"}}),
       "certificates[0] (id 'C1')"},
      {"unknown collection", json{{"testers", json::array()}}, "unknown member 'testers'"},
      {"not an object", json::array(), "must be a JSON object"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    const Answer a = raw_admin(fx, "PUT", "/_sim/state", c.state.dump());
    CHECK(a.status == 400);
    CHECK_MESSAGE(a.body.find(c.message) != std::string::npos, a.body);
    CHECK(fx.sim->dump_state() == good);  // a refused load changes nothing
  }
  // The same rules for the in-process API (the --fixture path).
  CHECK_THROWS_WITH_AS(fx.sim->load_state(cases[0].state), doctest::Contains("expected boolean"),
                       std::invalid_argument);
}

TEST_CASE("ascsim admin bodies: wrong types and bad values are errors, never defaults") {
  test_support::SimFixture fx;
  const auto app = fx.sim->add_app("com.example.adm", "Adm");
  fx.sim->add_user("holder@example.org", "H", "H", {"ACCOUNT_HOLDER"});
  struct Case {
    const char* name;
    std::string method;
    std::string path;
    json body;
    const char* message;
  };
  const std::vector<Case> cases = {
      {"isInternal as string",
       "POST",
       "/_sim/betaGroups",
       {{"appId", app}, {"name", "G"}, {"isInternal", "true"}},
       "member 'isInternal': expected boolean, got string"},
      {"firstName as number",
       "POST",
       "/_sim/betaTesters",
       {{"email", "t@example.org"}, {"firstName", 7}},
       "member 'firstName': expected string"},
      {"groupIds as string",
       "POST",
       "/_sim/betaTesters",
       {{"email", "t@example.org"}, {"groupIds", "g"}},
       "member 'groupIds': expected array of strings"},
      {"unknown role",
       "POST",
       "/_sim/users",
       {{"email", "u@example.org"}, {"roles", {"OWNER"}}},
       "'OWNER' is not a role"},
      {"second account holder",
       "POST",
       "/_sim/users",
       {{"email", "u@example.org"}, {"roles", {"ACCOUNT_HOLDER"}}},
       "one ACCOUNT_HOLDER"},
      {"seconds as string",
       "POST",
       "/_sim/clock/advance",
       {{"seconds", "60"}},
       "member 'seconds': expected integer"},
      {"fault typo",
       "POST",
       "/_sim/faults",
       {{"route", "*"}, {"errorrate", 1.0}},
       "unknown member 'errorrate'"},
      {"fault rate out of range", "POST", "/_sim/faults", {{"errorRate", 2.0}}, "outside 0..1"},
      {"fault status as string", "POST", "/_sim/faults", {{"errorStatus", "500"}}, "expected integer"},
      {"body not an object", "POST", "/_sim/apps", json::array({1}), "must be a JSON object"},
  };
  const json before = fx.sim->dump_state();
  for (const auto& c : cases) {
    CAPTURE(c.name);
    const Answer a = raw_admin(fx, c.method, c.path, c.body.dump());
    CHECK(a.status == 400);
    CHECK_MESSAGE(a.body.find(c.message) != std::string::npos, a.body);
  }
  CHECK(fx.sim->dump_state() == before);
  CHECK(fx.client()->Get("/_sim/faults")->body == "[]");
}

TEST_CASE("ascsim admin API takes a realistic team state and bodiless control requests") {
  test_support::SimFixture fx;
  const auto app = fx.sim->add_app("com.example.big", "Big");
  const auto group = fx.sim->add_beta_group(app, "Everyone", false);
  json st = fx.sim->dump_state();
  for (int i = 0; i < 10'000; ++i)
    st["betaTesters"].push_back({{"id", "t" + std::to_string(i)},
                                 {"email", "tester" + std::to_string(i) + "@example.org"},
                                 {"first_name", "Tester"},
                                 {"last_name", "Number " + std::to_string(i)},
                                 {"groups", {group}}});
  const std::string text = st.dump();
  CHECK(text.size() > 1024 * 1024);  // larger than the old 1 MiB cap
  CHECK(raw_admin(fx, "PUT", "/_sim/state", text).status == 200);
  CHECK(fx.sim->dump_state()["betaTesters"].size() == 10'000);

  // As curl -X POST / -X DELETE send them: no body and no Content-Length.
  send(fx, "GET", "/v1/apps");
  CHECK(fx.sim->request_count() > 0);
  CHECK(raw_status(fx.sim->port(), "POST /_sim/counters/reset HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n") == 200);
  CHECK(fx.sim->request_count() == 0);
  fx.sim->add_fault({.route = "GET /v1/apps", .error_rate = 1.0});
  CHECK(raw_status(fx.sim->port(), "DELETE /_sim/faults HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n") == 200);
  CHECK(send(fx, "GET", "/v1/apps").status == 200);
  const auto cert = fx.sim->add_certificate("DEVELOPMENT", "Bodiless");
  CHECK(raw_status(fx.sim->port(),
                   "POST /_sim/certificates/" + cert + "/expire HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n") == 200);
  CHECK(fx.sim->dump_state()["certificates"][0]["expiration_date"].get<std::string>() <
        util::format_rfc3339(fx.sim->now()));
  CHECK(raw_status(fx.sim->port(),
                   "POST /_sim/certificates/NOSUCHCERT/expire HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n") == 404);
  // The API keeps Apple's 1 MiB limit on its own request bodies.
  auto cli = fx.client();
  auto big = cli->Post("/v1/betaTesters", fx.auth(), std::string(1024 * 1024 + 10, 'x'), "application/json");
  REQUIRE(big);
  CHECK(big->status == 413);
}

TEST_CASE("ascsim answers 400, not 500, to query parameters and form bodies that are not UTF-8") {
  test_support::SimFixture fx;
  fx.sim->add_app("com.example.utf", "UTF");
  auto cli = fx.client();
  for (const std::string path : {"/v1/betaTesters?filter%5Bemail%5D=%FF%FE", "/v1/betaTesters?%C3%28=1",
                                 "/v1/apps?fields%5Bapps%5D=name%ED%A0%80", "/v1/betaTesters/%FF"}) {
    CAPTURE(path);
    auto res = cli->Get(path, fx.auth());
    REQUIRE(res);
    CHECK(res->status == 400);
    auto doc = json::parse(res->body, nullptr, false);
    REQUIRE(doc.is_object());
    CHECK(doc["errors"][0]["status"] == "400");
  }
  auto form = cli->Post("/v1/betaTesters", fx.auth(), "email=%FF%FE", "application/x-www-form-urlencoded");
  REQUIRE(form);
  CHECK(form->status == 400);
  // Observation still answers (the logged bytes are shown as U+FFFD).
  auto log = cli->Get("/_sim/requests");
  REQUIRE(log);
  CHECK(log->status == 200);
  CHECK(send(fx, "GET", "/v1/apps").status == 200);
}

TEST_CASE("ascsim refuses a port that another server already holds") {
  test_support::SimFixture first;
  sim::Options o;
  o.port = first.sim->port();
  sim::Simulator second(o);
  CHECK_THROWS_WITH_AS(second.start(), doctest::Contains("cannot bind"), std::runtime_error);
  CHECK(send(first, "GET", "/v1/apps").status == 200);
}
