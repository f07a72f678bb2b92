#include "sim/faults.hpp"

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
  return {{"route", r.route},         {"latencyMs", r.latency_ms},     {"errorRate", r.error_rate},
          {"errorStatus", r.error_status}, {"dropRate", r.drop_rate},  {"truncateRate", r.truncate_rate},
          {"failNth", r.fail_nth},     {"remaining", r.remaining}};
}

FaultRule fault_rule_from_json(const nlohmann::json& j) {
  FaultRule r;
  r.route = j.value("route", r.route);
  r.latency_ms = j.value("latencyMs", r.latency_ms);
  r.error_rate = j.value("errorRate", r.error_rate);
  r.error_status = j.value("errorStatus", r.error_status);
  r.drop_rate = j.value("dropRate", r.drop_rate);
  r.truncate_rate = j.value("truncateRate", r.truncate_rate);
  r.fail_nth = j.value("failNth", r.fail_nth);
  r.remaining = j.value("remaining", r.remaining);
  return r;
}

}  // namespace sim
