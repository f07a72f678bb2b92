#include "core/guard.hpp"

#include <algorithm>
#include <unordered_set>

namespace core {
namespace {

constexpr size_t k_max_listed_reasons = 20;

// Key prefix up to ':', e.g. "membership".
std::string key_kind(const std::string& key) {
  const auto colon = key.find(':');
  return colon == std::string::npos ? std::string() : key.substr(0, colon);
}

// The email in a user, invitation, tester or membership key; empty for groups.
std::string key_email(const std::string& key) {
  const std::string kind = key_kind(key);
  if (kind == "user" || kind == "invitation" || kind == "tester") return key.substr(kind.size() + 1);
  if (kind == "membership") {
    const auto slash = key.rfind('/');
    return slash == std::string::npos ? std::string() : key.substr(slash + 1);
  }
  return {};
}

// "membership:<bundle>/<group>/<email>" -> "group:<bundle>/<group>".
std::string membership_group_key(const std::string& key) {
  const auto slash = key.rfind('/');
  const size_t prefix = std::string("membership:").size();
  if (slash == std::string::npos || slash < prefix) return {};
  return "group:" + key.substr(prefix, slash - prefix);
}

// Returns the policy.prune field name guarding this kind, and whether it is on.
std::pair<const char*, bool> prune_for(const std::string& kind, const PrunePolicy& prune) {
  if (kind == "user") return {"prune.users", prune.users};
  if (kind == "invitation") return {"prune.invitations", prune.invitations};
  if (kind == "tester") return {"prune.testers", prune.testers};
  if (kind == "membership") return {"prune.group_memberships", prune.group_memberships};
  if (kind == "group") return {"prune.groups", prune.groups};
  return {"prune.<unknown kind>", false};
}

bool is_managed(const std::string& key, const ManagedSet& managed) {
  if (managed.count(key)) return true;
  const std::string kind = key_kind(key);
  if (kind == "user") return managed.count("invitation:" + key_email(key)) != 0;
  if (kind == "membership") return managed.count(membership_group_key(key)) != 0;
  return false;
}

bool before_has_account_holder(const Change& c) {
  if (!c.before) return false;
  const auto* roles = c.before->find("roles");
  const auto* list = roles ? std::get_if<std::vector<std::string>>(roles) : nullptr;
  return list && std::find(list->begin(), list->end(), "ACCOUNT_HOLDER") != list->end();
}

class Reasons {
 public:
  void add(std::string reason) {
    if (m_listed.size() < k_max_listed_reasons) {
      m_listed.push_back(std::move(reason));
    } else {
      ++m_more;
    }
  }
  std::vector<std::string> take() {
    if (m_more > 0) m_listed.push_back("... and " + std::to_string(m_more) + " more");
    return std::move(m_listed);
  }
  bool empty() const { return m_listed.empty(); }

 private:
  std::vector<std::string> m_listed;
  size_t m_more = 0;
};

}  // namespace

GuardResult guard(const Plan& plan, const Policy& policy, const ManagedSet& managed) {
  GuardResult result;
  result.max_deletions = policy.max_deletions;
  std::unordered_set<std::string> protected_emails;
  for (const auto& e : policy.protected_emails) protected_emails.insert(email_key(e));

  Reasons reasons;
  if (!plan.valid()) {
    reasons.add("the plan has " + std::to_string(plan.errors.size()) +
                (plan.errors.size() == 1 ? " error" : " errors") + "; fix the declaration first");
  }
  for (const auto& c : plan.changes) {
    if (!c.sends_requests()) continue;
    const bool touches_existing =
        c.action == Action::update || c.action == Action::replace || c.action == Action::destroy;
    if (touches_existing && c.kind() == ChangeKind::user && before_has_account_holder(c)) {
      reasons.add(c.key + ": ACCOUNT_HOLDER is never changed or removed");
    }
    if (touches_existing && (c.kind() == ChangeKind::user || c.kind() == ChangeKind::invitation ||
                             c.kind() == ChangeKind::tester)) {
      if (protected_emails.count(key_email(c.key))) {
        reasons.add(c.key + ": listed in policy.protected_emails, never changed or removed");
      }
    }
    for (const auto& key : c.removes) {
      ++result.deletions;
      const auto [prune_name, prune_on] = prune_for(key_kind(key), policy.prune);
      if (!prune_on) reasons.add(key + ": deleting it needs " + std::string(prune_name) + " on");
      if (!is_managed(key, managed)) {
        reasons.add(key + ": not managed by ascsync; only objects it created or adopted are deleted");
      }
      const std::string email = key_email(key);
      if (!email.empty() && protected_emails.count(email)) {
        reasons.add(key + ": listed in policy.protected_emails, never removed");
      }
    }
  }
  if (result.deletions > static_cast<size_t>(std::max(policy.max_deletions, 0))) {
    reasons.add("the plan deletes " + std::to_string(result.deletions) +
                " objects, over policy.max_deletions (" + std::to_string(policy.max_deletions) +
                "); nothing is applied. Review the plan, then raise max_deletions or apply in smaller steps");
  }
  result.allowed = reasons.empty();
  result.reasons = reasons.take();
  return result;
}

}  // namespace core
