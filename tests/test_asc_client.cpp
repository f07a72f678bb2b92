// asc::Client against a scripted loopback server: retries, Retry-After, token renewal,
// timeouts, dropped connections, pagination rules, decoding errors and log redaction.
#include <doctest/doctest.h>
#include <httplib.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>
#include <tuple>

#include "asc/client.hpp"
#include "asc/jwt.hpp"
#include "util/crypto.hpp"
#include "util/time.hpp"

namespace {

using Handler = std::function<void(const httplib::Request&, httplib::Response&)>;

struct Seen {
  std::string method;
  std::string target;  // path with query
  std::string authorization;
  std::string body;
};

// A loopback HTTP server whose every answer the test scripts.
class ScriptedServer {
 public:
  ScriptedServer() {
    const auto route = [this](const httplib::Request& req, httplib::Response& res) {
      Handler h;
      {
        std::lock_guard lock(m_mutex);
        m_seen.push_back({req.method, req.target, req.get_header_value("Authorization"), req.body});
        h = m_handler;
      }
      if (h) h(req, res);
    };
    m_server.Get(".*", route);
    m_server.Post(".*", route);
    m_server.Patch(".*", route);
    m_server.Delete(".*", route);
    m_server.set_keep_alive_max_count(1000);
    m_port = m_server.bind_to_any_port("127.0.0.1");
    m_thread = std::thread([this] { m_server.listen_after_bind(); });
    while (!m_server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~ScriptedServer() {
    m_server.stop();
    m_thread.join();
  }
  void handle(Handler h) {
    std::lock_guard lock(m_mutex);
    m_handler = std::move(h);
  }
  std::vector<Seen> seen() const {
    std::lock_guard lock(m_mutex);
    return m_seen;
  }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(m_port); }
  int port() const { return m_port; }

 private:
  httplib::Server m_server;
  int m_port = 0;
  std::thread m_thread;
  mutable std::mutex m_mutex;
  Handler m_handler;
  std::vector<Seen> m_seen;
};

void json_reply(httplib::Response& res, int status, const nlohmann::json& body) {
  res.status = status;
  res.set_content(body.dump(), "application/json");
}

nlohmann::json apple_error(int status, const std::string& code, const std::string& detail) {
  return {{"errors",
           {{{"status", std::to_string(status)},
             {"code", code},
             {"title", "Title " + code},
             {"detail", detail}}}}};
}

nlohmann::json collection(const nlohmann::json& data, const std::string& next = "") {
  nlohmann::json doc = {{"data", data}, {"links", {{"self", "x"}}}};
  if (!next.empty()) doc["links"]["next"] = next;
  return doc;
}

struct Harness {
  ScriptedServer server;
  std::shared_ptr<util::ManualClock> clock =
      std::make_shared<util::ManualClock>(util::from_unix(1'900'000'000));
  std::vector<std::chrono::milliseconds> sleeps;
  util::Pkey key = util::generate_p256_key();
  std::unique_ptr<asc::Client> client;

  explicit Harness(std::function<void(asc::ClientOptions&)> tweak = {}) {
    asc::ClientOptions o;
    o.base_url = server.base_url();
    o.clock = clock;
    o.sleeper = [this](std::chrono::milliseconds d) {
      sleeps.push_back(d);
      clock->advance(d);
    };
    o.jitter_seed = 42;
    o.read_timeout = std::chrono::seconds(5);
    if (tweak) tweak(o);
    auto creds = asc::credentials_from_pem("issuer-1", "KEY1", util::private_key_to_pem(key.get()));
    REQUIRE(creds.ok());
    auto c = asc::Client::create(std::move(*creds), o);
    REQUIRE(c.ok());
    client = std::move(*c);
  }
  static asc::Request get(const std::string& path) {
    asc::Request r;
    r.route = "GET " + path;
    r.path_and_query = path;
    return r;
  }
  static asc::Request create(const std::string& path) {
    asc::Request r;
    r.method = "POST";
    r.route = "POST " + path;
    r.path_and_query = path;
    r.body = {{"data", {{"type", "x"}}}};
    r.replay = asc::Replay::never;
    return r;
  }
};

}  // namespace

TEST_CASE("every request carries a valid ES256 token for the key, reused across requests") {
  Harness h;
  h.server.handle(
      [](const httplib::Request&, httplib::Response& res) { json_reply(res, 200, collection({})); });
  REQUIRE(h.client->send(Harness::get("/v1/apps")).ok());
  REQUIRE(h.client->send(Harness::get("/v1/apps")).ok());
  const auto seen = h.server.seen();
  REQUIRE(seen.size() == 2);
  CHECK(seen[0].authorization == seen[1].authorization);
  REQUIRE(seen[0].authorization.rfind("Bearer ", 0) == 0);
  auto decoded = asc::decode_token(seen[0].authorization.substr(7));
  REQUIRE(decoded.ok());
  CHECK(decoded->header["kid"] == "KEY1");
  CHECK(decoded->claims["iss"] == "issuer-1");
  CHECK(decoded->claims["aud"] == "appstoreconnect-v1");
  const long long now = util::to_unix(h.clock->now());
  CHECK(decoded->claims["iat"].get<long long>() <= now - 30);
  CHECK(decoded->claims["exp"].get<long long>() - now <= 20 * 60);
  CHECK(decoded->claims["exp"].get<long long>() - now >= 10 * 60);
  auto pub = util::load_public_key_pem(util::public_key_to_pem(h.key.get()));
  CHECK(asc::verify_token_signature(*decoded, pub->get()));
  CHECK(h.client->stats().tokens_signed == 1);
}

TEST_CASE("GETs retry 5xx and 429 with capped full-jitter backoff, honouring Retry-After") {
  Harness h;
  std::atomic<int> calls{0};
  h.server.handle([&](const httplib::Request&, httplib::Response& res) {
    const int n = ++calls;
    if (n == 1) return json_reply(res, 503, apple_error(503, "UNAVAILABLE", "try later"));
    if (n == 2) {
      res.set_header("Retry-After", "7");
      return json_reply(res, 429, apple_error(429, "RATE_LIMIT_EXCEEDED", "slow down"));
    }
    json_reply(res, 200, collection({}));
  });
  asc::CallStats stats;
  auto r = h.client->send(Harness::get("/v1/users"), &stats);
  REQUIRE(r.ok());
  CHECK(calls == 3);
  CHECK(stats.requests == 3);
  CHECK(stats.retries == 2);
  REQUIRE(h.sleeps.size() == 2);
  CHECK(h.sleeps[0] <= std::chrono::milliseconds(500));   // first retry: [0, base]
  CHECK(h.sleeps[1] >= std::chrono::milliseconds(7000));  // Retry-After wins over jitter
  CHECK(h.sleeps[1] <= std::chrono::milliseconds(7000));
}

TEST_CASE("retries stop at max_attempts and the error carries Apple's code, title and detail") {
  Harness h([](asc::ClientOptions& o) { o.retry.max_attempts = 3; });
  std::atomic<int> calls{0};
  h.server.handle([&](const httplib::Request&, httplib::Response& res) {
    ++calls;
    json_reply(res, 500, apple_error(500, "UNEXPECTED_ERROR", "boom"));
  });
  auto r = h.client->send(Harness::get("/v1/users"));
  REQUIRE_FALSE(r.ok());
  CHECK(calls == 3);
  CHECK(r.error().kind == util::ErrorKind::server);
  CHECK(r.error().http_status == 500);
  CHECK(r.error().code == "UNEXPECTED_ERROR");
  CHECK(r.error().title == "Title UNEXPECTED_ERROR");
  CHECK(r.error().detail == "boom");
  for (auto d : h.sleeps) CHECK(d <= std::chrono::milliseconds(30'000));
}

TEST_CASE("status codes map to error kinds and are not retried") {
  struct Row {
    int status;
    util::ErrorKind kind;
  };
  const Row rows[] = {{400, util::ErrorKind::client},    {403, util::ErrorKind::auth},
                      {404, util::ErrorKind::not_found}, {409, util::ErrorKind::conflict},
                      {410, util::ErrorKind::not_found}, {422, util::ErrorKind::client}};
  for (const auto& row : rows) {
    CAPTURE(row.status);
    Harness h;
    std::atomic<int> calls{0};
    h.server.handle([&](const httplib::Request&, httplib::Response& res) {
      ++calls;
      json_reply(res, row.status, apple_error(row.status, "SOME.CODE", "d"));
    });
    auto r = h.client->send(Harness::get("/v1/users"));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == row.kind);
    CHECK(r.error().http_status == row.status);
    CHECK(r.error().code == "SOME.CODE");
    CHECK(calls == 1);
  }
}

TEST_CASE("creates are not replayed after a 5xx but are after a 429 (Apple did not process it)") {
  Harness h;
  std::atomic<int> calls{0};
  h.server.handle([&](const httplib::Request&, httplib::Response& res) {
    ++calls;
    json_reply(res, 500, apple_error(500, "UNEXPECTED_ERROR", "maybe created"));
  });
  auto r = h.client->send(Harness::create("/v1/userInvitations"));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().kind == util::ErrorKind::server);
  CHECK(calls == 1);

  calls = 0;
  h.server.handle([&](const httplib::Request&, httplib::Response& res) {
    if (++calls == 1) return json_reply(res, 429, apple_error(429, "RATE_LIMIT_EXCEEDED", "x"));
    json_reply(res, 201, {{"data", {{"type", "x"}, {"id", "1"}}}, {"links", {{"self", "s"}}}});
  });
  auto again = h.client->send(Harness::create("/v1/userInvitations"));
  REQUIRE(again.ok());
  CHECK(again->status == 201);
  CHECK(calls == 2);
}

TEST_CASE("a 401 signs a new token and retries once; a second 401 is an auth error") {
  Harness h;
  std::atomic<int> calls{0};
  h.server.handle([&](const httplib::Request&, httplib::Response& res) {
    if (++calls == 1) return json_reply(res, 401, apple_error(401, "NOT_AUTHORIZED", "expired"));
    json_reply(res, 200, collection({}));
  });
  REQUIRE(h.client->send(Harness::get("/v1/apps")).ok());
  auto seen = h.server.seen();
  REQUIRE(seen.size() == 2);
  CHECK(seen[0].authorization != seen[1].authorization);
  CHECK(h.client->stats().tokens_signed == 2);

  calls = 0;
  h.server.handle([&](const httplib::Request&, httplib::Response& res) {
    ++calls;
    json_reply(res, 401,
               apple_error(401, "NOT_AUTHORIZED", "Provide a properly configured and signed bearer token"));
  });
  auto r = h.client->send(Harness::get("/v1/apps"));
  REQUIRE_FALSE(r.ok());
  CHECK(calls == 2);
  CHECK(r.error().kind == util::ErrorKind::auth);
  CHECK(r.error().code == "NOT_AUTHORIZED");
  CHECK(r.error().describe().find("NOT_AUTHORIZED") != std::string::npos);
}

TEST_CASE("a connection dropped mid-response is a network error, retried for GETs only") {
  Harness h;
  std::atomic<int> calls{0};
  const auto drop_first = [&](const httplib::Request&, httplib::Response& res) {
    if (++calls == 1) {
      // Announce 1000 bytes, send 10, then give up: the client sees the connection close.
      res.set_content_provider(1000, "application/json", [](size_t, size_t, httplib::DataSink& sink) {
        sink.write("{\"data\":[]", 10);
        return false;
      });
      return;
    }
    json_reply(res, 200, collection({}));
  };
  h.server.handle(drop_first);
  REQUIRE(h.client->send(Harness::get("/v1/apps")).ok());
  CHECK(calls == 2);

  calls = 0;
  h.server.handle(drop_first);
  auto r = h.client->send(Harness::create("/v1/betaTesters"));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().kind == util::ErrorKind::network);
  CHECK(calls == 1);
}

TEST_CASE("a truncated JSON body is a network error and a GET is retried") {
  Harness h;
  std::atomic<int> calls{0};
  h.server.handle([&](const httplib::Request&, httplib::Response& res) {
    if (++calls == 1) {
      res.status = 200;
      res.set_content("{\"data\":[{\"type\":\"apps\",", "application/json");
      return;
    }
    json_reply(res, 200, collection({}));
  });
  REQUIRE(h.client->send(Harness::get("/v1/apps")).ok());
  CHECK(calls == 2);
}

TEST_CASE("no answer within the read timeout is a timeout error") {
  Harness h([](asc::ClientOptions& o) {
    o.read_timeout = std::chrono::milliseconds(200);
    o.retry.max_attempts = 2;
  });
  h.server.handle([](const httplib::Request&, httplib::Response& res) {
    std::this_thread::sleep_for(std::chrono::milliseconds(450));
    json_reply(res, 200, collection({}));
  });
  auto r = h.client->send(Harness::get("/v1/apps"));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().kind == util::ErrorKind::timeout);
  CHECK(h.server.seen().size() == 2);
}

TEST_CASE("nothing listening: a network error after the retries, quickly") {
  int port = 0;
  {
    ScriptedServer gone;
    port = gone.port();
  }
  auto key = util::generate_p256_key();
  auto creds = asc::credentials_from_pem("i", "K", util::private_key_to_pem(key.get()));
  REQUIRE(creds.ok());
  asc::ClientOptions o;
  o.base_url = "http://127.0.0.1:" + std::to_string(port);
  int sleeps = 0;
  o.sleeper = [&](std::chrono::milliseconds) { ++sleeps; };
  auto c = asc::Client::create(std::move(*creds), o);
  REQUIRE(c.ok());
  auto r = (*c)->send(Harness::get("/v1/apps"));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().kind == util::ErrorKind::network);
  CHECK(sleeps == 4);
}

TEST_CASE("pagination follows links.next to the end and counts pages") {
  Harness h;
  const std::string base = h.server.base_url();
  h.server.handle([&](const httplib::Request& req, httplib::Response& res) {
    const int page = req.has_param("cursor") ? std::stoi(req.get_param_value("cursor")) : 0;
    nlohmann::json data = nlohmann::json::array();
    for (int i = 0; i < 3; ++i) data.push_back({{"type", "apps"}, {"id", std::to_string(page * 3 + i)}});
    json_reply(res, 200,
               collection(data, page < 3 ? base + "/v1/apps?cursor=" + std::to_string(page + 1) : ""));
  });
  std::vector<std::string> ids;
  asc::CallStats stats;
  auto st = h.client->for_each_page(
      "GET /v1/apps", "/v1/apps?limit=200",
      [&](const nlohmann::json& page) {
        for (const auto& r : page["data"]) ids.push_back(r["id"]);
        return util::ok_status();
      },
      &stats);
  REQUIRE(st.ok());
  CHECK(ids.size() == 12);
  CHECK(stats.pages == 4);
  CHECK(stats.requests == 4);
  const auto seen = h.server.seen();
  CHECK(seen[0].target == "/v1/apps?limit=200");
  CHECK(seen[3].target == "/v1/apps?cursor=3");
}

TEST_CASE("pagination refuses a next link to another host, port or scheme") {
  const std::vector<std::string> foreign = {"http://evil.example/v1/apps?cursor=1",
                                            "http://127.0.0.2:{port}/v1/apps",
                                            "https://127.0.0.1:{port}/v1/apps", "http://127.0.0.1:1/v1/apps"};
  for (auto next : foreign) {
    Harness h;
    const std::string port = std::to_string(h.server.port());
    if (auto at = next.find("{port}"); at != std::string::npos) next.replace(at, 6, port);
    CAPTURE(next);
    h.server.handle([&](const httplib::Request&, httplib::Response& res) {
      json_reply(res, 200, collection({{{"type", "apps"}, {"id", "1"}}}, next));
    });
    int pages = 0;
    auto st = h.client->for_each_page("GET /v1/apps", "/v1/apps", [&](const nlohmann::json&) {
      ++pages;
      return util::ok_status();
    });
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().kind == util::ErrorKind::client);
    CHECK(st.error().message.find("refusing links.next on another host") != std::string::npos);
    CHECK(h.server.seen().size() == 1);
  }
}

TEST_CASE("a page that keeps failing fails the whole listing") {
  Harness h([](asc::ClientOptions& o) { o.retry.max_attempts = 2; });
  const std::string base = h.server.base_url();
  h.server.handle([&](const httplib::Request& req, httplib::Response& res) {
    if (req.has_param("cursor")) return json_reply(res, 503, apple_error(503, "DOWN", "x"));
    json_reply(res, 200, collection({{{"type", "apps"}, {"id", "1"}}}, base + "/v1/apps?cursor=2"));
  });
  int pages = 0;
  auto st = h.client->for_each_page("GET /v1/apps", "/v1/apps", [&](const nlohmann::json&) {
    ++pages;
    return util::ok_status();
  });
  REQUIRE_FALSE(st.ok());
  CHECK(pages == 1);
  CHECK(st.error().kind == util::ErrorKind::server);
  CHECK(st.error().message.find("page 2") != std::string::npos);
}

TEST_CASE("collection documents missing required members are rejected with a clear client error") {
  struct Row {
    nlohmann::json doc;
    std::string expect;
  };
  const std::vector<Row> rows = {
      {{{"links", {{"self", "x"}}}}, "no 'data' member"},
      {{{"data", nlohmann::json::object()}, {"links", {{"self", "x"}}}}, "'data' is not an array"},
      {{{"data", nlohmann::json::array()}}, "no 'links' object"},
      {nlohmann::json::array(), "expected a JSON object"},
  };
  for (const auto& row : rows) {
    CAPTURE(row.expect);
    Harness h;
    h.server.handle([&](const httplib::Request&, httplib::Response& res) { json_reply(res, 200, row.doc); });
    auto st = h.client->for_each_page("GET /v1/apps", "/v1/apps",
                                      [](const nlohmann::json&) { return util::ok_status(); });
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().kind == util::ErrorKind::client);
    CHECK(st.error().message.find(row.expect) != std::string::npos);
  }
}

TEST_CASE("X-Rate-Limit is read on every response and exposed with its time") {
  Harness h;
  std::atomic<int> rem{3000};
  h.server.handle([&](const httplib::Request&, httplib::Response& res) {
    res.set_header("X-Rate-Limit", "user-hour-lim:3600;user-hour-rem:" + std::to_string(rem--) + ";");
    json_reply(res, 200, collection({}));
  });
  REQUIRE(h.client->send(Harness::get("/v1/apps")).ok());
  REQUIRE(h.client->send(Harness::get("/v1/apps")).ok());
  const auto b = h.client->budget();
  CHECK(b.limit == 3600);
  CHECK(b.remaining == 2999);
  CHECK(b.as_of == h.clock->now());
  const auto stats = h.client->stats();
  CHECK(stats.requests == 2);
  REQUIRE(stats.by_route.size() == 1);
  CHECK(stats.by_route[0].route == "GET /v1/apps");
  CHECK(stats.by_route[0].status == 200);
  CHECK(stats.by_route[0].count == 2);
}

// Issue 12 point 4: no waiting for a linear refill any more; at the reserve nothing is sent.
TEST_CASE("at the budget's reserve the client sends nothing and says when budget returns") {
  Harness h;
  h.server.handle([&](const httplib::Request&, httplib::Response& res) {
    res.set_header("X-Rate-Limit", "user-hour-lim:3600;user-hour-rem:360;");
    json_reply(res, 200, collection({}));
  });
  REQUIRE(h.client->send(Harness::get("/v1/apps")).ok());
  auto r = h.client->send(Harness::get("/v1/apps"));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().kind == util::ErrorKind::rate_limited);
  CHECK(asc::is_budget_pause(r.error()));
  CHECK(r.error().retry_after_seconds > 0);
  CHECK(h.sleeps.empty());
  CHECK(h.server.seen().size() == 1);  // the refused request never left the process
}

TEST_CASE("401 and 403 get different hints; 403 names the role the route needs") {
  Harness h;
  h.server.handle([&](const httplib::Request& req, httplib::Response& res) {
    if (req.path == "/v1/apps") return json_reply(res, 401, apple_error(401, "NOT_AUTHORIZED", "x"));
    json_reply(res, 403, apple_error(403, "FORBIDDEN_ERROR", "x"));
  });
  auto unauthorized = h.client->send(Harness::get("/v1/apps"));
  REQUIRE_FALSE(unauthorized.ok());
  CHECK(unauthorized.error().message.find("revoked") != std::string::npos);
  CHECK(unauthorized.error().message.find("clock") != std::string::npos);
  CHECK(unauthorized.error().message.find("role") == std::string::npos);
  for (const auto& [path, kind, role] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"/v1/users", "users", "Admin"},
           {"/v1/userInvitations", "invitations", "Admin"},
           {"/v1/betaTesters", "beta testers", "App Manager or Admin"},
           {"/v1/certificates", "certificates", "Access to Certificates"}}) {
    CAPTURE(path);
    asc::Request req;
    req.route = "GET " + path;
    req.path_and_query = path;
    auto forbidden = h.client->send(req);
    REQUIRE_FALSE(forbidden.ok());
    CHECK(forbidden.error().http_status == 403);
    CHECK(forbidden.error().message.find(kind) != std::string::npos);
    CHECK(forbidden.error().message.find(role) != std::string::npos);
    CHECK(forbidden.error().message.find("clock") == std::string::npos);
    CHECK(forbidden.error().message.find("issuer") == std::string::npos);
  }
}

TEST_CASE("debug logs show method, path and status but never the token") {
  std::ostringstream captured;
  auto previous = spdlog::default_logger();
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(captured);
  auto logger = std::make_shared<spdlog::logger>("capture", sink);
  logger->set_level(spdlog::level::trace);
  spdlog::set_default_logger(logger);
  {
    Harness h;
    std::atomic<int> calls{0};
    h.server.handle([&](const httplib::Request&, httplib::Response& res) {
      if (++calls == 1) return json_reply(res, 401, apple_error(401, "NOT_AUTHORIZED", "x"));
      json_reply(res, 200, collection({}));
    });
    REQUIRE(h.client->send(Harness::get("/v1/betaGroups?limit=200")).ok());
    spdlog::default_logger()->flush();
    const std::string text = captured.str();
    CHECK(text.find("GET /v1/betaGroups?limit=200 -> 401") != std::string::npos);
    CHECK(text.find("-> 200") != std::string::npos);
    for (const auto& s : h.server.seen()) {
      const std::string token = s.authorization.substr(7);
      REQUIRE(token.size() > 100);
      CHECK(text.find(token) == std::string::npos);
      CHECK(text.find(token.substr(token.size() - 40)) == std::string::npos);  // not even the signature
    }
    CHECK(text.find("Bearer") == std::string::npos);
    CHECK(text.find("BEGIN PRIVATE KEY") == std::string::npos);
  }
  spdlog::set_default_logger(previous);
}

TEST_CASE("base_url must be http(s)://host[:port]") {
  auto key = util::generate_p256_key();
  for (const char* bad : {"ftp://x", "http://", "https://api.example.com/v1", "api.appstoreconnect.apple.com",
                          "http://127.0.0.1:99999"}) {
    CAPTURE(bad);
    auto creds = asc::credentials_from_pem("i", "K", util::private_key_to_pem(key.get()));
    REQUIRE(creds.ok());
    asc::ClientOptions o;
    o.base_url = bad;
    auto c = asc::Client::create(std::move(*creds), o);
    REQUIRE_FALSE(c.ok());
    CHECK(c.error().kind == util::ErrorKind::client);
  }
}

TEST_CASE("parallel callers never have more than max_in_flight requests open, and connections are reused") {
  for (int max_in_flight : {1, 2, 9}) {
    CAPTURE(max_in_flight);
    Harness h([&](asc::ClientOptions& o) { o.max_in_flight = max_in_flight; });
    std::atomic<int> open{0};
    std::atomic<int> peak{0};
    std::mutex ports_mutex;
    std::set<int> client_ports;
    h.server.handle([&](const httplib::Request& req, httplib::Response& res) {
      const int now_open = ++open;
      int seen = peak.load();
      while (now_open > seen && !peak.compare_exchange_weak(seen, now_open)) {
      }
      {
        std::lock_guard lock(ports_mutex);
        client_ports.insert(req.remote_port);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      --open;
      json_reply(res, 200, collection({}));
    });
    std::vector<std::thread> callers;
    for (int t = 0; t < 6; ++t)
      callers.emplace_back([&] {
        for (int i = 0; i < 3; ++i) CHECK(h.client->send(Harness::get("/v1/apps")).ok());
      });
    for (auto& t : callers) t.join();
    const int expected_peak = std::min(max_in_flight, asc::k_max_in_flight_cap);
    CHECK(peak.load() <= expected_peak);
    CHECK(peak.load() >= std::min(expected_peak, 2));
    // 18 requests over at most max_in_flight keep-alive connections.
    CHECK(client_ports.size() <= static_cast<size_t>(expected_peak));
  }
}

TEST_CASE("two clients of one key can share one budget") {
  Harness a;
  auto shared = std::make_shared<asc::RateBudget>(a.clock);
  Harness b([&](asc::ClientOptions& o) { o.shared_budget = shared; });
  Harness c([&](asc::ClientOptions& o) { o.shared_budget = shared; });
  b.server.handle([](const httplib::Request&, httplib::Response& res) {
    res.set_header("X-Rate-Limit", "user-hour-lim:3600;user-hour-rem:42;");
    json_reply(res, 200, collection({}));
  });
  REQUIRE(b.client->send(Harness::get("/v1/apps")).ok());
  CHECK(c.client->budget().remaining == 42);
  CHECK(shared->snapshot().limit == 3600);
  CHECK_FALSE(a.client->budget().known());
}
