#include <algorithm>
#include <functional>
#include <map>

#include "asc/api.hpp"
#include "asc/decode.hpp"
#include "asc/http_error.hpp"
#include "util/strings.hpp"

namespace asc {

namespace {

const std::string k_limit = std::to_string(k_page_limit);
const std::string k_include = std::to_string(k_include_limit);
constexpr long long k_reserve_cap = 1'000'000;  // items reserved up front, at most

template <typename T>
using Decoder = util::Result<T> (*)(const Json&, DecodeMode);

// Every id of a to-many relationship, listed on its own (linkage or full-object pages).
util::Result<std::vector<std::string>> list_ids(Client& client, const std::string& route,
                                                const std::string& path, const char* type, CallStats* stats) {
  std::vector<std::string> ids;
  auto st = client.for_each_page(
      route, path,
      [&](const Json& page) -> util::Status {
        auto got = linkage_ids(page, type);
        if (!got) return got.error();
        ids.insert(ids.end(), got->begin(), got->end());
        return util::ok_status();
      },
      stats);
  if (!st) return st.error();
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

// Lists a collection into objects sorted by id. A resource seen twice (data moving between
// pages while we walk) keeps its latest version. When `to_many` is set and a resource's
// relationship says it holds more than was included, `complete` fetches the rest.
template <typename T>
util::Result<std::vector<T>> list_resources(Client& client, const std::string& route, const std::string& path,
                                            Decoder<T> decode, const char* to_many,
                                            const std::function<util::Status(T&)>& complete, FetchStats* fs,
                                            CallStats* stats) {
  // In arrival order; sorted by id below, the latest of a repeated id kept. A vector instead of
  // a map: no node and a key copy per resource.
  std::vector<T> listed;
  std::vector<std::string> truncated;
  auto st = client.for_each_page(
      route, path,
      [&](const Json& page) -> util::Status {
        // Room for the whole listing at once when the first page announces its size (a hint:
        // capped, and a wrong total only costs a reallocation).
        if (listed.empty())
          if (const auto paging = collection_paging(page))
            listed.reserve(static_cast<size_t>(std::clamp(paging->total, 0LL, k_reserve_cap)));
        for (const auto& item : page.at("data")) {
          auto obj = decode(item, DecodeMode::listing);
          if (!obj) return obj.error();
          if (to_many && to_many_truncated(item, to_many)) truncated.push_back(obj->id);
          listed.push_back(std::move(*obj));
        }
        return util::ok_status();
      },
      stats);
  if (!st) return st.error();
  // Stable: among equal ids the later one stays later, and is the one kept. Listings usually
  // arrive in id order already, and then need no sort (nor stable_sort's buffer).
  const auto by_id = [](const T& a, const T& b) { return a.id < b.id; };
  if (!std::is_sorted(listed.begin(), listed.end(), by_id))
    std::stable_sort(listed.begin(), listed.end(), by_id);
  // Keep the last of each run of equal ids, in place.
  size_t kept = 0;
  for (size_t i = 0; i < listed.size(); ++i) {
    if (i + 1 < listed.size() && listed[i + 1].id == listed[i].id) continue;
    if (kept != i) listed[kept] = std::move(listed[i]);
    ++kept;
  }
  listed.resize(kept);
  std::vector<T> out = std::move(listed);
  std::sort(truncated.begin(), truncated.end());
  truncated.erase(std::unique(truncated.begin(), truncated.end()), truncated.end());
  for (const auto& id : truncated) {
    if (fs) ++fs->follow_ups;
    auto it = std::lower_bound(out.begin(), out.end(), id,
                               [](const T& a, const std::string& b) { return a.id < b; });
    if (auto done = complete(*it); !done) return done.error();
  }
  return out;
}

std::string id_path(const std::string& collection, const std::string& id, const std::string& rest = "") {
  return "/v1/" + collection + "/" + util::url_encode(id) + rest;
}

template <typename T>
util::Status take(util::Result<std::vector<T>> listed, std::vector<T>& into) {
  if (!listed) return std::move(listed).error();
  into = std::move(*listed);
  return util::ok_status();
}

}  // namespace

Api::Api(std::unique_ptr<Client> client) : m_client(std::move(client)) {}

util::Result<std::unique_ptr<Api>> Api::create(Credentials credentials, ClientOptions options) {
  auto client = Client::create(std::move(credentials), std::move(options));
  if (!client) return std::move(client).error();
  return std::make_unique<Api>(std::move(*client));
}

util::Result<std::vector<core::App>> Api::list_apps(CallStats* stats) {
  const std::string path =
      "/v1/apps" + Query().add("limit", k_limit).add("fields[apps]", "bundleId,name,sku").str();
  return list_resources<core::App>(*m_client, "GET /v1/apps", path, decode_app, nullptr, {}, nullptr, stats);
}

util::Result<std::vector<core::User>> Api::list_users(Query filter, FetchStats* fs, CallStats* stats) {
  filter.add("limit", k_limit)
      .add("fields[users]",
           "username,firstName,lastName,roles,allAppsVisible,provisioningAllowed,visibleApps")
      .add("include", "visibleApps")
      .add("limit[visibleApps]", k_include)
      .add("fields[apps]", "bundleId");
  return list_resources<core::User>(
      *m_client, "GET /v1/users", "/v1/users" + filter.str(), decode_user, "visibleApps",
      [&](core::User& u) -> util::Status {
        auto ids = list_ids(
            *m_client, "GET /v1/users/{id}/relationships/visibleApps",
            id_path("users", u.id, "/relationships/visibleApps") + Query().add("limit", k_limit).str(),
            "apps", stats);
        if (!ids) return std::move(ids).error();
        u.visible_app_ids = std::move(*ids);
        return util::ok_status();
      },
      fs, stats);
}

util::Result<std::vector<core::Invitation>> Api::list_invitations(Query filter, FetchStats* fs,
                                                                  CallStats* stats) {
  filter.add("limit", k_limit)
      .add("fields[userInvitations]",
           "email,firstName,lastName,expirationDate,roles,allAppsVisible,provisioningAllowed,visibleApps")
      .add("include", "visibleApps")
      .add("limit[visibleApps]", k_include)
      .add("fields[apps]", "bundleId");
  return list_resources<core::Invitation>(
      *m_client, "GET /v1/userInvitations", "/v1/userInvitations" + filter.str(), decode_invitation,
      "visibleApps",
      [&](core::Invitation& inv) -> util::Status {
        // 3.8.0 has no linkage-only listing for invitations; the related listing carries ids too.
        auto ids = list_ids(*m_client, "GET /v1/userInvitations/{id}/visibleApps",
                            id_path("userInvitations", inv.id, "/visibleApps") +
                                Query().add("limit", k_limit).add("fields[apps]", "bundleId").str(),
                            "apps", stats);
        if (!ids) return std::move(ids).error();
        inv.visible_app_ids = std::move(*ids);
        return util::ok_status();
      },
      fs, stats);
}

util::Result<std::vector<core::BetaGroup>> Api::list_groups(Query filter, CallStats* stats) {
  filter.add("limit", k_limit)
      .add("fields[betaGroups]",
           "name,createdDate,isInternalGroup,hasAccessToAllBuilds,publicLinkEnabled,publicLinkLimitEnabled,"
           "publicLinkLimit,publicLink,feedbackEnabled,app")
      .add("include", "app")
      .add("fields[apps]", "bundleId");
  return list_resources<core::BetaGroup>(*m_client, "GET /v1/betaGroups", "/v1/betaGroups" + filter.str(),
                                         decode_beta_group, nullptr, {}, nullptr, stats);
}

util::Result<std::vector<core::BetaTester>> Api::list_testers(Query filter, FetchStats* fs,
                                                              CallStats* stats) {
  filter.add("limit", k_limit)
      .add("fields[betaTesters]", "email,firstName,lastName,inviteType,state,betaGroups")
      .add("include", "betaGroups")
      .add("limit[betaGroups]", k_include)
      .add("fields[betaGroups]", "name");
  return list_resources<core::BetaTester>(
      *m_client, "GET /v1/betaTesters", "/v1/betaTesters" + filter.str(), decode_beta_tester, "betaGroups",
      [&](core::BetaTester& t) -> util::Status {
        auto ids = list_ids(
            *m_client, "GET /v1/betaTesters/{id}/relationships/betaGroups",
            id_path("betaTesters", t.id, "/relationships/betaGroups") + Query().add("limit", k_limit).str(),
            "betaGroups", stats);
        if (!ids) return std::move(ids).error();
        t.group_ids = std::move(*ids);
        return util::ok_status();
      },
      fs, stats);
}

util::Result<std::vector<core::Certificate>> Api::list_certificates_impl(CallStats* stats) {
  // Never certificateContent: it is large and the watcher needs only dates and serials.
  const std::string path =
      "/v1/certificates" +
      Query()
          .add("limit", k_limit)
          .add("fields[certificates]",
               "name,certificateType,displayName,serialNumber,platform,expirationDate,activated")
          .str();
  return list_resources<core::Certificate>(*m_client, "GET /v1/certificates", path, decode_certificate,
                                           nullptr, {}, nullptr, stats);
}

util::Result<std::vector<core::Profile>> Api::list_profiles(FetchStats* fs, CallStats* stats) {
  const std::string path =
      "/v1/profiles" +
      Query()
          .add("limit", k_limit)
          .add("fields[profiles]",
               "name,platform,profileType,profileState,uuid,createdDate,expirationDate,bundleId,"
               "certificates")
          .add("include", "bundleId,certificates")
          .add("limit[certificates]", k_include)
          .add("fields[bundleIds]", "identifier")
          .add("fields[certificates]", "serialNumber")
          .str();
  return list_resources<core::Profile>(
      *m_client, "GET /v1/profiles", path, decode_profile, "certificates",
      [&](core::Profile& p) -> util::Status {
        auto ids =
            list_ids(*m_client, "GET /v1/profiles/{id}/certificates",
                     id_path("profiles", p.id, "/certificates") +
                         Query().add("limit", k_limit).add("fields[certificates]", "serialNumber").str(),
                     "certificates", stats);
        if (!ids) return std::move(ids).error();
        p.certificate_ids = std::move(*ids);
        return util::ok_status();
      },
      fs, stats);
}

util::Result<core::Snapshot> Api::fetch_snapshot(FetchStats* stats) {
  return fetch_snapshot(ReadSet::all(), stats);
}

util::Result<core::Snapshot> Api::fetch_snapshot(const ReadSet& read, FetchStats* stats) {
  const auto started = std::chrono::steady_clock::now();
  FetchStats local;
  FetchStats& fs = stats ? *stats : local;
  fs = FetchStats{};
  CallStats calls;
  core::Snapshot snap;
  // One kind: skipped, listed, or (if_allowed) left out on a 403.
  const auto kind = [&](ReadNeed need, const char* name, auto&& list, auto& into) -> util::Status {
    if (need == ReadNeed::skip) {
      fs.not_read[name] = "not managed by the desired state";
      return util::ok_status();
    }
    auto listed = list();
    if (!listed && need == ReadNeed::if_allowed && listed.error().http_status == 403) {
      fs.not_read[name] = "the key's role may not read " + std::string(name) + " (" +
                          access_for_route(std::string("/v1/") + name).role + " needed)";
      return util::ok_status();
    }
    return take(std::move(listed), into);
  };
  // Sequential on purpose: one in flight per key is what Apple tolerates best, and the first
  // failure stops the walk (the snapshot would be discarded anyway).
  util::Status st = kind(
      read.apps, "apps", [&] { return list_apps(&calls); }, snap.apps);
  if (st)
    st = kind(
        read.users, "users", [&] { return list_users(Query(), &fs, &calls); }, snap.users);
  if (st)
    st = kind(
        read.invitations, "invitations", [&] { return list_invitations(Query(), &fs, &calls); },
        snap.invitations);
  if (st)
    st = kind(
        read.groups, "groups", [&] { return list_groups(Query(), &calls); }, snap.groups);
  if (st)
    st = kind(
        read.testers, "testers", [&] { return list_testers(Query(), &fs, &calls); }, snap.testers);
  if (st)
    st = kind(
        read.certificates, "certificates", [&] { return list_certificates_impl(&calls); }, snap.certificates);
  if (st) {
    // Profiles need the same access as certificates: no second 403.
    ReadNeed profiles = read.profiles;
    if (fs.not_read.count("certificates") && profiles == ReadNeed::if_allowed) profiles = ReadNeed::skip;
    st = kind(
        profiles, "profiles", [&] { return list_profiles(&fs, &calls); }, snap.profiles);
    if (profiles != read.profiles) fs.not_read["profiles"] = fs.not_read["certificates"];
  }
  fs.requests = calls.requests;
  fs.pages = calls.pages;
  fs.retries = calls.retries;
  fs.elapsed =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  if (!st) {
    util::Error err = std::move(st).error();
    err.message = "snapshot incomplete, nothing returned: " + err.message;
    return err;
  }
  snap.normalize();
  return snap;
}

util::Result<std::vector<core::Certificate>> Api::list_certificates() {
  return list_certificates_impl(nullptr);
}

namespace {

// The one object whose natural key matches, among what a filtered listing returned (Apple's
// filters may match loosely, e.g. by prefix or without case).
template <typename T, typename Key>
util::Result<std::optional<T>> pick(util::Result<std::vector<T>> listed, Key matches) {
  if (!listed) return std::move(listed).error();
  for (auto& obj : *listed)
    if (matches(obj)) return std::optional<T>(std::move(obj));
  return std::optional<T>();
}

}  // namespace

util::Result<std::optional<core::Invitation>> Api::find_user_invitation_by_email(const std::string& email) {
  const std::string key = core::email_key(email);
  return pick(list_invitations(Query().add("filter[email]", util::trim(email)), nullptr, nullptr),
              [&](const core::Invitation& i) { return core::email_key(i.email) == key; });
}

util::Result<std::optional<core::User>> Api::find_user_by_email(const std::string& email) {
  const std::string key = core::email_key(email);
  return pick(list_users(Query().add("filter[username]", util::trim(email)), nullptr, nullptr),
              [&](const core::User& u) { return core::email_key(u.username) == key; });
}

util::Result<std::optional<core::BetaTester>> Api::find_beta_tester_by_email(const std::string& email) {
  const std::string key = core::email_key(email);
  return pick(list_testers(Query().add("filter[email]", util::trim(email)), nullptr, nullptr),
              [&](const core::BetaTester& t) { return core::email_key(t.email) == key; });
}

util::Result<std::optional<core::BetaGroup>> Api::find_beta_group(const std::string& app_id,
                                                                  const std::string& name) {
  Query q;
  q.add("filter[app]", app_id);
  // filter values are comma-separated lists: a name with a comma can only be matched locally.
  if (name.find(',') == std::string::npos) q.add("filter[name]", name);
  return pick(list_groups(std::move(q), nullptr),
              [&](const core::BetaGroup& g) { return g.app_id == app_id && g.name == name; });
}

}  // namespace asc
