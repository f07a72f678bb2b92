#include "core/plan.hpp"

#include <algorithm>
#include <tuple>

#include "core/plan_context.hpp"

namespace core {

const char* to_string(ChangeKind kind) {
  switch (kind) {
    case ChangeKind::user:
      return "user";
    case ChangeKind::invitation:
      return "invitation";
    case ChangeKind::group:
      return "group";
    case ChangeKind::tester:
      return "tester";
    case ChangeKind::membership:
      return "membership";
  }
  return "?";
}

const char* to_string(Action action) {
  switch (action) {
    case Action::adopt:
      return "adopt";
    case Action::create:
      return "create";
    case Action::replace:
      return "replace";
    case Action::add_members:
      return "add_members";
    case Action::update:
      return "update";
    case Action::blocked:
      return "blocked";
    case Action::remove_members:
      return "remove_members";
    case Action::destroy:
      return "delete";
  }
  return "?";
}

const char* to_string(ReplaceOrder order) {
  switch (order) {
    case ReplaceOrder::destroy_before_create:
      return "destroy_before_create";
    case ReplaceOrder::create_before_destroy:
      return "create_before_destroy";
  }
  return "?";
}

bool Change::sends_requests() const {
  return action != Action::adopt && action != Action::blocked;
}

bool Plan::empty() const {
  return std::none_of(changes.begin(), changes.end(),
                      [](const Change& c) { return c.action != Action::blocked; });
}

namespace {
int tester_count(const Change& c) {
  const auto* m = std::get_if<MembershipPayload>(&c.payload);
  return m ? static_cast<int>(m->testers.size()) : 0;
}
}  // namespace

PlanSummary Plan::summary() const {
  PlanSummary s;
  for (const auto& c : changes) {
    switch (c.action) {
      case Action::adopt:
        s.adopt += static_cast<int>(c.manage.size());
        break;
      case Action::create:
        s.add += 1;
        break;
      case Action::replace:
        s.add += 1;
        s.destroy += 1;
        break;
      case Action::add_members:
        s.add += tester_count(c);
        break;
      case Action::update:
        s.change += 1;
        break;
      case Action::blocked:
        s.blocked += 1;
        break;
      case Action::remove_members:
        s.destroy += tester_count(c);
        break;
      case Action::destroy:
        s.destroy += 1;
        break;
    }
  }
  return s;
}

size_t Plan::deletion_count() const {
  size_t n = 0;
  for (const auto& c : changes) n += c.removes.size();
  return n;
}

namespace detail {

PlanContext::PlanContext(const DesiredState& desired_in, const Snapshot& snapshot_in,
                         const ManagedSet& managed_in, util::TimePoint now_in, Plan& plan)
    : desired(desired_in), snapshot(snapshot_in), managed(managed_in), now(now_in), m_plan(plan) {
  m_app_by_bundle.reserve(snapshot.apps.size());
  m_app_by_id.reserve(snapshot.apps.size());
  for (const auto& app : snapshot.apps) {
    m_app_by_bundle.emplace(app.bundle_id, &app);
    m_app_by_id.emplace(app.id, &app);
  }
  m_user_by_email.reserve(snapshot.users.size());
  for (const auto& user : snapshot.users) m_user_by_email.emplace(email_key(user.username), &user);
  m_desired_user.reserve(desired.users.size());
  for (const auto& user : desired.users) m_desired_user.emplace(email_key(user.email), &user);
  for (const auto& email : desired.policy.protected_emails) m_protected.insert(email_key(email));
}

const App* PlanContext::app_by_bundle_id(const std::string& bundle_id) const {
  const auto it = m_app_by_bundle.find(bundle_id);
  return it == m_app_by_bundle.end() ? nullptr : it->second;
}

const App* PlanContext::app_by_id(const std::string& id) const {
  const auto it = m_app_by_id.find(id);
  return it == m_app_by_id.end() ? nullptr : it->second;
}

std::string PlanContext::bundle_id_of(const std::string& app_id) const {
  const App* app = app_by_id(app_id);
  return app ? app->bundle_id : app_id;
}

const User* PlanContext::user_by_email(const std::string& email_key_value) const {
  const auto it = m_user_by_email.find(email_key_value);
  return it == m_user_by_email.end() ? nullptr : it->second;
}

const DesiredUser* PlanContext::desired_user(const std::string& email_key_value) const {
  const auto it = m_desired_user.find(email_key_value);
  return it == m_desired_user.end() ? nullptr : it->second;
}

void PlanContext::error(std::string key, std::string message, SourceLoc loc) {
  // The same problem found from two declarations (e.g. an unknown app used by two groups) is
  // reported once per key.
  if (!m_error_keys.insert(key + "\n" + message).second) return;
  m_plan.errors.push_back({std::move(key), std::move(message), std::move(loc)});
}

std::vector<std::string> sorted_unique(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

bool contains(const std::vector<std::string>& sorted, const std::string& value) {
  return std::binary_search(sorted.begin(), sorted.end(), value);
}

}  // namespace detail

namespace {

// Execution order (docs/planning.md): bookkeeping first, then creates so that later changes can
// reference what they create, then updates, and every deletion last so that an interrupted run
// has added before it removed.
int bucket(const Change& c) {
  switch (c.action) {
    case Action::adopt:
      return 0;
    case Action::create:
    case Action::replace:
      if (c.kind() == ChangeKind::group) return 1;
      if (c.kind() == ChangeKind::invitation || c.kind() == ChangeKind::user) return 2;
      return 3;
    case Action::add_members:
      return 4;
    case Action::update:
      return 5;
    case Action::blocked:
      return 6;
    case Action::remove_members:
      return 7;
    case Action::destroy:
      switch (c.kind()) {
        case ChangeKind::membership:
          return 7;
        case ChangeKind::tester:
          return 8;
        case ChangeKind::group:
          return 9;
        case ChangeKind::invitation:
          return 10;
        case ChangeKind::user:
          return 11;
      }
  }
  return 12;
}

}  // namespace

Plan make_plan(const DesiredState& desired, const Snapshot& snapshot, const ManagedSet& managed,
               util::TimePoint now) {
  Plan plan;
  plan.team = desired.team;
  detail::PlanContext ctx(desired, snapshot, managed, now, plan);
  if (desired.manage_users) detail::plan_users(ctx);
  if (desired.manage_testflight) detail::plan_testflight(ctx);

  std::stable_sort(plan.changes.begin(), plan.changes.end(), [](const Change& a, const Change& b) {
    const int ba = bucket(a), bb = bucket(b);
    const int ka = static_cast<int>(a.kind()), kb = static_cast<int>(b.kind());
    return std::tie(ba, ka, a.key) < std::tie(bb, kb, b.key);
  });
  std::stable_sort(plan.notes.begin(), plan.notes.end(),
                   [](const PlanNote& a, const PlanNote& b) { return a.key < b.key; });
  std::stable_sort(plan.errors.begin(), plan.errors.end(),
                   [](const PlanError& a, const PlanError& b) { return a.key < b.key; });
  return plan;
}

}  // namespace core
