#include "store/keys.hpp"

#include "core/model.hpp"

namespace store {

std::string user_key(const std::string& email) {
  return "user:" + core::email_key(email);
}
std::string invitation_key(const std::string& email) {
  return "invitation:" + core::email_key(email);
}
std::string tester_key(const std::string& email) {
  return "tester:" + core::email_key(email);
}

std::string group_key(const std::string& bundle_id, const std::string& group_name) {
  return "group:" + bundle_id + "/" + group_name;
}

std::string membership_key(const std::string& bundle_id, const std::string& group_name,
                           const std::string& email) {
  return "membership:" + bundle_id + "/" + group_name + "/" + core::email_key(email);
}

std::string certificate_key(const std::string& certificate_id) {
  return "certificate:" + certificate_id;
}

}  // namespace store
