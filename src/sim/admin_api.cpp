// The admin HTTP API under /_sim/ (docs/SIMULATOR.md): no JWT, loopback clients only.
#include <chrono>
#include <stdexcept>

#include "sim/engine.hpp"
#include "util/time.hpp"

namespace sim {

namespace {

using AdminFn = std::function<nlohmann::json(Engine&, const httplib::Request&, const nlohmann::json&, int&)>;

bool is_loopback(const std::string& addr) {
  return addr == "127.0.0.1" || addr == "::1" || addr == "::ffff:127.0.0.1" || addr.rfind("127.", 0) == 0;
}

void send(httplib::Response& res, int status, const nlohmann::json& body) {
  res.status = status;
  res.set_content(body.dump(), "application/json");
}

// Wraps an admin operation: loopback check, JSON body parsing, and turning bad input (wrong
// types, unknown ids, which the engine reports by throwing) into a 400 with a message.
httplib::Server::Handler admin(Engine& engine, AdminFn fn) {
  return [&engine, fn = std::move(fn)](const httplib::Request& req, httplib::Response& res) {
    if (!is_loopback(req.remote_addr)) return send(res, 403, {{"error", "the admin API answers loopback only"}});
    nlohmann::json body = nlohmann::json::object();
    if (!req.body.empty()) {
      body = nlohmann::json::parse(req.body, nullptr, false);
      if (body.is_discarded()) return send(res, 400, {{"error", "body is not valid JSON"}});
    }
    try {
      int status = 200;
      nlohmann::json out = fn(engine, req, body, status);
      send(res, status, out);
    } catch (const std::exception& e) {
      send(res, 400, {{"error", e.what()}});
    }
  };
}

std::vector<std::string> strings(const nlohmann::json& body, const char* key) {
  return body.contains(key) ? body.at(key).get<std::vector<std::string>>() : std::vector<std::string>{};
}

std::string required(const nlohmann::json& body, const char* key) {
  if (!body.contains(key) || !body.at(key).is_string())
    throw std::invalid_argument(std::string("missing string field '") + key + "'");
  return body.at(key).get<std::string>();
}

}  // namespace

void add_admin_routes(httplib::Server& server, Engine& engine, std::function<std::string()> base_url) {
  server.Get("/_sim/health", admin(engine, [base_url](Engine&, const httplib::Request&, const nlohmann::json&, int&) {
               return nlohmann::json{{"ok", true}, {"baseUrl", base_url()}};
             }));
  server.Get("/_sim/state", admin(engine, [](Engine& e, const httplib::Request&, const nlohmann::json&, int&) {
               std::lock_guard lock(e.state_mutex);
               return e.state.dump();
             }));
  server.Put("/_sim/state", admin(engine, [](Engine& e, const httplib::Request&, const nlohmann::json& body, int&) {
               std::lock_guard lock(e.state_mutex);
               const std::string error = e.state.load(body);
               if (!error.empty()) throw std::invalid_argument(error);
               return nlohmann::json{{"ok", true}};
             }));
  server.Post("/_sim/reset", admin(engine, [](Engine& e, const httplib::Request&, const nlohmann::json&, int&) {
                e.reset_all();
                return nlohmann::json{{"ok", true}};
              }));
  server.Post("/_sim/apps", admin(engine, [](Engine& e, const httplib::Request&, const nlohmann::json& b, int& st) {
                st = 201;
                return nlohmann::json{{"id", e.add_app(required(b, "bundleId"), required(b, "name"))}};
              }));
  server.Post("/_sim/users", admin(engine, [](Engine& e, const httplib::Request&, const nlohmann::json& b, int& st) {
                st = 201;
                return nlohmann::json{{"id", e.add_user(required(b, "email"), b.value("firstName", ""),
                                                        b.value("lastName", ""), strings(b, "roles"),
                                                        b.value("allAppsVisible", true), strings(b, "visibleAppIds"))}};
              }));
  server.Delete(R"(/_sim/users/([^/]+))",
                admin(engine, [](Engine& e, const httplib::Request& req, const nlohmann::json&, int& st) {
                  e.remove_user(req.matches[1]);
                  st = 200;
                  return nlohmann::json{{"ok", true}};
                }));
  server.Post("/_sim/betaGroups",
              admin(engine, [](Engine& e, const httplib::Request&, const nlohmann::json& b, int& st) {
                st = 201;
                return nlohmann::json{
                    {"id", e.add_beta_group(required(b, "appId"), required(b, "name"), b.value("isInternal", false))}};
              }));
  server.Delete(R"(/_sim/betaGroups/([^/]+))",
                admin(engine, [](Engine& e, const httplib::Request& req, const nlohmann::json&, int&) {
                  e.remove_beta_group(req.matches[1]);
                  return nlohmann::json{{"ok", true}};
                }));
  server.Post("/_sim/betaTesters",
              admin(engine, [](Engine& e, const httplib::Request&, const nlohmann::json& b, int& st) {
                st = 201;
                return nlohmann::json{{"id", e.add_beta_tester(required(b, "email"), b.value("firstName", ""),
                                                               b.value("lastName", ""), strings(b, "groupIds"))}};
              }));
  server.Delete(R"(/_sim/betaTesters/([^/]+))",
                admin(engine, [](Engine& e, const httplib::Request& req, const nlohmann::json&, int&) {
                  e.remove_beta_tester(req.matches[1]);
                  return nlohmann::json{{"ok", true}};
                }));
  server.Post("/_sim/invitations/accept",
              admin(engine, [](Engine& e, const httplib::Request&, const nlohmann::json& b, int& st) {
                auto id = e.accept_invitation(required(b, "email"));
                if (!id) {
                  st = 404;
                  return nlohmann::json{{"error", "no invitation for that email"}};
                }
                return nlohmann::json{{"userId", *id}};
              }));
  server.Get("/_sim/clock", admin(engine, [](Engine& e, const httplib::Request&, const nlohmann::json&, int&) {
               return nlohmann::json{{"now", util::format_rfc3339(e.now())},
                                     {"offsetSeconds", e.clock.offset().count() / 1000}};
             }));
  server.Post("/_sim/clock/advance",
              admin(engine, [](Engine& e, const httplib::Request&, const nlohmann::json& b, int&) {
                e.clock.advance(std::chrono::seconds(b.at("seconds").get<long long>()));
                return nlohmann::json{{"now", util::format_rfc3339(e.now())}};
              }));
  server.Get("/_sim/faults", admin(engine, [](Engine& e, const httplib::Request&, const nlohmann::json&, int&) {
               nlohmann::json out = nlohmann::json::array();
               for (const auto& r : e.faults.rules()) out.push_back(fault_rule_to_json(r));
               return out;
             }));
  server.Post("/_sim/faults", admin(engine, [](Engine& e, const httplib::Request&, const nlohmann::json& b, int& st) {
                e.faults.add(fault_rule_from_json(b));
                st = 201;
                return nlohmann::json{{"ok", true}};
              }));
  server.Delete("/_sim/faults", admin(engine, [](Engine& e, const httplib::Request&, const nlohmann::json&, int&) {
                  e.faults.clear();
                  return nlohmann::json{{"ok", true}};
                }));
  server.Get("/_sim/requests", admin(engine, [](Engine& e, const httplib::Request&, const nlohmann::json&, int&) {
               std::lock_guard lock(e.log_mutex);
               nlohmann::json out = nlohmann::json::array();
               for (const auto& r : e.log)
                 out.push_back({{"method", r.method},
                                {"path", r.path},
                                {"status", r.status},
                                {"keyId", r.key_id},
                                {"body", r.body}});
               return out;
             }));
  server.Get("/_sim/counters", admin(engine, [](Engine& e, const httplib::Request&, const nlohmann::json&, int&) {
               std::lock_guard lock(e.log_mutex);
               nlohmann::json routes = nlohmann::json::array();
               for (const auto& [k, n] : e.counters)
                 routes.push_back({{"route", k.first}, {"status", k.second}, {"count", n}});
               return nlohmann::json{
                   {"requests", e.requests.load()}, {"writes", e.writes.load()}, {"routes", std::move(routes)}};
             }));
  server.Post("/_sim/counters/reset",
              admin(engine, [](Engine& e, const httplib::Request&, const nlohmann::json&, int&) {
                e.reset_observation();
                return nlohmann::json{{"ok", true}};
              }));
  server.Post("/_sim/keys", admin(engine, [](Engine& e, const httplib::Request&, const nlohmann::json& b, int& st) {
                e.keys.add(required(b, "issuerId"), required(b, "keyId"), required(b, "publicKeyPem"),
                           b.value("role", "ADMIN"));
                st = 201;
                return nlohmann::json{{"ok", true}};
              }));
  server.Delete(R"(/_sim/keys/([^/]+))",
                admin(engine, [](Engine& e, const httplib::Request& req, const nlohmann::json&, int& st) {
                  if (!e.keys.revoke(req.matches[1])) st = 404;
                  return nlohmann::json{{"ok", st == 200}};
                }));
}

}  // namespace sim
