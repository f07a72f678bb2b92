// The admin HTTP API under /_sim/ (docs/SIMULATOR.md): no JWT, loopback clients only.
#include <chrono>
#include <initializer_list>
#include <stdexcept>

#include "core/model.hpp"
#include "sim/engine.hpp"
#include "sim/state_check.hpp"
#include "util/time.hpp"

namespace sim {

namespace {

using AdminFn = std::function<nlohmann::json(Engine&, const httplib::Request&, const nlohmann::json&, int&)>;

bool is_loopback(const std::string& addr) {
  return addr == "127.0.0.1" || addr == "::1" || addr == "::ffff:127.0.0.1" || addr.rfind("127.", 0) == 0;
}

void send(httplib::Response& res, int status, const nlohmann::json& body) {
  res.status = status;
  // Logged request bodies and paths are whatever clients sent: show bytes that are not UTF-8 as
  // U+FFFD instead of failing the whole answer.
  res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), "application/json");
}

// Wraps an admin operation: loopback check, JSON body parsing, and turning bad input (wrong
// types, unknown ids, which the engine reports by throwing) into a 400 with a message.
httplib::Server::Handler admin(Engine& engine, AdminFn fn) {
  return [&engine, fn = std::move(fn)](const httplib::Request& req, httplib::Response& res) {
    if (!is_loopback(req.remote_addr))
      return send(res, 403, {{"error", "the admin API answers loopback only"}});
    nlohmann::json body = nlohmann::json::object();
    if (!req.body.empty()) {
      body = nlohmann::json::parse(req.body, nullptr, false);
      if (body.is_discarded()) return send(res, 400, {{"error", "body is not valid JSON"}});
      if (!body.is_object())
        return send(res, 400, {{"error", "body must be a JSON object, got " + json_type_name(body)}});
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

// Members of an admin request body. Absent (or null) optional members take the documented
// default; a member of another type is an error naming it, never read as the default.
const nlohmann::json* member(const nlohmann::json& body, const char* key, const char* expected,
                             bool (nlohmann::json::*is)() const noexcept) {
  const auto it = body.find(key);
  if (it == body.end() || it->is_null()) return nullptr;
  if (!((*it).*is)())
    throw std::invalid_argument(std::string("member '") + key + "': expected " + expected + ", got " +
                                json_type_name(*it));
  return &*it;
}

std::string required(const nlohmann::json& body, const char* key) {
  const auto* v = member(body, key, "string", &nlohmann::json::is_string);
  if (!v) throw std::invalid_argument(std::string("missing string member '") + key + "'");
  return v->get<std::string>();
}

std::string text(const nlohmann::json& body, const char* key, const std::string& fallback = "") {
  const auto* v = member(body, key, "string", &nlohmann::json::is_string);
  return v ? v->get<std::string>() : fallback;
}

bool flag(const nlohmann::json& body, const char* key, bool fallback) {
  const auto* v = member(body, key, "boolean", &nlohmann::json::is_boolean);
  return v ? v->get<bool>() : fallback;
}

long long integer(const nlohmann::json& body, const char* key) {
  const auto* v = member(body, key, "integer", &nlohmann::json::is_number_integer);
  if (!v) throw std::invalid_argument(std::string("missing integer member '") + key + "'");
  return v->get<long long>();
}

std::vector<std::string> strings(const nlohmann::json& body, const char* key) {
  const auto* v = member(body, key, "array of strings", &nlohmann::json::is_array);
  std::vector<std::string> out;
  if (!v) return out;
  for (size_t i = 0; i < v->size(); ++i) {
    if (!(*v)[i].is_string())
      throw std::invalid_argument(std::string("member '") + key + "[" + std::to_string(i) +
                                  "]': expected string, got " + json_type_name((*v)[i]));
    out.push_back((*v)[i].get<std::string>());
  }
  return out;
}

// Exactly one of "expiresInDays" (a whole number of days from the simulator's now; 0 or less is
// already expired) or "expirationDate" (RFC 3339).
util::TimePoint expiry(const Engine& e, const nlohmann::json& body) {
  const auto* days = member(body, "expiresInDays", "integer", &nlohmann::json::is_number_integer);
  const auto* date = member(body, "expirationDate", "string (RFC 3339)", &nlohmann::json::is_string);
  if ((days == nullptr) == (date == nullptr))
    throw std::invalid_argument(
        "give exactly one of 'expiresInDays' (integer) or 'expirationDate' (RFC 3339)");
  if (days) {
    const long long n = days->get<long long>();
    if (n < -36500 || n > 36500) throw std::invalid_argument("member 'expiresInDays': outside -36500..36500");
    return e.now() + std::chrono::hours(24 * n);
  }
  auto parsed = util::parse_rfc3339(date->get<std::string>());
  if (!parsed)
    throw std::invalid_argument("member 'expirationDate': '" + date->get<std::string>() +
                                "' is not an RFC 3339 date-time");
  return *parsed;
}

// Members a body may carry; any other is an error naming it.
void only_members(const nlohmann::json& body, std::initializer_list<const char*> allowed) {
  for (const auto& [name, value] : body.items()) {
    bool known = false;
    std::string list;
    for (const char* a : allowed) {
      known = known || name == a;
      list += list.empty() ? a : std::string(", ") + a;
    }
    if (!known) throw std::invalid_argument("unknown member '" + name + "' (members: " + list + ")");
  }
}

nlohmann::json certificate_summary(const CertificateRec& c) {
  return {{"id", c.id},
          {"certificateType", c.certificate_type},
          {"name", c.name},
          {"displayName", c.display_name},
          {"serialNumber", c.serial_number},
          {"expirationDate", util::format_rfc3339(c.expiration_date)}};
}

}  // namespace

BodilessPosts add_admin_routes(httplib::Server& server, Engine& engine,
                               const std::function<std::string()>& base_url) {
  BodilessPosts bodiless;
  const auto post_without_body = [&](const char* path, AdminFn fn) {
    auto handler = admin(engine, std::move(fn));
    bodiless[path] = handler;
    server.Post(path, std::move(handler));
  };
  server.Get("/_sim/health",
             admin(engine, [base_url](Engine&, const httplib::Request&, const nlohmann::json&, int&) {
               return nlohmann::json{{"ok", true}, {"baseUrl", base_url()}};
             }));
  server.Get("/_sim/state",
             admin(engine, [](Engine& e, const httplib::Request&, const nlohmann::json&, int&) {
               std::lock_guard lock(e.state_mutex);
               return e.state.dump();
             }));
  server.Put("/_sim/state",
             admin(engine, [](Engine& e, const httplib::Request&, const nlohmann::json& body, int&) {
               std::lock_guard lock(e.state_mutex);
               const std::string error = e.state.load(body);
               if (!error.empty()) throw std::invalid_argument(error);
               return nlohmann::json{{"ok", true}};
             }));
  post_without_body("/_sim/reset", [](Engine& e, const httplib::Request&, const nlohmann::json&, int&) {
    e.reset_all();
    return nlohmann::json{{"ok", true}};
  });
  server.Post("/_sim/apps",
              admin(engine, [](Engine& e, const httplib::Request&, const nlohmann::json& b, int& st) {
                st = 201;
                return nlohmann::json{{"id", e.add_app(required(b, "bundleId"), required(b, "name"))}};
              }));
  server.Post(
      "/_sim/users", admin(engine, [](Engine& e, const httplib::Request&, const nlohmann::json& b, int& st) {
        st = 201;
        return nlohmann::json{
            {"id",
             e.add_user(required(b, "email"), text(b, "firstName"), text(b, "lastName"), strings(b, "roles"),
                        flag(b, "allAppsVisible", true), strings(b, "visibleAppIds"))}};
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
                return nlohmann::json{{"id", e.add_beta_group(required(b, "appId"), required(b, "name"),
                                                              flag(b, "isInternal", false))}};
              }));
  server.Delete(R"(/_sim/betaGroups/([^/]+))",
                admin(engine, [](Engine& e, const httplib::Request& req, const nlohmann::json&, int&) {
                  e.remove_beta_group(req.matches[1]);
                  return nlohmann::json{{"ok", true}};
                }));
  server.Post("/_sim/betaTesters",
              admin(engine, [](Engine& e, const httplib::Request&, const nlohmann::json& b, int& st) {
                st = 201;
                return nlohmann::json{{"id", e.add_beta_tester(required(b, "email"), text(b, "firstName"),
                                                               text(b, "lastName"), strings(b, "groupIds"))}};
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
  server.Get("/_sim/clock",
             admin(engine, [](Engine& e, const httplib::Request&, const nlohmann::json&, int&) {
               return nlohmann::json{{"now", util::format_rfc3339(e.now())},
                                     {"offsetSeconds", e.clock.offset().count() / 1000}};
             }));
  server.Post("/_sim/clock/advance",
              admin(engine, [](Engine& e, const httplib::Request&, const nlohmann::json& b, int&) {
                e.clock.advance(std::chrono::seconds(integer(b, "seconds")));
                std::lock_guard lock(e.state_mutex);
                e.process_expirations();
                return nlohmann::json{{"now", util::format_rfc3339(e.now())}};
              }));
  server.Post("/_sim/clock/age",
              admin(engine, [](Engine& e, const httplib::Request&, const nlohmann::json& b, int&) {
                only_members(b, {"seconds"});
                const long long seconds = integer(b, "seconds");
                if (seconds < 0)
                  throw std::invalid_argument("member 'seconds': the world only ages forward (>= 0)");
                e.age_world(std::chrono::seconds(seconds));
                return nlohmann::json{{"now", util::format_rfc3339(e.now())}, {"agedSeconds", seconds}};
              }));
  server.Get("/_sim/ca", admin(engine, [](Engine& e, const httplib::Request&, const nlohmann::json&, int&) {
               return nlohmann::json{{"rootCertificatePem", e.ca.root_certificate_pem()},
                                     {"teamId", e.ca.team_id()}};
             }));
  server.Get(
      "/_sim/certificates/slots",
      admin(engine, [](Engine& e, const httplib::Request&, const nlohmann::json&, int&) {
        std::lock_guard lock(e.state_mutex);
        nlohmann::json out = nlohmann::json::object();
        for (const auto& type : core::k_certificate_types)
          out[type] = {{"used", e.certificate_slots_used(type)}, {"limit", e.certificate_slot_limit(type)}};
        return out;
      }));
  server.Put("/_sim/certificates/slots",
             admin(engine, [](Engine& e, const httplib::Request&, const nlohmann::json& b, int&) {
               const auto limits = read_slot_limits(b);
               std::lock_guard lock(e.state_mutex);
               for (const auto& [type, n] : limits) e.state.certificate_slot_limits[type] = n;
               return nlohmann::json(e.state.certificate_slot_limits);
             }));
  server.Post(
      "/_sim/certificates",
      admin(engine, [](Engine& e, const httplib::Request&, const nlohmann::json& b, int& st) {
        only_members(b, {"certificateType", "name", "expiresInDays", "expirationDate", "enforceSlots"});
        const std::string type = required(b, "certificateType");
        const std::string name = required(b, "name");
        const util::TimePoint expires = expiry(e, b);
        std::string id;
        try {
          id = e.add_foreign_certificate(type, name, expires, flag(b, "enforceSlots", true));
        } catch (const Engine::SlotsFull& full) {
          st = 409;
          return nlohmann::json{{"error", full.what()}};
        }
        st = 201;
        std::lock_guard lock(e.state_mutex);
        return certificate_summary(e.state.certificates.at(id));
      }));
  server.Patch(
      R"(/_sim/certificates/([^/]+))",
      admin(engine, [](Engine& e, const httplib::Request& req, const nlohmann::json& b, int& st) {
        only_members(b, {"expiresInDays", "expirationDate"});
        const util::TimePoint expires = expiry(e, b);
        std::lock_guard lock(e.state_mutex);
        auto it = e.state.certificates.find(req.matches[1]);
        if (it == e.state.certificates.end()) {
          st = 404;
          return nlohmann::json{{"error", "no certificate with id '" + std::string(req.matches[1]) + "'"}};
        }
        e.set_certificate_expiry(it->first, expires);
        return certificate_summary(it->second);
      }));
  post_without_body(R"(/_sim/certificates/([^/]+)/expire)", [](Engine& e, const httplib::Request& req,
                                                               const nlohmann::json& b, int& st) {
    only_members(b, {});
    std::lock_guard lock(e.state_mutex);
    auto it = e.state.certificates.find(req.matches[1]);
    if (it == e.state.certificates.end()) {
      st = 404;
      return nlohmann::json{{"error", "no certificate with id '" + std::string(req.matches[1]) + "'"}};
    }
    e.set_certificate_expiry(it->first, e.now() - std::chrono::seconds(1));
    return certificate_summary(it->second);
  });
  server.Delete(
      R"(/_sim/certificates/([^/]+))",
      admin(engine, [](Engine& e, const httplib::Request& req, const nlohmann::json&, int& st) {
        std::lock_guard lock(e.state_mutex);
        if (!e.state.certificates.contains(req.matches[1])) {
          st = 404;
          return nlohmann::json{{"error", "no certificate with id '" + std::string(req.matches[1]) + "'"}};
        }
        e.revoke_certificate(req.matches[1]);
        return nlohmann::json{{"ok", true}};
      }));
  server.Get("/_sim/faults",
             admin(engine, [](Engine& e, const httplib::Request&, const nlohmann::json&, int&) {
               nlohmann::json out = nlohmann::json::array();
               for (const auto& r : e.faults.rules()) out.push_back(fault_rule_to_json(r));
               return out;
             }));
  server.Post("/_sim/faults",
              admin(engine, [](Engine& e, const httplib::Request&, const nlohmann::json& b, int& st) {
                e.faults.add(fault_rule_from_json(b));
                st = 201;
                return nlohmann::json{{"ok", true}};
              }));
  server.Delete("/_sim/faults",
                admin(engine, [](Engine& e, const httplib::Request&, const nlohmann::json&, int&) {
                  e.faults.clear();
                  return nlohmann::json{{"ok", true}};
                }));
  server.Get("/_sim/requests",
             admin(engine, [](Engine& e, const httplib::Request&, const nlohmann::json&, int&) {
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
  server.Get(
      "/_sim/counters", admin(engine, [](Engine& e, const httplib::Request&, const nlohmann::json&, int&) {
        std::lock_guard lock(e.log_mutex);
        nlohmann::json routes = nlohmann::json::array();
        for (const auto& [k, n] : e.counters)
          routes.push_back({{"route", k.first}, {"status", k.second}, {"count", n}});
        return nlohmann::json{
            {"requests", e.requests.load()}, {"writes", e.writes.load()}, {"routes", std::move(routes)}};
      }));
  post_without_body("/_sim/counters/reset",
                    [](Engine& e, const httplib::Request&, const nlohmann::json&, int&) {
                      e.reset_observation();
                      return nlohmann::json{{"ok", true}};
                    });
  server.Post("/_sim/keys",
              admin(engine, [](Engine& e, const httplib::Request&, const nlohmann::json& b, int& st) {
                e.keys.add(required(b, "issuerId"), required(b, "keyId"), required(b, "publicKeyPem"),
                           text(b, "role", "ADMIN"), flag(b, "certificateAccess", false));
                st = 201;
                return nlohmann::json{{"ok", true}};
              }));
  server.Delete(R"(/_sim/keys/([^/]+))",
                admin(engine, [](Engine& e, const httplib::Request& req, const nlohmann::json&, int& st) {
                  if (!e.keys.revoke(req.matches[1])) st = 404;
                  return nlohmann::json{{"ok", st == 200}};
                }));
  return bodiless;
}

}  // namespace sim
