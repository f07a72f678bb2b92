#pragma once
// Turns state records into Apple's JSON:API resource objects, honouring fields[...] and
// include/limit[...], and collects the `included` array of a document.
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/query.hpp"
#include "sim/state.hpp"

namespace sim {

class Renderer {
 public:
  Renderer(const State& state, const Query& query, std::string base_url)
      : m_state(state), m_query(query), m_base(std::move(base_url)) {}

  nlohmann::json app(const AppRec& r) { return app_impl(r, true); }
  nlohmann::json user(const UserRec& r) { return user_impl(r, true); }
  nlohmann::json invitation(const InvitationRec& r) { return invitation_impl(r, true); }
  nlohmann::json group(const GroupRec& r) { return group_impl(r, true); }
  nlohmann::json tester(const TesterRec& r) { return tester_impl(r, true); }
  nlohmann::json certificate(const CertificateRec& r);
  nlohmann::json profile(const ProfileRec& r) { return profile_impl(r, true); }
  nlohmann::json bundle_id(const BundleIdRec& r) { return bundle_id_impl(r, true); }
  nlohmann::json device(const DeviceRec& r);

  // Adds `included` to doc when anything was included.
  void finish(nlohmann::json& doc);
  const std::string& base() const { return m_base; }

 private:
  nlohmann::json app_impl(const AppRec& r, bool top);
  nlohmann::json user_impl(const UserRec& r, bool top);
  nlohmann::json invitation_impl(const InvitationRec& r, bool top);
  nlohmann::json group_impl(const GroupRec& r, bool top);
  nlohmann::json tester_impl(const TesterRec& r, bool top);
  nlohmann::json profile_impl(const ProfileRec& r, bool top);
  nlohmann::json bundle_id_impl(const BundleIdRec& r, bool top);

  nlohmann::json resource(const std::string& type, const std::string& id) const;
  void attr(nlohmann::json& res, const std::string& type, const char* name, nlohmann::json value) const;
  // Adds a to-many relationship; when included (and top), data is capped at limit[rel] and the
  // related resources are rendered into `included` by `render_one(id)`.
  template <typename RenderOne>
  void to_many(nlohmann::json& res, const std::string& type, const std::string& id, const std::string& rel,
               const std::string& rel_type, const std::vector<std::string>& ids, bool top, RenderOne render_one);
  template <typename RenderOne>
  void to_one(nlohmann::json& res, const std::string& type, const std::string& id, const std::string& rel,
              const std::string& rel_type, const std::string& target, bool top, RenderOne render_one);
  void include(nlohmann::json res);

  const State& m_state;
  const Query& m_query;
  std::string m_base;
  nlohmann::json m_included = nlohmann::json::array();
  std::set<std::pair<std::string, std::string>> m_included_keys;
};

}  // namespace sim
