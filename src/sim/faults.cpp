#include "sim/faults.hpp"

#include <algorithm>
#include <stdexcept>
#include <type_traits>

#include "sim/state_check.hpp"

namespace sim {

bool glob_match(std::string_view pattern, std::string_view text) {
  // Iterative matcher with backtracking to the last '*': linear in practice, no recursion.
  size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (p < pattern.size() && pattern[p] == text[t]) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

void FaultInjector::add(const FaultRule& rule) {
  std::lock_guard lock(m_mutex);
  m_entries.push_back({rule, 0});
}

void FaultInjector::clear() {
  std::lock_guard lock(m_mutex);
  m_entries.clear();
}

std::vector<FaultRule> FaultInjector::rules() const {
  std::lock_guard lock(m_mutex);
  std::vector<FaultRule> out;
  for (const auto& e : m_entries) out.push_back(e.rule);
  return out;
}

bool FaultInjector::chance(double p) {
  if (p <= 0.0) return false;
  if (p >= 1.0) return true;
  return std::uniform_real_distribution<double>(0.0, 1.0)(m_rng) < p;
}

FaultDecision FaultInjector::decide(const std::string& method, const std::string& path) {
  std::lock_guard lock(m_mutex);
  FaultDecision d;
  const std::string subject = method + " " + path;
  for (auto& e : m_entries) {
    auto& r = e.rule;
    if (r.remaining == 0 || !glob_match(r.route, subject)) continue;
    ++e.matched;
    bool fired = false;
    if (r.latency_ms > 0) {
      d.latency_ms += r.latency_ms;
      fired = true;
    }
    if (d.error_status == 0 && !d.drop) {
      if ((r.fail_nth > 0 && e.matched == r.fail_nth) || chance(r.error_rate)) {
        d.error_status = r.error_status;
        fired = true;
      } else if (chance(r.drop_rate)) {
        d.drop = true;
        fired = true;
      } else if (chance(r.truncate_rate)) {
        d.truncate = true;
        fired = true;
      }
    }
    if (fired && r.remaining > 0) --r.remaining;
  }
  return d;
}

nlohmann::json fault_rule_to_json(const FaultRule& r) {
  return {{"route", r.route},          {"latencyMs", r.latency_ms},
          {"errorRate", r.error_rate}, {"errorStatus", r.error_status},
          {"dropRate", r.drop_rate},   {"truncateRate", r.truncate_rate},
          {"failNth", r.fail_nth},     {"remaining", r.remaining}};
}

FaultRule fault_rule_from_json(const nlohmann::json& j) {
  if (!j.is_object()) throw std::invalid_argument("a fault rule is a JSON object, got " + json_type_name(j));
  FaultRule r;
  const auto show = [](double v) {
    return v == static_cast<double>(static_cast<long long>(v)) ? std::to_string(static_cast<long long>(v))
                                                               : nlohmann::json(v).dump();
  };
  const auto number = [&](const char* key, auto& into, double lo, double hi) {
    using T = std::remove_reference_t<decltype(into)>;
    const auto it = j.find(key);
    if (it == j.end()) return;
    const bool ok = std::is_integral_v<T> ? it->is_number_integer() : it->is_number();
    if (!ok)
      throw std::invalid_argument(std::string("member '") + key + "': expected " +
                                  (std::is_integral_v<T> ? "integer" : "number") + ", got " +
                                  json_type_name(*it));
    const double v = it->get<double>();
    if (v < lo || v > hi)
      throw std::invalid_argument(std::string("member '") + key + "': " + it->dump() + " is outside " +
                                  show(lo) + ".." + show(hi));
    into = it->get<T>();
  };
  for (const auto& [key, value] : j.items()) {
    static const std::vector<std::string> k_members = {"route",    "latencyMs",    "errorRate", "errorStatus",
                                                       "dropRate", "truncateRate", "failNth",   "remaining"};
    if (std::find(k_members.begin(), k_members.end(), key) == k_members.end())
      throw std::invalid_argument("unknown member '" + key + "'");
  }
  if (const auto it = j.find("route"); it != j.end()) {
    if (!it->is_string())
      throw std::invalid_argument("member 'route': expected string, got " + json_type_name(*it));
    r.route = it->get<std::string>();
  }
  number("latencyMs", r.latency_ms, 0, 600'000);
  number("errorRate", r.error_rate, 0, 1);
  number("errorStatus", r.error_status, 400, 599);
  number("dropRate", r.drop_rate, 0, 1);
  number("truncateRate", r.truncate_rate, 0, 1);
  number("failNth", r.fail_nth, 0, 1e9);
  number("remaining", r.remaining, -1, 1e9);
  return r;
}

}  // namespace sim
