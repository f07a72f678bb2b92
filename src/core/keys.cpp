#include "core/keys.hpp"

#include "core/model.hpp"

namespace core {

std::string user_key(const std::string& email) {
  return "user:" + email_key(email);
}
std::string invitation_key(const std::string& email) {
  return "invitation:" + email_key(email);
}
std::string tester_key(const std::string& email) {
  return "tester:" + email_key(email);
}
std::string group_key(const std::string& bundle_id, const std::string& name) {
  return "group:" + bundle_id + "/" + name;
}
std::string membership_key(const std::string& bundle_id, const std::string& group_name,
                           const std::string& email) {
  return "membership:" + bundle_id + "/" + group_name + "/" + email_key(email);
}
std::string members_key(const std::string& bundle_id, const std::string& group_name) {
  return "membership:" + bundle_id + "/" + group_name;
}
std::string certificate_key(const std::string& certificate_id) {
  return "certificate:" + certificate_id;
}

}  // namespace core
