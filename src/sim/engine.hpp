#pragma once
// The simulator's insides shared by the server and the route files: state, keys, clock,
// limits, faults, the CA, observation counters and the route table.
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "sim/auth.hpp"
#include "sim/ca.hpp"
#include "sim/faults.hpp"
#include "sim/jsonapi.hpp"
#include "sim/query.hpp"
#include "sim/rate_limit.hpp"
#include "sim/render.hpp"
#include "sim/simulator.hpp"
#include "sim/state.hpp"

namespace sim {

// One /v1 request as a handler sees it (state lock held).
struct Call {
  const httplib::Request& req;
  std::vector<std::string> args;  // values of {placeholders} in the route pattern, in order
  Query query;
  std::string base_url;
  ApiKey key;
  const std::string& arg(size_t i = 0) const { return args.at(i); }
};

class Engine;

// Whether an email looks deliverable enough for Apple to accept it (local@domain.tld, no spaces).
bool plausible_email(const std::string& email);
using Handler = std::function<Reply(Engine&, Call&)>;

struct Route {
  std::string method;
  std::string pattern;  // "/v1/users/{id}/relationships/visibleApps"
  Access access = Access::any;
  QuerySpec query;
  Handler handler;
};

class Engine {
 public:
  explicit Engine(Options opts);

  Options options;
  util::OffsetClock clock;
  KeyRegistry keys;
  RateLimiter limiter;
  FaultInjector faults;
  CertificateAuthority ca;

  mutable std::mutex state_mutex;  // guards `state`
  State state;

  std::vector<Route> routes;

  // Observation.
  mutable std::mutex log_mutex;
  std::deque<LoggedRequest> log;
  std::map<std::pair<std::string, int>, long long> counters;
  std::atomic<long long> requests{0};
  std::atomic<long long> writes{0};

  util::TimePoint now() const { return clock.now(); }

  // State changes as a person in the web UI makes them (see Simulator for the contracts).
  std::string add_app(const std::string& bundle_id, const std::string& name);
  std::string add_bundle_id(const std::string& identifier, const std::string& name,
                            const std::string& platform);
  std::string add_user(const std::string& email, const std::string& first_name, const std::string& last_name,
                       const std::vector<std::string>& roles, bool all_apps_visible,
                       const std::vector<std::string>& visible_app_ids);
  void remove_user(const std::string& user_id);
  std::string add_beta_group(const std::string& app_id, const std::string& name, bool is_internal);
  void remove_beta_group(const std::string& group_id);
  std::string add_beta_tester(const std::string& email, const std::string& first_name,
                              const std::string& last_name, const std::vector<std::string>& group_ids);
  void remove_beta_tester(const std::string& tester_id);
  std::optional<std::string> accept_invitation(const std::string& email);
  std::string add_certificate(const std::string& certificate_type, const std::string& common_name,
                              std::chrono::seconds validity);
  // Inserts an issued certificate as POST /v1/certificates does; returns its id. State lock held.
  std::string store_certificate(const IssuedCertificate& issued, const std::string& certificate_type);

  // --- certificates and profiles (engine_signing.cpp); state lock held unless noted --------
  // Slots of a type: the state's certificateSlotLimits entry, else options.certificate_slot_limit.
  int certificate_slot_limit(const std::string& certificate_type) const;
  // Certificates of the type that hold a slot now (not expired on the simulator's clock).
  int certificate_slots_used(const std::string& certificate_type) const;
  // Apple's 409 when no slot of the type is free, else nullopt.
  std::optional<ApiError> slot_refusal(const std::string& certificate_type) const;
  // A certificate made "in the web UI" by someone else: issued by the CA for a fresh RSA key that
  // is thrown away, expiring at `expires` (valid from min(now, expires - certificate_validity)).
  // Takes the state lock. With enforce_slots, a full type throws SlotsFull.
  struct SlotsFull : std::runtime_error {
    using std::runtime_error::runtime_error;
  };
  std::string add_foreign_certificate(const std::string& certificate_type, const std::string& common_name,
                                      util::TimePoint expires, bool enforce_slots);
  // Revokes: the certificate disappears and the profiles naming it turn INVALID.
  void revoke_certificate(const std::string& id);
  // Sets a certificate's expiry (its DER is re-dated), then processes expirations. Throws
  // std::invalid_argument for an unknown id.
  void set_certificate_expiry(const std::string& id, util::TimePoint expires);
  // Profiles past their expirationDate, or naming a certificate that expired or was revoked,
  // turn INVALID (Apple's API has no EXPIRED state). Run before every /v1 request.
  void process_expirations();
  // Ages the world: every stored date (certificate validity and DER, profile dates and content,
  // invitation expiry, group createdDate, device addedDate) moves `by` into the past, then
  // expirations are processed. The clock (and so JWT checks) does not move. Takes the state lock.
  void age_world(std::chrono::seconds by);
  // The signed profileContent for a profile record from the current state.
  util::Result<std::string> make_profile_content(const ProfileRec& profile);

  // Empties state, faults, rate windows and counters; keys stay.
  void reset_all();
  void reset_observation();
  void record(const std::string& route, const LoggedRequest& entry);
};

// Route registration, one function per file.
void add_user_routes(std::vector<Route>& routes);
void add_testflight_routes(std::vector<Route>& routes);
void add_signing_routes(std::vector<Route>& routes);
// Admin POST routes that take no body, by path pattern (a regular expression): cpp-httplib answers 400 to a
// POST without Content-Length (as `curl -X POST` sends it) before routing, so the server's error handler
// dispatches these itself.
using BodilessPosts = std::map<std::string, httplib::Server::Handler>;
BodilessPosts add_admin_routes(httplib::Server& server, Engine& engine,
                               const std::function<std::string()>& base_url);

// --- helpers shared by the route files ---------------------------------------------------

// A collection document for one page: data, included, links {self, next?}, meta.paging. Written
// as text, exactly as nlohmann::json::dump() would write the document.
template <typename T, typename RenderOne>
Reply collection_reply(Call& call, Renderer& renderer, const Page<T>& page, RenderOne render_one);
// A single-resource document {data, included?, links.self}.
Reply single_reply(Call& call, Renderer& renderer, const Rendered& data, int status = 200);
// A linkage page {data:[{type,id}], links, meta.paging}.
Reply linkage_reply(Call& call, const std::string& type, const std::vector<std::string>& ids);
Reply no_content(int status = 204);
std::string self_url(const Call& call);
std::string next_url(const Call& call, const Cursor& cursor);

// Pages a map of records by id (default order) or by sort_key when the query sorts.
template <typename T, typename Map, typename Keep, typename SortKey>
Page<T> page_map(const Map& records, const Query& q, bool filtered, Keep keep, SortKey sort_key) {
  if (q.sort.empty() || (q.sort == "id" && !q.descending))
    return page_by_id<T>(
        records, [](const auto& e) { return &e.second; }, keep, filtered, q);
  std::vector<std::tuple<std::string, std::string, const T*>> items;
  for (const auto& [id, rec] : records)
    if (keep(rec)) items.emplace_back(sort_key(rec), id, &rec);
  return page_sorted<T>(std::move(items), q);
}

// Pages a list of ids (any order) resolved through `records`.
template <typename T, typename Map>
Page<T> page_ids(const Map& records, const std::vector<std::string>& ids, const Query& q) {
  std::map<std::string, const T*> sorted;
  for (const auto& id : ids) {
    auto it = records.find(id);
    if (it != records.end()) sorted.emplace(id, &it->second);
  }
  return page_by_id<T>(
      sorted, [](const auto& e) { return e.second; }, [](const T&) { return true; }, false, q);
}

// True when the filter is absent or one of its values equals `value`.
bool filter_allows(const Query& q, const std::string& name, const std::string& value);
// Case-insensitive variant for emails.
bool filter_allows_email(const Query& q, const std::string& name, const std::string& email);

template <typename T, typename RenderOne>
Reply collection_reply(Call& call, Renderer& renderer, const Page<T>& page, RenderOne render_one) {
  Reply reply;
  std::string& doc = reply.body;
  doc.reserve(page.items.size() * 1024 + 512);
  doc += "{\"data\":[";
  for (size_t i = 0; i < page.items.size(); ++i) {
    if (i > 0) doc += ',';
    if constexpr (std::is_same_v<decltype(render_one(*page.items[i])), Rendered>)
      doc += render_one(*page.items[i]).text;
    else
      doc += nlohmann::json(render_one(*page.items[i])).dump();
  }
  doc += ']';
  renderer.finish(doc);
  doc += ",\"links\":{";
  if (page.next) {
    doc += "\"next\":";
    append_json_string(doc, next_url(call, *page.next));
    doc += ',';
  }
  doc += "\"self\":";
  append_json_string(doc, self_url(call));
  doc += "},\"meta\":{\"paging\":{\"limit\":" + std::to_string(call.query.limit) +
         ",\"total\":" + std::to_string(page.total) + "}}}";
  reply.status = 200;
  return reply;
}

}  // namespace sim
