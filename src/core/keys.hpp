#pragma once
// Natural keys of the objects ascsync looks after: "<kind>:<natural key>". The planner, the store
// (managed objects, conditions, events, journal) and the executor all use these. Emails are
// normalised with email_key(); bundle ids and group names are kept as they are.
#include <string>

namespace core {

std::string user_key(const std::string& email);                                // "user:<email>"
std::string invitation_key(const std::string& email);                          // "invitation:<email>"
std::string tester_key(const std::string& email);                              // "tester:<email>"
std::string group_key(const std::string& bundle_id, const std::string& name);  // "group:<bundleId>/<name>"
// "membership:<bundleId>/<group name>/<email>"
std::string membership_key(const std::string& bundle_id, const std::string& group_name,
                           const std::string& email);
// The key of a group's whole member list, used by batched membership changes: "membership:<bundleId>/<name>".
std::string members_key(const std::string& bundle_id, const std::string& group_name);
std::string certificate_key(const std::string& certificate_id);  // "certificate:<id>"

}  // namespace core
