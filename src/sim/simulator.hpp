#pragma once
// ascsim in-process: a stateful App Store Connect stand-in serving Apple's JSON:API on loopback.
// Tests start it on port 0; the ascsim binary wraps the same class. Every public method is
// thread-safe. The admin HTTP API under /_sim/ (see docs/SIMULATOR.md) offers the same controls
// over HTTP.
#include <chrono>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "util/clock.hpp"

namespace sim {

struct Options {
  std::string host = "127.0.0.1";
  int port = 0;                    // 0 = any free port; see Simulator::port()
  uint64_t seed = 1;               // ids and fault decisions are deterministic for a seed
  int rate_limit_per_hour = 3600;  // per API key, rolling hour
  int max_concurrent_per_key = 0;  // > 0: more in-flight requests than this answer 429
  int certificate_slot_limit = 3;  // per certificate type, unless the state's certificateSlotLimits names it
  std::chrono::seconds certificate_validity{365 * 24 * 3600};
  std::string tls_cert_file;  // both set = HTTPS
  std::string tls_key_file;
  int threads = 8;          // HTTP worker threads
  bool strict_iat = false;  // refuse tokens without `iat` (the real service accepts them)
};

// A rule that makes matching requests misbehave. `route` is a glob over "METHOD /path" with
// '*' matching any run of characters, e.g. "GET /v1/betaTesters*" or "* /v1/users/*".
struct FaultRule {
  std::string route = "*";
  int latency_ms = 0;          // added before answering
  double error_rate = 0.0;     // share of matching requests answered with `error_status`
  int error_status = 500;      // 500, 503 or 429
  double drop_rate = 0.0;      // share of matching requests whose connection is closed, no answer
  double truncate_rate = 0.0;  // share whose body is cut in half
  int fail_nth = 0;            // > 0: the Nth matching request (1-based) fails with error_status
  int remaining = -1;          // how many more times the rule may fire (-1 = unlimited)
};

struct RouteCounter {
  std::string route;  // "GET /v1/betaTesters"
  int status = 0;
  long long count = 0;
};

struct LoggedRequest {
  std::string method;
  std::string path;  // with query string
  int status = 0;
  std::string key_id;
  std::string body;  // request body (bounded)
};

class Simulator {
 public:
  explicit Simulator(Options options = {});
  ~Simulator();  // stops the server
  Simulator(const Simulator&) = delete;
  Simulator& operator=(const Simulator&) = delete;

  // Binds and serves in background threads. Throws std::runtime_error when it cannot bind.
  void start();
  void stop();
  int port() const;
  std::string base_url() const;  // "http://127.0.0.1:<port>" (https when TLS is on)

  // --- API keys --------------------------------------------------------------------------
  // Registers a team key. role: "ADMIN", "APP_MANAGER", "DEVELOPER", ... (Apple's UserRole).
  // certificate_access: "Access to Certificates, Identifiers & Profiles" for an APP_MANAGER or
  // DEVELOPER key (certificates, profiles, bundle ids and devices; ADMIN keys always have it).
  void add_api_key(const std::string& issuer_id, const std::string& key_id, const std::string& public_key_pem,
                   const std::string& role = "ADMIN", bool certificate_access = false);
  void revoke_api_key(const std::string& key_id);

  // --- State, changed as a person in Apple's web UI would (returns the new resource id) -----
  std::string add_app(const std::string& bundle_id, const std::string& name);
  // Registers an App ID (a bundleIds resource, as the developer portal does; platform IOS,
  // MAC_OS or UNIVERSAL). Throws std::invalid_argument when the identifier is taken.
  std::string add_bundle_id(const std::string& identifier, const std::string& name,
                            const std::string& platform = "IOS");
  std::string add_user(const std::string& email, const std::string& first_name, const std::string& last_name,
                       const std::vector<std::string>& roles, bool all_apps_visible = true,
                       const std::vector<std::string>& visible_app_ids = {});
  void remove_user(const std::string& user_id);
  std::string add_beta_group(const std::string& app_id, const std::string& name, bool is_internal);
  void remove_beta_group(const std::string& group_id);
  std::string add_beta_tester(const std::string& email, const std::string& first_name,
                              const std::string& last_name, const std::vector<std::string>& group_ids);
  void remove_beta_tester(const std::string& tester_id);
  // The invitee accepts: the invitation disappears and a user with its terms appears.
  // Returns the new user id, or std::nullopt when no invitation has that email.
  std::optional<std::string> accept_invitation(const std::string& email);
  // Issues a certificate through the simulator's CA as if someone had created it in the web UI
  // (for a fresh RSA 2048 key that is thrown away), valid from now() for `validity` (0 = the
  // configured certificate_validity). Ignores the slot limit. Returns the certificate id.
  // Throws std::invalid_argument for an unknown certificate type.
  std::string add_certificate(const std::string& certificate_type, const std::string& common_name,
                              std::chrono::seconds validity = std::chrono::seconds(0));

  // A certificate someone made in the web UI (see POST /_sim/certificates): issued by the CA for
  // a throw-away RSA key, expiring at `expires`. With enforce_slots a full type throws
  // std::runtime_error with Apple's "You already have a current ..." text. Returns the id.
  std::string add_foreign_certificate(const std::string& certificate_type, const std::string& common_name,
                                      util::TimePoint expires, bool enforce_slots = true);
  // Revokes as DELETE /v1/certificates/{id} does (profiles naming it turn INVALID). Throws
  // std::invalid_argument for an unknown id.
  void revoke_certificate(const std::string& certificate_id);
  // Sets a certificate's expiry (a past date expires it; its profiles turn INVALID). Throws
  // std::invalid_argument for an unknown id.
  void set_certificate_expiry(const std::string& certificate_id, util::TimePoint expires);
  // Slots of a certificate type (overrides --cert-slots for that type; kept in the state).
  void set_certificate_slot_limit(const std::string& certificate_type, int slots);
  // The CA's root certificate (PEM) and the team id written into certificates and profiles.
  std::string ca_root_pem() const;
  std::string team_id() const;

  // --- Clock, faults, observation ---------------------------------------------------------
  // Moves the simulator's clock for everything, JWT checks included (clients must mint tokens
  // at the moved clock): for tests that fake the client's clock too.
  void advance_clock(std::chrono::seconds by);
  // Ages the world instead: stored dates move `by` into the past and expirations are processed;
  // the clock, and so token checks, stay on real time (see docs/SIMULATOR.md, "Time").
  void age_world(std::chrono::seconds by);
  util::TimePoint now() const;
  void add_fault(const FaultRule& rule);
  void clear_faults();
  std::vector<RouteCounter> route_counters() const;
  long long request_count() const;  // /v1 requests answered (any status) since start/reset
  long long write_count() const;    // /v1 POST/PATCH/DELETE requests answered with 2xx
  std::vector<LoggedRequest> request_log() const;
  void reset_counters();

  // --- Whole state ------------------------------------------------------------------------
  nlohmann::json dump_state() const;  // apps, users, invitations, groups, testers, certs, ...
  void load_state(const nlohmann::json& state);
  void reset();  // empty state, keys kept

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

}  // namespace sim
