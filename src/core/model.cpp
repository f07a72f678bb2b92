#include "core/model.hpp"

#include <algorithm>

#include "util/strings.hpp"

namespace core {

const std::vector<std::string> k_user_roles = {"ADMIN",
                                               "FINANCE",
                                               "ACCOUNT_HOLDER",
                                               "SALES",
                                               "MARKETING",
                                               "APP_MANAGER",
                                               "DEVELOPER",
                                               "ACCESS_TO_REPORTS",
                                               "CUSTOMER_SUPPORT",
                                               "CREATE_APPS",
                                               "CLOUD_MANAGED_DEVELOPER_ID",
                                               "CLOUD_MANAGED_APP_DISTRIBUTION",
                                               "GENERATE_INDIVIDUAL_KEYS"};

const std::vector<std::string> k_certificate_types = {"APPLE_PAY",
                                                      "APPLE_PAY_MERCHANT_IDENTITY",
                                                      "APPLE_PAY_PSP_IDENTITY",
                                                      "APPLE_PAY_RSA",
                                                      "DEVELOPER_ID_KEXT",
                                                      "DEVELOPER_ID_KEXT_G2",
                                                      "DEVELOPER_ID_APPLICATION",
                                                      "DEVELOPER_ID_APPLICATION_G2",
                                                      "DEVELOPMENT",
                                                      "DISTRIBUTION",
                                                      "IDENTITY_ACCESS",
                                                      "IOS_DEVELOPMENT",
                                                      "IOS_DISTRIBUTION",
                                                      "MAC_APP_DISTRIBUTION",
                                                      "MAC_INSTALLER_DISTRIBUTION",
                                                      "MAC_APP_DEVELOPMENT",
                                                      "PASS_TYPE_ID",
                                                      "PASS_TYPE_ID_WITH_NFC"};

bool is_user_role(const std::string& role) {
  return std::find(k_user_roles.begin(), k_user_roles.end(), role) != k_user_roles.end();
}

bool is_certificate_type(const std::string& type) {
  return std::find(k_certificate_types.begin(), k_certificate_types.end(), type) != k_certificate_types.end();
}

std::string email_key(const std::string& email) {
  return util::to_lower(util::trim(email));
}

namespace {
template <typename T>
void sort_by_id(std::vector<T>& v) {
  std::sort(v.begin(), v.end(), [](const T& a, const T& b) { return a.id < b.id; });
}
void sort_strings(std::vector<std::string>& v) {
  std::sort(v.begin(), v.end());
}
}  // namespace

void Snapshot::normalize() {
  sort_by_id(apps);
  sort_by_id(users);
  for (auto& u : users) {
    sort_strings(u.roles);
    sort_strings(u.visible_app_ids);
  }
  sort_by_id(invitations);
  for (auto& i : invitations) {
    sort_strings(i.roles);
    sort_strings(i.visible_app_ids);
  }
  sort_by_id(groups);
  sort_by_id(testers);
  for (auto& t : testers) sort_strings(t.group_ids);
  sort_by_id(certificates);
  sort_by_id(profiles);
  for (auto& p : profiles) sort_strings(p.certificate_ids);
}

size_t Snapshot::membership_count() const {
  size_t n = 0;
  for (const auto& t : testers) n += t.group_ids.size();
  return n;
}

}  // namespace core
