// Apps and TestFlight: beta groups, beta testers, beta tester invitations (ENDPOINTS.md §2-3).
#include "core/model.hpp"
#include "sim/engine.hpp"
#include "util/strings.hpp"
#include "util/time.hpp"

namespace sim {

namespace {

constexpr size_t k_max_external_testers = 10'000;
constexpr int k_max_public_link_limit = 10'000;

const std::vector<std::string> k_app_field_types = {"apps",
                                                    "appEncryptionDeclarations",
                                                    "ciProducts",
                                                    "betaGroups",
                                                    "appStoreVersions",
                                                    "preReleaseVersions",
                                                    "betaAppLocalizations",
                                                    "builds",
                                                    "betaLicenseAgreements",
                                                    "betaAppReviewDetails",
                                                    "appInfos",
                                                    "appClips",
                                                    "endUserLicenseAgreements",
                                                    "inAppPurchases",
                                                    "subscriptionGroups",
                                                    "gameCenterEnabledVersions",
                                                    "appCustomProductPages",
                                                    "promotedPurchases",
                                                    "appEvents",
                                                    "reviewSubmissions",
                                                    "subscriptionGracePeriods",
                                                    "gameCenterDetails",
                                                    "appStoreVersionExperiments"};
const std::vector<std::string> k_app_includes = {"appEncryptionDeclarations",
                                                 "ciProduct",
                                                 "betaGroups",
                                                 "appStoreVersions",
                                                 "preReleaseVersions",
                                                 "betaAppLocalizations",
                                                 "builds",
                                                 "betaLicenseAgreement",
                                                 "betaAppReviewDetail",
                                                 "appInfos",
                                                 "appClips",
                                                 "endUserLicenseAgreement",
                                                 "inAppPurchases",
                                                 "subscriptionGroups",
                                                 "gameCenterEnabledVersions",
                                                 "appCustomProductPages",
                                                 "inAppPurchasesV2",
                                                 "promotedPurchases",
                                                 "appEvents",
                                                 "reviewSubmissions",
                                                 "subscriptionGracePeriod",
                                                 "gameCenterDetail",
                                                 "appStoreVersionExperimentsV2"};
const std::vector<std::string> k_app_include_limits = {"appClips",
                                                       "appCustomProductPages",
                                                       "appEncryptionDeclarations",
                                                       "appEvents",
                                                       "appInfos",
                                                       "appStoreVersionExperimentsV2",
                                                       "appStoreVersions",
                                                       "betaAppLocalizations",
                                                       "betaGroups",
                                                       "builds",
                                                       "gameCenterEnabledVersions",
                                                       "inAppPurchases",
                                                       "inAppPurchasesV2",
                                                       "preReleaseVersions",
                                                       "promotedPurchases",
                                                       "reviewSubmissions",
                                                       "subscriptionGroups"};

QuerySpec apps_spec(bool collection) {
  QuerySpec s;
  s.collection = collection;
  if (collection) {
    s.filters = {{"name", {}}, {"bundleId", {}}, {"sku", {}}, {"id", {}}};
    s.sorts = {"name", "bundleId", "sku"};
  }
  s.fields = k_app_field_types;
  s.includes = k_app_includes;
  for (const auto& l : k_app_include_limits) s.include_limits[l] = 50;
  return s;
}

QuerySpec groups_spec(bool collection) {
  QuerySpec s;
  s.collection = collection;
  if (collection) {
    s.filters = {{"name", {}},
                 {"isInternalGroup", {"true", "false"}},
                 {"publicLinkEnabled", {"true", "false"}},
                 {"publicLinkLimitEnabled", {"true", "false"}},
                 {"publicLink", {}},
                 {"app", {}},
                 {"builds", {}},
                 {"id", {}}};
    s.sorts = {"name", "createdDate", "publicLinkEnabled", "publicLinkLimit"};
  }
  s.fields = {"betaGroups", "apps", "builds", "betaTesters", "betaRecruitmentCriteria"};
  s.includes = {"app", "builds", "betaTesters", "betaRecruitmentCriteria"};
  s.include_limits = {{"betaTesters", 50}, {"builds", 1000}};
  return s;
}

QuerySpec testers_spec(bool collection) {
  QuerySpec s;
  s.collection = collection;
  if (collection) {
    s.filters = {
        {"firstName", {}}, {"lastName", {}},   {"email", {}},  {"inviteType", {"EMAIL", "PUBLIC_LINK"}},
        {"apps", {}},      {"betaGroups", {}}, {"builds", {}}, {"id", {}}};
    s.sorts = {"firstName", "lastName", "email", "inviteType", "state"};
  }
  s.fields = {"betaTesters", "apps", "betaGroups", "builds"};
  s.includes = {"apps", "betaGroups", "builds"};
  s.include_limits = {{"apps", 50}, {"betaGroups", 50}, {"builds", 50}};
  return s;
}

std::string bool_text(bool b) {
  return b ? "true" : "false";
}

std::string zero_padded(long long v) {
  std::string s = std::to_string(v);
  return std::string(s.size() < 12 ? 12 - s.size() : 0, '0') + s;
}

ApiError no_build(const std::string& id, const std::string& pointer) {
  return relationship_invalid(pointer, "There is no resource of type 'builds' with id '" + id + "'");
}

// Apple's rules for putting testers into a group: internal groups take only team users (by
// email), external testers per app are capped.
std::optional<ApiError> check_can_join(const State& st, const GroupRec& g,
                                       const std::vector<std::string>& tester_ids,
                                       const std::string& pointer) {
  size_t newcomers = 0;
  for (size_t i = 0; i < tester_ids.size(); ++i) {
    auto t = st.testers.find(tester_ids[i]);
    if (t == st.testers.end())
      return relationship_invalid(
          pointer + "/" + std::to_string(i),
          "There is no resource of type 'betaTesters' with id '" + tester_ids[i] + "'");
    if (g.is_internal) {
      if (!st.user_by_email.contains(core::email_key(t->second.email)))
        return state_error(
            "Internal groups accept only members of the team; '" + t->second.email + "' is not a team user.",
            pointer + "/" + std::to_string(i));
    } else if (!st.is_external_tester_of(g.app_id, tester_ids[i])) {
      ++newcomers;
    }
  }
  if (!g.is_internal && st.external_tester_count(g.app_id) + newcomers > k_max_external_testers)
    return state_error("The app has reached the limit of 10,000 external testers.");
  return std::nullopt;
}

// --- apps --------------------------------------------------------------------------------

Reply list_apps(Engine& e, Call& c) {
  const auto& q = c.query;
  auto keep = [&](const AppRec& a) {
    return filter_allows(q, "name", a.name) && filter_allows(q, "bundleId", a.bundle_id) &&
           filter_allows(q, "sku", a.sku) && filter_allows(q, "id", a.id);
  };
  auto key = [&](const AppRec& a) {
    return q.sort == "name" ? a.name : q.sort == "sku" ? a.sku : a.bundle_id;
  };
  auto page = page_map<AppRec>(e.state.apps, q, !q.filters.empty(), keep, key);
  Renderer r(e.state, q, c.base_url);
  return collection_reply(c, r, page, [&](const AppRec& a) { return r.app(a); });
}

Reply get_app(Engine& e, Call& c) {
  auto it = e.state.apps.find(c.arg());
  if (it == e.state.apps.end()) return error_reply(not_found("apps", c.arg()));
  Renderer r(e.state, c.query, c.base_url);
  return single_reply(c, r, r.app(it->second));
}

Reply app_groups(Engine& e, Call& c) {
  if (!e.state.apps.contains(c.arg())) return error_reply(not_found("apps", c.arg()));
  auto page = page_ids<GroupRec>(e.state.groups, e.state.app_groups(c.arg()), c.query);
  Renderer r(e.state, c.query, c.base_url);
  return collection_reply(c, r, page, [&](const GroupRec& g) { return r.group(g); });
}

// Removes testers from every group of the app.
Reply remove_app_testers(Engine& e, Call& c) {
  if (!e.state.apps.contains(c.arg())) return error_reply(not_found("apps", c.arg()));
  auto parsed = parse_linkages(c.req.body, "betaTesters");
  if (auto* err = std::get_if<ApiError>(&parsed)) return error_reply(*err);
  const auto& ids = std::get<std::vector<std::string>>(parsed);
  for (size_t i = 0; i < ids.size(); ++i)
    if (!e.state.testers.contains(ids[i]))
      return error_reply(
          relationship_invalid("/data/" + std::to_string(i),
                               "There is no resource of type 'betaTesters' with id '" + ids[i] + "'"));
  for (const auto& g : e.state.app_groups(c.arg()))
    for (const auto& t : ids) e.state.remove_membership(g, t);
  return no_content();
}

// --- beta groups -------------------------------------------------------------------------

Reply list_groups(Engine& e, Call& c) {
  const auto& q = c.query;
  auto keep = [&](const GroupRec& g) {
    const std::string link =
        g.public_link_enabled ? "https://testflight.apple.com/join/" + g.public_link_id : "";
    return filter_allows(q, "name", g.name) &&
           filter_allows(q, "isInternalGroup", bool_text(g.is_internal)) &&
           filter_allows(q, "publicLinkEnabled", bool_text(g.public_link_enabled)) &&
           filter_allows(q, "publicLinkLimitEnabled", bool_text(g.public_link_limit_enabled)) &&
           filter_allows(q, "publicLink", link) && filter_allows(q, "app", g.app_id) &&
           !q.filters.contains("builds") && filter_allows(q, "id", g.id);
  };
  auto key = [&](const GroupRec& g) -> std::string {
    if (q.sort == "name") return g.name;
    if (q.sort == "createdDate") return util::format_rfc3339(g.created_date);
    if (q.sort == "publicLinkEnabled") return bool_text(g.public_link_enabled);
    return g.has_public_link_limit ? zero_padded(g.public_link_limit) : "";
  };
  auto page = page_map<GroupRec>(e.state.groups, q, !q.filters.empty(), keep, key);
  Renderer r(e.state, q, c.base_url);
  return collection_reply(c, r, page, [&](const GroupRec& g) { return r.group(g); });
}

Reply get_group(Engine& e, Call& c) {
  auto it = e.state.groups.find(c.arg());
  if (it == e.state.groups.end()) return error_reply(not_found("betaGroups", c.arg()));
  Renderer r(e.state, c.query, c.base_url);
  return single_reply(c, r, r.group(it->second));
}

std::map<std::string, AttrSpec> group_update_attributes() {
  return {{"name", {AttrType::string}},
          {"publicLinkEnabled", {AttrType::boolean}},
          {"publicLinkLimitEnabled", {AttrType::boolean}},
          {"publicLinkLimit", {AttrType::integer}},
          {"feedbackEnabled", {AttrType::boolean}},
          {"iosBuildsAvailableForAppleSiliconMac", {AttrType::boolean}},
          {"iosBuildsAvailableForAppleVision", {AttrType::boolean}}};
}

// Applies the settable attributes; checks the public-link rules on the result.
std::optional<ApiError> apply_group_attributes(State& st, GroupRec& g, const nlohmann::json& a) {
  if (a.contains("name")) {
    const std::string name = a["name"].get<std::string>();
    if (util::trim(name).empty())
      return attribute_invalid("/data/attributes/name", "A group name cannot be empty.");
    for (const auto& [id, other] : st.groups)
      if (id != g.id && other.app_id == g.app_id && util::iequals(other.name, name))
        return duplicate_error("/data/attributes/name",
                               "A beta group with the name '" + name + "' already exists for this app.");
    g.name = name;
  }
  const bool wants_link = a.value("publicLinkEnabled", g.public_link_enabled);
  const bool wants_limit = a.value("publicLinkLimitEnabled", g.public_link_limit_enabled);
  if (g.is_internal && (wants_link || wants_limit || a.contains("publicLinkLimit")))
    return attribute_invalid(a.contains("publicLinkEnabled") ? "/data/attributes/publicLinkEnabled"
                                                             : "/data/attributes/publicLinkLimit",
                             "Public links are available only for external groups.");
  if (a.contains("publicLinkLimit")) {
    const long long limit = a["publicLinkLimit"].get<long long>();
    if (limit < 1 || limit > k_max_public_link_limit)
      return attribute_invalid("/data/attributes/publicLinkLimit",
                               "The public link limit must be between 1 and 10,000.");
    g.public_link_limit = static_cast<int>(limit);
    g.has_public_link_limit = true;
  }
  g.public_link_enabled = wants_link;
  g.public_link_limit_enabled = wants_limit;
  if (g.public_link_enabled && g.public_link_id.empty()) g.public_link_id = st.new_short_id();
  if (a.contains("feedbackEnabled")) g.feedback_enabled = a["feedbackEnabled"].get<bool>();
  if (a.contains("iosBuildsAvailableForAppleSiliconMac"))
    g.ios_builds_available_for_apple_silicon_mac = a["iosBuildsAvailableForAppleSiliconMac"].get<bool>();
  if (a.contains("iosBuildsAvailableForAppleVision"))
    g.ios_builds_available_for_apple_vision = a["iosBuildsAvailableForAppleVision"].get<bool>();
  return std::nullopt;
}

Reply create_group(Engine& e, Call& c) {
  DocSpec spec;
  spec.type = "betaGroups";
  spec.attributes_required = true;
  spec.attributes = group_update_attributes();
  spec.attributes["name"].required = true;
  spec.attributes["isInternalGroup"] = {AttrType::boolean};
  spec.attributes["hasAccessToAllBuilds"] = {AttrType::boolean};
  spec.relationships = {{"app", {RelKind::to_one, "apps", true}},
                        {"builds", {RelKind::to_many, "builds", false}},
                        {"betaTesters", {RelKind::to_many, "betaTesters", false}}};
  auto parsed = parse_document(c.req.body, spec);
  if (auto* errs = std::get_if<std::vector<ApiError>>(&parsed)) return error_reply(*errs);
  const auto& doc = std::get<RequestDoc>(parsed);
  const std::string app_id = doc.relationships.at("app").front();
  if (!e.state.apps.contains(app_id))
    return error_reply(relationship_invalid("/data/relationships/app/data",
                                            "There is no resource of type 'apps' with id '" + app_id + "'"));
  if (doc.has_relationship("builds") && !doc.relationships.at("builds").empty())
    return error_reply(no_build(doc.relationships.at("builds").front(), "/data/relationships/builds/data/0"));
  GroupRec g;
  g.id = e.state.new_uuid();
  g.app_id = app_id;
  g.created_date = e.now();
  g.is_internal = doc.attributes.value("isInternalGroup", false);
  g.has_access_to_all_builds = doc.attributes.value("hasAccessToAllBuilds", g.is_internal);
  if (g.has_access_to_all_builds && !g.is_internal)
    return error_reply(attribute_invalid("/data/attributes/hasAccessToAllBuilds",
                                         "Only internal groups can have access to all builds."));
  if (auto err = apply_group_attributes(e.state, g, doc.attributes)) return error_reply(*err);
  std::vector<std::string> testers;
  if (doc.has_relationship("betaTesters")) {
    testers = doc.relationships.at("betaTesters");
    if (auto err = check_can_join(e.state, g, testers, "/data/relationships/betaTesters/data"))
      return error_reply(*err);
  }
  const std::string id = g.id;
  e.state.put_group(std::move(g));
  for (const auto& t : testers) e.state.add_membership(id, t);
  Renderer r(e.state, c.query, c.base_url);
  return single_reply(c, r, r.group(e.state.groups.at(id)), 201);
}

Reply patch_group(Engine& e, Call& c) {
  auto it = e.state.groups.find(c.arg());
  if (it == e.state.groups.end()) return error_reply(not_found("betaGroups", c.arg()));
  DocSpec spec;
  spec.type = "betaGroups";
  spec.id_required = true;
  spec.attributes = group_update_attributes();
  auto parsed = parse_document(c.req.body, spec, c.arg());
  if (auto* errs = std::get_if<std::vector<ApiError>>(&parsed)) return error_reply(*errs);
  const auto& doc = std::get<RequestDoc>(parsed);
  GroupRec updated = it->second;
  if (auto err = apply_group_attributes(e.state, updated, doc.attributes)) return error_reply(*err);
  updated.testers = std::move(it->second.testers);
  it->second = std::move(updated);
  Renderer r(e.state, c.query, c.base_url);
  return single_reply(c, r, r.group(it->second));
}

Reply delete_group(Engine& e, Call& c) {
  if (!e.state.groups.contains(c.arg())) return error_reply(not_found("betaGroups", c.arg()));
  e.state.erase_group(c.arg());
  return no_content();
}

Reply group_testers(Engine& e, Call& c) {
  auto it = e.state.groups.find(c.arg());
  if (it == e.state.groups.end()) return error_reply(not_found("betaGroups", c.arg()));
  const auto& testers = e.state.testers;
  auto page = page_by_id<TesterRec>(
      it->second.testers,
      [&](const std::string& id) {
        auto t = testers.find(id);
        return t == testers.end() ? nullptr : &t->second;
      },
      [](const TesterRec&) { return true; }, false, c.query);
  Renderer r(e.state, c.query, c.base_url);
  return collection_reply(c, r, page, [&](const TesterRec& t) { return r.tester(t); });
}

Reply group_testers_linkage(Engine& e, Call& c) {
  auto it = e.state.groups.find(c.arg());
  if (it == e.state.groups.end()) return error_reply(not_found("betaGroups", c.arg()));
  return linkage_reply(c, "betaTesters", {it->second.testers.begin(), it->second.testers.end()});
}

Reply change_group_testers(Engine& e, Call& c, bool add) {
  auto it = e.state.groups.find(c.arg());
  if (it == e.state.groups.end()) return error_reply(not_found("betaGroups", c.arg()));
  auto parsed = parse_linkages(c.req.body, "betaTesters");
  if (auto* err = std::get_if<ApiError>(&parsed)) return error_reply(*err);
  const auto& ids = std::get<std::vector<std::string>>(parsed);
  if (add) {
    if (auto err = check_can_join(e.state, it->second, ids, "/data")) return error_reply(*err);
    for (const auto& t : ids) e.state.add_membership(c.arg(), t);
  } else {
    for (size_t i = 0; i < ids.size(); ++i)
      if (!e.state.testers.contains(ids[i]))
        return error_reply(
            relationship_invalid("/data/" + std::to_string(i),
                                 "There is no resource of type 'betaTesters' with id '" + ids[i] + "'"));
    for (const auto& t : ids) e.state.remove_membership(c.arg(), t);
  }
  return no_content();
}

// Builds are not modelled: every group and tester has none, and any build id is unknown.
Reply empty_builds(Engine& e, Call& c, bool group, bool linkage) {
  const bool exists = group ? e.state.groups.contains(c.arg()) : e.state.testers.contains(c.arg());
  if (!exists) return error_reply(not_found(group ? "betaGroups" : "betaTesters", c.arg()));
  if (linkage) return linkage_reply(c, "builds", {});
  nlohmann::json doc = {{"data", nlohmann::json::array()},
                        {"links", {{"self", self_url(c)}}},
                        {"meta", {{"paging", {{"total", 0}, {"limit", c.query.limit}}}}}};
  return json_reply(200, doc);
}

Reply change_builds(Engine& e, Call& c, bool group) {
  const bool exists = group ? e.state.groups.contains(c.arg()) : e.state.testers.contains(c.arg());
  if (!exists) return error_reply(not_found(group ? "betaGroups" : "betaTesters", c.arg()));
  auto parsed = parse_linkages(c.req.body, "builds");
  if (auto* err = std::get_if<ApiError>(&parsed)) return error_reply(*err);
  const auto& ids = std::get<std::vector<std::string>>(parsed);
  if (!ids.empty()) return error_reply(no_build(ids.front(), "/data/0"));
  return no_content();
}

// --- beta testers ------------------------------------------------------------------------

Reply list_testers(Engine& e, Call& c) {
  const auto& q = c.query;
  const auto& st = e.state;
  Renderer r(st, q, c.base_url);
  auto render = [&](const TesterRec& t) { return r.tester(t); };
  // Fast path: the members of one group, in id order, straight from the group's index.
  auto by_group = q.filters.find("betaGroups");
  if (q.sort.empty() && q.filters.size() == 1 && by_group != q.filters.end() &&
      by_group->second.size() == 1) {
    auto g = st.groups.find(by_group->second.front());
    static const std::set<std::string> k_empty;
    const auto& members = g == st.groups.end() ? k_empty : g->second.testers;
    auto page = page_by_id<TesterRec>(
        members,
        [&](const std::string& id) {
          auto t = st.testers.find(id);
          return t == st.testers.end() ? nullptr : &t->second;
        },
        [](const TesterRec&) { return true; }, false, q);
    return collection_reply(c, r, page, render);
  }
  // Fast path: the testers of one app, in id order, from the per-app index.
  auto by_app = q.filters.find("apps");
  if (q.sort.empty() && q.filters.size() == 1 && by_app != q.filters.end() && by_app->second.size() == 1) {
    auto page = page_by_id<TesterRec>(
        st.app_testers(by_app->second.front()),
        [&](const std::pair<const std::string, int>& entry) {
          auto t = st.testers.find(entry.first);
          return t == st.testers.end() ? nullptr : &t->second;
        },
        [](const TesterRec&) { return true; }, false, q);
    return collection_reply(c, r, page, render);
  }
  std::set<std::string> app_filter;
  if (auto a = q.filters.find("apps"); a != q.filters.end())
    app_filter = {a->second.begin(), a->second.end()};
  auto keep = [&](const TesterRec& t) {
    if (q.filters.contains("builds")) return false;
    if (!filter_allows(q, "firstName", t.first_name) || !filter_allows(q, "lastName", t.last_name) ||
        !filter_allows_email(q, "email", t.email) || !filter_allows(q, "inviteType", t.invite_type) ||
        !filter_allows(q, "id", t.id))
      return false;
    if (by_group != q.filters.end() &&
        std::none_of(by_group->second.begin(), by_group->second.end(),
                     [&](const std::string& g) { return t.groups.contains(g); }))
      return false;
    if (!app_filter.empty()) {
      bool any = false;
      for (const auto& g : t.groups) {
        auto gi = st.groups.find(g);
        if (gi != st.groups.end() && app_filter.contains(gi->second.app_id)) {
          any = true;
          break;
        }
      }
      if (!any) return false;
    }
    return true;
  };
  auto key = [&](const TesterRec& t) -> std::string {
    if (q.sort == "firstName") return t.first_name;
    if (q.sort == "lastName") return t.last_name;
    if (q.sort == "email") return core::email_key(t.email);
    if (q.sort == "inviteType") return t.invite_type;
    return t.state;
  };
  auto page = page_map<TesterRec>(st.testers, q, !q.filters.empty(), keep, key);
  return collection_reply(c, r, page, render);
}

Reply get_tester(Engine& e, Call& c) {
  auto it = e.state.testers.find(c.arg());
  if (it == e.state.testers.end()) return error_reply(not_found("betaTesters", c.arg()));
  Renderer r(e.state, c.query, c.base_url);
  return single_reply(c, r, r.tester(it->second));
}

Reply create_tester(Engine& e, Call& c) {
  DocSpec spec;
  spec.type = "betaTesters";
  spec.attributes_required = true;
  spec.attributes = {{"email", {AttrType::string, true, {}}},
                     {"firstName", {AttrType::string}},
                     {"lastName", {AttrType::string}}};
  spec.relationships = {{"betaGroups", {RelKind::to_many, "betaGroups", false}},
                        {"builds", {RelKind::to_many, "builds", false}}};
  auto parsed = parse_document(c.req.body, spec);
  if (auto* errs = std::get_if<std::vector<ApiError>>(&parsed)) return error_reply(*errs);
  const auto& doc = std::get<RequestDoc>(parsed);
  const std::string email = doc.attributes["email"].get<std::string>();
  if (!plausible_email(email))
    return error_reply(
        attribute_invalid("/data/attributes/email", "'" + email + "' is not a valid email address."));
  if (e.state.tester_by_email.contains(core::email_key(email)))
    return error_reply(duplicate_error("/data/attributes/email",
                                       "A beta tester with the email '" + email + "' already exists."));
  if (doc.has_relationship("builds") && !doc.relationships.at("builds").empty())
    return error_reply(no_build(doc.relationships.at("builds").front(), "/data/relationships/builds/data/0"));
  std::vector<std::string> groups;
  if (doc.has_relationship("betaGroups")) groups = doc.relationships.at("betaGroups");
  TesterRec t;
  t.id = e.state.new_uuid();
  t.email = email;
  if (doc.attributes.contains("firstName") && doc.attributes["firstName"].is_string())
    t.first_name = doc.attributes["firstName"].get<std::string>();
  if (doc.attributes.contains("lastName") && doc.attributes["lastName"].is_string())
    t.last_name = doc.attributes["lastName"].get<std::string>();
  // Validate membership as if the tester existed already.
  for (size_t i = 0; i < groups.size(); ++i) {
    auto g = e.state.groups.find(groups[i]);
    if (g == e.state.groups.end())
      return error_reply(
          relationship_invalid("/data/relationships/betaGroups/data/" + std::to_string(i),
                               "There is no resource of type 'betaGroups' with id '" + groups[i] + "'"));
    if (g->second.is_internal && !e.state.user_by_email.contains(core::email_key(email)))
      return error_reply(
          state_error("Internal groups accept only members of the team; '" + email + "' is not a team user.",
                      "/data/relationships/betaGroups/data/" + std::to_string(i)));
    if (!g->second.is_internal && e.state.external_tester_count(g->second.app_id) >= k_max_external_testers)
      return error_reply(state_error("The app has reached the limit of 10,000 external testers."));
  }
  t.groups = {groups.begin(), groups.end()};
  const std::string id = t.id;
  e.state.put_tester(std::move(t));
  Renderer r(e.state, c.query, c.base_url);
  return single_reply(c, r, r.tester(e.state.testers.at(id)), 201);
}

Reply delete_tester(Engine& e, Call& c) {
  if (!e.state.testers.contains(c.arg())) return error_reply(not_found("betaTesters", c.arg()));
  e.state.erase_tester(c.arg());
  return no_content();
}

Reply tester_groups(Engine& e, Call& c) {
  auto it = e.state.testers.find(c.arg());
  if (it == e.state.testers.end()) return error_reply(not_found("betaTesters", c.arg()));
  auto page =
      page_ids<GroupRec>(e.state.groups, {it->second.groups.begin(), it->second.groups.end()}, c.query);
  Renderer r(e.state, c.query, c.base_url);
  return collection_reply(c, r, page, [&](const GroupRec& g) { return r.group(g); });
}

Reply tester_groups_linkage(Engine& e, Call& c) {
  auto it = e.state.testers.find(c.arg());
  if (it == e.state.testers.end()) return error_reply(not_found("betaTesters", c.arg()));
  return linkage_reply(c, "betaGroups", {it->second.groups.begin(), it->second.groups.end()});
}

Reply change_tester_groups(Engine& e, Call& c, bool add) {
  if (!e.state.testers.contains(c.arg())) return error_reply(not_found("betaTesters", c.arg()));
  auto parsed = parse_linkages(c.req.body, "betaGroups");
  if (auto* err = std::get_if<ApiError>(&parsed)) return error_reply(*err);
  const auto& ids = std::get<std::vector<std::string>>(parsed);
  for (size_t i = 0; i < ids.size(); ++i) {
    auto g = e.state.groups.find(ids[i]);
    if (g == e.state.groups.end())
      return error_reply(
          relationship_invalid("/data/" + std::to_string(i),
                               "There is no resource of type 'betaGroups' with id '" + ids[i] + "'"));
    if (add)
      if (auto err = check_can_join(e.state, g->second, {c.arg()}, "/data/" + std::to_string(i)))
        return error_reply(*err);
  }
  for (const auto& g : ids) {
    if (add)
      e.state.add_membership(g, c.arg());
    else
      e.state.remove_membership(g, c.arg());
  }
  return no_content();
}

Reply tester_apps(Engine& e, Call& c) {
  auto it = e.state.testers.find(c.arg());
  if (it == e.state.testers.end()) return error_reply(not_found("betaTesters", c.arg()));
  auto page = page_ids<AppRec>(e.state.apps, e.state.tester_apps(it->second), c.query);
  Renderer r(e.state, c.query, c.base_url);
  return collection_reply(c, r, page, [&](const AppRec& a) { return r.app(a); });
}

Reply tester_apps_linkage(Engine& e, Call& c) {
  auto it = e.state.testers.find(c.arg());
  if (it == e.state.testers.end()) return error_reply(not_found("betaTesters", c.arg()));
  return linkage_reply(c, "apps", e.state.tester_apps(it->second));
}

Reply remove_tester_apps(Engine& e, Call& c) {
  auto it = e.state.testers.find(c.arg());
  if (it == e.state.testers.end()) return error_reply(not_found("betaTesters", c.arg()));
  auto parsed = parse_linkages(c.req.body, "apps");
  if (auto* err = std::get_if<ApiError>(&parsed)) return error_reply(*err);
  const auto& ids = std::get<std::vector<std::string>>(parsed);
  for (size_t i = 0; i < ids.size(); ++i)
    if (!e.state.apps.contains(ids[i]))
      return error_reply(relationship_invalid(
          "/data/" + std::to_string(i), "There is no resource of type 'apps' with id '" + ids[i] + "'"));
  for (const auto& app : ids)
    for (const auto& g : e.state.app_groups(app)) e.state.remove_membership(g, c.arg());
  return no_content();
}

// --- beta tester invitations -------------------------------------------------------------

Reply create_tester_invitation(Engine& e, Call& c) {
  DocSpec spec;
  spec.type = "betaTesterInvitations";
  spec.relationships = {{"app", {RelKind::to_one, "apps", true}},
                        {"betaTester", {RelKind::to_one, "betaTesters", true}}};
  auto parsed = parse_document(c.req.body, spec);
  if (auto* errs = std::get_if<std::vector<ApiError>>(&parsed)) return error_reply(*errs);
  const auto& doc = std::get<RequestDoc>(parsed);
  const std::string app_id = doc.relationships.at("app").front();
  const std::string tester_id = doc.relationships.at("betaTester").front();
  if (!e.state.apps.contains(app_id))
    return error_reply(relationship_invalid("/data/relationships/app/data",
                                            "There is no resource of type 'apps' with id '" + app_id + "'"));
  auto t = e.state.testers.find(tester_id);
  if (t == e.state.testers.end())
    return error_reply(
        relationship_invalid("/data/relationships/betaTester/data",
                             "There is no resource of type 'betaTesters' with id '" + tester_id + "'"));
  const auto apps = e.state.tester_apps(t->second);
  if (std::find(apps.begin(), apps.end(), app_id) == apps.end())
    return error_reply(state_error("The beta tester is not in a beta group of this app.",
                                   "/data/relationships/betaTester/data"));
  if (t->second.state == "NOT_INVITED" || t->second.state == "REVOKED") t->second.state = "INVITED";
  nlohmann::json data = {{"type", "betaTesterInvitations"}, {"id", e.state.new_uuid()}};
  data["links"] = {{"self", c.base_url + "/v1/betaTesterInvitations/" + data["id"].get<std::string>()}};
  nlohmann::json out = {{"data", data}, {"links", {{"self", data["links"]["self"]}}}};
  Reply r = json_reply(201, out);
  r.headers.emplace_back("Location", data["links"]["self"].get<std::string>());
  return r;
}

}  // namespace

void add_testflight_routes(std::vector<Route>& routes) {
  const Access tf = Access::testflight;
  routes.push_back({"GET", "/v1/apps", Access::any, apps_spec(true), list_apps});
  routes.push_back({"GET", "/v1/apps/{id}", Access::any, apps_spec(false), get_app});
  routes.push_back({"GET", "/v1/apps/{id}/betaGroups", Access::any, related("betaGroups"), app_groups});
  routes.push_back({"DELETE", "/v1/apps/{id}/relationships/betaTesters", tf, {}, remove_app_testers});

  routes.push_back({"GET", "/v1/betaGroups", tf, groups_spec(true), list_groups});
  routes.push_back({"POST", "/v1/betaGroups", tf, {}, create_group});
  routes.push_back({"GET", "/v1/betaGroups/{id}", tf, groups_spec(false), get_group});
  routes.push_back({"PATCH", "/v1/betaGroups/{id}", tf, {}, patch_group});
  routes.push_back({"DELETE", "/v1/betaGroups/{id}", tf, {}, delete_group});
  routes.push_back({"GET", "/v1/betaGroups/{id}/betaTesters", tf, related("betaTesters"), group_testers});
  routes.push_back({"GET", "/v1/betaGroups/{id}/relationships/betaTesters", tf, linkage_collection(),
                    group_testers_linkage});
  routes.push_back({"POST", "/v1/betaGroups/{id}/relationships/betaTesters", tf, {}, [](Engine& e, Call& c) {
                      return change_group_testers(e, c, true);
                    }});
  routes.push_back(
      {"DELETE", "/v1/betaGroups/{id}/relationships/betaTesters", tf, {}, [](Engine& e, Call& c) {
         return change_group_testers(e, c, false);
       }});
  routes.push_back({"GET", "/v1/betaGroups/{id}/builds", tf, related("builds"),
                    [](Engine& e, Call& c) { return empty_builds(e, c, true, false); }});
  routes.push_back({"GET", "/v1/betaGroups/{id}/relationships/builds", tf, linkage_collection(),
                    [](Engine& e, Call& c) { return empty_builds(e, c, true, true); }});
  routes.push_back({"POST", "/v1/betaGroups/{id}/relationships/builds", tf, {}, [](Engine& e, Call& c) {
                      return change_builds(e, c, true);
                    }});
  routes.push_back({"DELETE", "/v1/betaGroups/{id}/relationships/builds", tf, {}, [](Engine& e, Call& c) {
                      return change_builds(e, c, true);
                    }});

  routes.push_back({"GET", "/v1/betaTesters", tf, testers_spec(true), list_testers});
  routes.push_back({"POST", "/v1/betaTesters", tf, {}, create_tester});
  routes.push_back({"GET", "/v1/betaTesters/{id}", tf, testers_spec(false), get_tester});
  routes.push_back({"DELETE", "/v1/betaTesters/{id}", tf, {}, delete_tester});
  routes.push_back({"GET", "/v1/betaTesters/{id}/betaGroups", tf, related("betaGroups"), tester_groups});
  routes.push_back({"GET", "/v1/betaTesters/{id}/relationships/betaGroups", tf, linkage_collection(),
                    tester_groups_linkage});
  routes.push_back({"POST", "/v1/betaTesters/{id}/relationships/betaGroups", tf, {}, [](Engine& e, Call& c) {
                      return change_tester_groups(e, c, true);
                    }});
  routes.push_back(
      {"DELETE", "/v1/betaTesters/{id}/relationships/betaGroups", tf, {}, [](Engine& e, Call& c) {
         return change_tester_groups(e, c, false);
       }});
  routes.push_back({"GET", "/v1/betaTesters/{id}/apps", tf, related("apps"), tester_apps});
  routes.push_back(
      {"GET", "/v1/betaTesters/{id}/relationships/apps", tf, linkage_collection(), tester_apps_linkage});
  routes.push_back({"DELETE", "/v1/betaTesters/{id}/relationships/apps", tf, {}, remove_tester_apps});
  routes.push_back({"GET", "/v1/betaTesters/{id}/builds", tf, related("builds"),
                    [](Engine& e, Call& c) { return empty_builds(e, c, false, false); }});
  routes.push_back({"GET", "/v1/betaTesters/{id}/relationships/builds", tf, linkage_collection(),
                    [](Engine& e, Call& c) { return empty_builds(e, c, false, true); }});
  routes.push_back({"POST", "/v1/betaTesters/{id}/relationships/builds", tf, {}, [](Engine& e, Call& c) {
                      return change_builds(e, c, false);
                    }});
  routes.push_back({"DELETE", "/v1/betaTesters/{id}/relationships/builds", tf, {}, [](Engine& e, Call& c) {
                      return change_builds(e, c, false);
                    }});

  routes.push_back({"POST", "/v1/betaTesterInvitations", tf, {}, create_tester_invitation});
}

}  // namespace sim
