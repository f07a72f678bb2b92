#pragma once
// Turns state records into Apple's JSON:API resource objects, honouring fields[...] and
// include/limit[...], and collects the `included` array of a document. Resources are written as
// JSON text directly (a page of 200 testers as a nlohmann::json tree costs more than the rest of
// the request); the text is exactly what nlohmann::json::dump() writes for the equivalent tree,
// object members in key order.
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sim/query.hpp"
#include "sim/state.hpp"

namespace sim {

// One resource object as JSON text, and its links.self.
struct Rendered {
  std::string text;
  std::string self;
};
// Lets a Rendered stand where a nlohmann::json is wanted (parses the text).
void to_json(nlohmann::json& j, const Rendered& r);

// Appends `s` as a JSON string literal, escaped as nlohmann::json::dump() escapes it (and throwing
// its type_error on invalid UTF-8 the same way).
void append_json_string(std::string& out, std::string_view s);

class Renderer {
 public:
  Renderer(const State& state, const Query& query, std::string base_url)
      : m_state(state), m_query(query), m_base(std::move(base_url)) {}

  Rendered app(const AppRec& r);
  Rendered user(const UserRec& r);
  Rendered invitation(const InvitationRec& r);
  Rendered group(const GroupRec& r);
  Rendered tester(const TesterRec& r);
  Rendered certificate(const CertificateRec& r);
  Rendered profile(const ProfileRec& r);
  Rendered bundle_id(const BundleIdRec& r);
  Rendered device(const DeviceRec& r);

  // Appends `,"included":[...]` to a document's text when anything was included, and forgets
  // the included resources.
  void finish(std::string& doc);
  const std::string& base() const { return m_base; }

 private:
  // Members of one JSON object, kept as (key, value text) and written in key order.
  class Members {
   public:
    void add(std::string key, std::string value) { m_items.emplace_back(std::move(key), std::move(value)); }
    bool empty() const { return m_items.empty(); }
    void write(std::string& out);

   private:
    std::vector<std::pair<std::string, std::string>> m_items;
  };
  // Ids of a relationship's linkage (possibly capped) and the count of all of them.
  struct Linkage {
    std::vector<std::string> ids;
    size_t total = 0;
  };

  void app_impl(std::string& out, const AppRec& r, bool top);
  void user_impl(std::string& out, const UserRec& r, bool top);
  void invitation_impl(std::string& out, const InvitationRec& r, bool top);
  void group_impl(std::string& out, const GroupRec& r, bool top);
  void tester_impl(std::string& out, const TesterRec& r, bool top);
  void certificate_impl(std::string& out, const CertificateRec& r);
  void profile_impl(std::string& out, const ProfileRec& r, bool top);
  void bundle_id_impl(std::string& out, const BundleIdRec& r, bool top);
  void device_impl(std::string& out, const DeviceRec& r);

  Rendered rendered(std::string text, const std::string& type, const std::string& id) const;
  void write_resource(std::string& out, const std::string& type, const std::string& id, Members& attrs,
                      Members& rels) const;
  void attr(Members& attrs, const std::string& type, const char* name, std::string value_text) const;
  std::string rel_links(const std::string& type, const std::string& id, const std::string& rel) const;
  // Adds a to-many relationship; when included (and top), data is capped at limit[rel] and the
  // related resources are rendered into `included` by `render_one(out, id)`. `linkage()` is only
  // called then.
  template <typename LinkageFn, typename RenderOne>
  void to_many(Members& rels, const std::string& type, const std::string& id, const std::string& rel,
               const std::string& rel_type, bool top, LinkageFn linkage, RenderOne render_one);
  template <typename RenderOne>
  void to_one(Members& rels, const std::string& type, const std::string& id, const std::string& rel,
              const std::string& rel_type, const std::string& target, bool top, RenderOne render_one);
  // Renders the related resource into `included` unless it already is there.
  template <typename RenderOne>
  void include(const std::string& type, const std::string& id, RenderOne render_one);

  const State& m_state;
  const Query& m_query;
  std::string m_base;
  std::string m_included;  // comma-separated resource texts
  std::set<std::pair<std::string, std::string>> m_included_keys;
};

}  // namespace sim
