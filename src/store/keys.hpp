#pragma once
// Object keys shared by managed objects, conditions, events and the journal:
// "<kind>:<natural key>", emails lower-cased (core::email_key).
#include <string>

namespace store {

std::string user_key(const std::string& email);        // "user:<email>"
std::string invitation_key(const std::string& email);  // "invitation:<email>"
std::string tester_key(const std::string& email);      // "tester:<email>"
std::string group_key(const std::string& bundle_id,
                      const std::string& group_name);  // "group:<bundle>/<name>"
// "membership:<bundleId>/<group name>/<email>"
std::string membership_key(const std::string& bundle_id, const std::string& group_name,
                           const std::string& email);
std::string certificate_key(const std::string& certificate_id);  // "certificate:<id>"

}  // namespace store
