#pragma once
// Fault injection: rules matched by a glob over "METHOD /path" decide, deterministically for the
// seed, whether a request is delayed, answered with an error, dropped or truncated. Thread-safe.
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "sim/simulator.hpp"

namespace sim {

// '*' matches any run of characters (including '/'); everything else matches itself.
bool glob_match(std::string_view pattern, std::string_view text);

struct FaultDecision {
  int latency_ms = 0;
  int error_status = 0;   // > 0: answer with this status instead of handling
  bool drop = false;      // close the connection without answering
  bool truncate = false;  // send half the body
};

class FaultInjector {
 public:
  explicit FaultInjector(uint64_t seed) : m_rng(seed) {}
  void add(const FaultRule& rule);
  void clear();
  std::vector<FaultRule> rules() const;
  // Decides what happens to one request; counts it against matching rules.
  FaultDecision decide(const std::string& method, const std::string& path);

 private:
  struct Entry {
    FaultRule rule;
    long long matched = 0;
  };
  bool chance(double p);

  mutable std::mutex m_mutex;
  std::mt19937_64 m_rng;
  std::vector<Entry> m_entries;
};

nlohmann::json fault_rule_to_json(const FaultRule& rule);
// Throws nlohmann::json::exception on wrong types (the admin API turns it into a 400).
FaultRule fault_rule_from_json(const nlohmann::json& j);

}  // namespace sim
