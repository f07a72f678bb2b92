#pragma once
// Internal to the planner: the indexes and the change collector shared by plan_users.cpp and
// plan_testflight.cpp. Not part of the public API.
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/plan.hpp"

namespace core::detail {

class PlanContext {
 public:
  PlanContext(const DesiredState& desired, const Snapshot& snapshot, const ManagedSet& managed,
              util::TimePoint now, Plan& plan);

  const DesiredState& desired;
  const Snapshot& snapshot;
  const ManagedSet& managed;
  util::TimePoint now;

  bool is_managed(const std::string& key) const { return managed.count(key) != 0; }
  bool is_protected(const std::string& email_key_value) const {
    return m_protected.count(email_key_value) != 0;
  }

  // Nullptr when the snapshot has no such app.
  const App* app_by_bundle_id(const std::string& bundle_id) const;
  const App* app_by_id(const std::string& id) const;
  // The bundle id for display, or the raw id when the app is unknown.
  std::string bundle_id_of(const std::string& app_id) const;
  // Nullptr when no team user has this email key.
  const User* user_by_email(const std::string& email_key_value) const;
  const DesiredUser* desired_user(const std::string& email_key_value) const;

  void add(Change change) { m_plan.changes.push_back(std::move(change)); }
  void note(std::string key, std::string message) {
    m_plan.notes.push_back({std::move(key), std::move(message)});
  }
  void error(std::string key, std::string message, SourceLoc loc = {});

 private:
  Plan& m_plan;
  std::unordered_map<std::string, const App*> m_app_by_bundle;
  std::unordered_map<std::string, const App*> m_app_by_id;
  std::unordered_map<std::string, const User*> m_user_by_email;
  std::unordered_map<std::string, const DesiredUser*> m_desired_user;
  std::unordered_set<std::string> m_protected;
  std::unordered_set<std::string> m_error_keys;  // one error per (key, message) pair
};

// Sorted, de-duplicated copy.
std::vector<std::string> sorted_unique(std::vector<std::string> v);
bool contains(const std::vector<std::string>& sorted, const std::string& value);

void plan_users(PlanContext& ctx);
void plan_testflight(PlanContext& ctx);

}  // namespace core::detail
