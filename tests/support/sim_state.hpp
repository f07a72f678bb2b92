#pragma once
// The simulator's state (Simulator::dump_state()) in the domain types: what a correct refresh
// must produce, computed independently of the client's decoders.
#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/model.hpp"

namespace test_support {

// What the simulator holds (Simulator::dump_state()), mapped field by field into the domain
// types the mirror stores: the expected result of a refresh, independent of the client's decoders.
inline core::Snapshot snapshot_from_sim_state(const nlohmann::json& state) {
  auto strings = [](const nlohmann::json& j) {
    std::vector<std::string> v;
    for (const auto& s : j) v.push_back(s.get<std::string>());
    std::sort(v.begin(), v.end());
    return v;
  };
  core::Snapshot s;
  for (const auto& a : state["apps"]) s.apps.push_back({a["id"], a["bundle_id"], a["name"], a["sku"]});
  for (const auto& u : state["users"])
    s.users.push_back({u["id"], u["username"], u["first_name"], u["last_name"], strings(u["roles"]),
                       u["all_apps_visible"], u["provisioning_allowed"], strings(u["visible_apps"])});
  for (const auto& i : state["userInvitations"])
    s.invitations.push_back({i["id"], i["email"], i["first_name"], i["last_name"], strings(i["roles"]),
                             i["all_apps_visible"], i["provisioning_allowed"], i["expiration_date"],
                             strings(i["visible_apps"])});
  for (const auto& g : state["betaGroups"]) {
    core::BetaGroup b;
    b.id = g["id"];
    b.app_id = g["app_id"];
    b.name = g["name"];
    b.created_date = g["created_date"];
    b.is_internal = g["is_internal"];
    b.has_access_to_all_builds = g["has_access_to_all_builds"];
    b.public_link_enabled = g["public_link_enabled"];
    b.public_link_limit_enabled = g["public_link_limit_enabled"];
    if (g["has_public_link_limit"].get<bool>()) b.public_link_limit = g["public_link_limit"].get<int>();
    if (b.public_link_enabled && !g["public_link_id"].get<std::string>().empty())
      b.public_link = "https://testflight.apple.com/join/" + g["public_link_id"].get<std::string>();
    b.feedback_enabled = g["feedback_enabled"];
    s.groups.push_back(b);
  }
  for (const auto& t : state["betaTesters"])
    s.testers.push_back({t["id"], t["email"], t["first_name"], t["last_name"], t["invite_type"], t["state"],
                         strings(t["groups"])});
  for (const auto& c : state["certificates"])
    s.certificates.push_back({c["id"], c["name"], c["certificate_type"], c["display_name"],
                              c["serial_number"], c["platform"], c["expiration_date"], c["activated"]});
  for (const auto& p : state["profiles"]) {
    // A profile's link to a certificate that no longer exists is not listed by Apple.
    std::vector<std::string> certs;
    for (const auto& c : p["certificates"])
      for (const auto& known : state["certificates"])
        if (known["id"] == c) certs.push_back(c);
    std::sort(certs.begin(), certs.end());
    s.profiles.push_back({p["id"], p["name"], p["platform"], p["profile_type"], p["profile_state"], p["uuid"],
                          p["created_date"], p["expiration_date"], p["bundle_id_id"], certs});
  }
  s.normalize();
  return s;
}

}  // namespace test_support
