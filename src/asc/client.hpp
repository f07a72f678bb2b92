#pragma once
// The App Store Connect HTTP client: one per team API key. Owns the transport (cpp-httplib,
// keep-alive connections, TLS verification on), the token cache, the rate budget, retries and
// pagination. Speaks JSON documents; the typed API on top (asc/api.hpp) decodes them.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "asc/credentials.hpp"
#include "asc/rate_budget.hpp"
#include "asc/retry.hpp"
#include "asc/token_provider.hpp"
#include "asc/url.hpp"
#include "util/clock.hpp"
#include "util/result.hpp"

namespace httplib {
class Client;
}

namespace asc {

inline constexpr const char* k_default_base_url = "https://api.appstoreconnect.apple.com";
inline constexpr int k_max_in_flight_cap = 4;

// Read bounds (invariant 8), the defaults of the daemon config's limits (docs/configuration.md).
inline constexpr std::chrono::seconds k_default_request_timeout{120};
inline constexpr size_t k_default_max_response_bytes = size_t{64} << 20;  // 64 MiB
inline constexpr long long k_default_max_pages = 10'000;

// The text every "the cycle ran out of time" error carries (see Interrupt and
// reconcile::is_deadline_exceeded).
inline constexpr const char* k_cycle_deadline_exceeded = "cycle deadline exceeded";

// What stops a client's requests from outside: a stop request (shutdown) and an overall deadline
// (the cycle's). Checked before every request and every wait; a read in flight is cut off when
// either fires. Errors: ErrorKind::cancelled for `stop`, ErrorKind::timeout with
// k_cycle_deadline_exceeded for `deadline`.
struct Interrupt {
  std::stop_token stop;
  std::optional<std::chrono::steady_clock::time_point> deadline;
  std::string deadline_what;  // how the deadline was set, for messages: "cycle_timeout 30m"
};

struct ClientOptions {
  // https (Apple) or http (the simulator on loopback). Requests never leave this origin.
  std::string base_url = k_default_base_url;
  std::string ca_file;  // PEM bundle to trust; empty = the system CA store
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(10)};
  std::chrono::milliseconds read_timeout{std::chrono::seconds(60)};
  std::chrono::milliseconds write_timeout{std::chrono::seconds(30)};
  // Total time for one HTTP exchange (connect, send, status line, headers, body). read_timeout
  // restarts with every byte; this does not, so a server dripping bytes cannot hold a cycle.
  std::chrono::milliseconds request_timeout{k_default_request_timeout};
  // Largest response body accepted (after decompression); larger ones fail the request.
  size_t max_response_bytes = k_default_max_response_bytes;
  // Hard cap on the pages of one listing. A listing also fails when it walks more pages than
  // its meta.paging.total announces (plus slack), or when links.next repeats a cursor.
  long long max_pages = k_default_max_pages;
  // Requests in flight at once for this key. Apple answers 429 to heavy parallelism even with
  // budget left, so the default is 1 and values are clamped to 1..4.
  int max_in_flight = 1;
  RetryOptions retry;
  BudgetOptions budget;
  // Apple counts the budget per key: clients of one key (e.g. CLI and daemon code paths in one
  // process) should share one. Null = this client keeps its own, built from `budget`.
  std::shared_ptr<RateBudget> shared_budget;
  TokenOptions token;
  std::shared_ptr<util::Clock> clock;  // null = system clock
  Sleeper sleeper;                     // null = really sleep
  uint64_t jitter_seed = 0;            // 0 = random
};

// Whether a request may be sent again when the outcome is unknown (network error, 5xx).
// Requests Apple provably did not process (connect failure, 429, 401) are retried either way.
enum class Replay {
  safe,   // GETs and linkage POST/DELETE …/relationships/…: repeating them changes nothing
  never,  // creates and other writes: the caller reads back by natural key instead
};

struct Request {
  std::string method = "GET";
  std::string route;           // template for statistics: "GET /v1/betaTesters/{id}/relationships/betaGroups"
  std::string path_and_query;  // "/v1/users?limit=200"
  nlohmann::json body;         // null = no body
  Replay replay = Replay::safe;
};

struct Response {
  int status = 0;
  nlohmann::json body;  // null for empty bodies (204, 202)
};

// Per-call counters, filled by the calls that take one (e.g. one fetch_snapshot()).
struct CallStats {
  long long requests = 0;  // HTTP requests sent, retries included
  long long retries = 0;
  long long pages = 0;  // collection pages received
};

struct RouteStatusCount {
  std::string route;
  int status = 0;  // 0 = no HTTP response (network error, timeout)
  long long count = 0;
};

struct ClientStats {
  long long requests = 0;
  long long retries = 0;
  long long tokens_signed = 0;
  std::vector<RouteStatusCount> by_route;  // sorted by route, then status
  BudgetSnapshot budget;
};

class Client {
 public:
  // Validates the base URL (http/https, no path beyond "/") and TLS settings.
  static util::Result<std::unique_ptr<Client>> create(Credentials credentials, ClientOptions options);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Sends one request with the rate budget, token renewal on 401 (once) and retries per
  // `request.replay`. 2xx → the parsed body; anything else → an Error whose kind follows the
  // status (see http_error.hpp) with Apple's code/title/detail. Thread-safe.
  util::Result<Response> send(const Request& request, CallStats* stats = nullptr);

  // GETs every page of a collection: starts at path_and_query and follows the document-level
  // links.next until it is absent. Each page must be a collection document (`data` array and
  // `links` object) and is passed to on_page. A next link to another origin, a cursor seen
  // before, more pages than meta.paging.total / limit allows (plus slack: 2 + 10%) or than
  // max_pages, a failed page or an on_page error fails the whole listing.
  util::Status for_each_page(const std::string& route, const std::string& path_and_query,
                             const std::function<util::Status(const nlohmann::json& page)>& on_page,
                             CallStats* stats = nullptr);

  // Sets (or, with a default Interrupt, clears) what interrupts this client's requests. The
  // reconciler sets it for the duration of a cycle. Thread-safe.
  void set_interrupt(Interrupt interrupt);
  // The error an interrupt has raised by now, if any.
  util::Status check_interrupt() const;

  ClientStats stats() const;
  BudgetSnapshot budget() const;
  // Ok when `requests` more requests fit above the budget's reserve; else the pause error
  // (asc::is_budget_pause) saying when they will.
  util::Status budget_headroom(int requests) const;
  const Origin& origin() const { return m_origin; }
  const std::string& key_id() const { return m_tokens.key_id(); }

 private:
  class Pool;
  Client(Credentials credentials, ClientOptions options, Origin origin);

  struct Attempt {
    int status = 0;  // 0 = transport failure
    std::string body;
    std::string rate_limit;
    std::string retry_after;
    util::Error transport_error;
    bool maybe_processed = true;  // false when the request provably never reached the server
    bool transient = true;        // false when repeating cannot help (TLS verification)
  };
  Attempt attempt(const Request& request, const std::string& token);
  Interrupt interrupt() const;
  // Waits `delay` (the injected sleeper when one is set), returning early on an interrupt.
  void pause(std::chrono::milliseconds delay);
  void count(const std::string& route, int status);

  ClientOptions m_options;
  Origin m_origin;
  std::shared_ptr<util::Clock> m_clock;
  Sleeper m_sleeper;
  TokenProvider m_tokens;
  std::shared_ptr<RateBudget> m_budget;
  Backoff m_backoff;
  std::unique_ptr<Pool> m_pool;

  mutable std::mutex m_interrupt_mutex;
  Interrupt m_interrupt;

  mutable std::mutex m_stats_mutex;
  std::map<std::pair<std::string, int>, long long> m_by_route;
  long long m_requests = 0;
  long long m_retries = 0;
};

}  // namespace asc
