#include "sim/query.hpp"

#include <charconv>
#include <nlohmann/json.hpp>

#include "util/crypto.hpp"
#include "util/strings.hpp"

namespace sim {

namespace {

const std::map<std::string, std::vector<std::string>>& field_table() {
  static const std::map<std::string, std::vector<std::string>> k_fields = {
      {"users",
       {"username", "firstName", "lastName", "roles", "allAppsVisible", "provisioningAllowed",
        "visibleApps"}},
      {"userInvitations",
       {"email", "firstName", "lastName", "expirationDate", "roles", "allAppsVisible", "provisioningAllowed",
        "visibleApps"}},
      {"apps",
       {"name",
        "bundleId",
        "sku",
        "primaryLocale",
        "isOrEverWasMadeForKids",
        "subscriptionStatusUrl",
        "subscriptionStatusUrlVersion",
        "subscriptionStatusUrlForSandbox",
        "subscriptionStatusUrlVersionForSandbox",
        "contentRightsDeclaration",
        "streamlinedPurchasingEnabled",
        "appEncryptionDeclarations",
        "ciProduct",
        "betaTesters",
        "betaGroups",
        "appStoreVersions",
        "preReleaseVersions",
        "betaAppLocalizations",
        "builds",
        "betaLicenseAgreement",
        "betaAppReviewDetail",
        "appInfos",
        "appClips",
        "appPricePoints",
        "endUserLicenseAgreement",
        "appPriceSchedule",
        "appAvailabilityV2",
        "inAppPurchases",
        "subscriptionGroups",
        "gameCenterEnabledVersions",
        "perfPowerMetrics",
        "appCustomProductPages",
        "inAppPurchasesV2",
        "promotedPurchases",
        "appEvents",
        "reviewSubmissions",
        "subscriptionGracePeriod",
        "customerReviews",
        "gameCenterDetail",
        "appStoreVersionExperimentsV2",
        "alternativeDistributionKey",
        "analyticsReportRequests",
        "marketplaceSearchDetail"}},
      {"betaGroups",
       {"name", "createdDate", "isInternalGroup", "hasAccessToAllBuilds", "publicLinkEnabled", "publicLinkId",
        "publicLinkLimitEnabled", "publicLinkLimit", "publicLink", "feedbackEnabled",
        "iosBuildsAvailableForAppleSiliconMac", "iosBuildsAvailableForAppleVision", "app", "builds",
        "betaTesters", "betaRecruitmentCriteria", "betaRecruitmentCriterionCompatibleBuildCheck"}},
      {"betaTesters",
       {"firstName", "lastName", "email", "inviteType", "state", "apps", "betaGroups", "builds"}},
      {"certificates",
       {"name", "certificateType", "displayName", "serialNumber", "platform", "expirationDate",
        "certificateContent", "activated"}},
      {"profiles",
       {"name", "platform", "profileType", "profileState", "profileContent", "uuid", "createdDate",
        "expirationDate", "bundleId", "devices", "certificates"}},
      {"bundleIds", {"name", "platform", "identifier", "seedId", "profiles", "bundleIdCapabilities", "app"}},
      {"devices", {"name", "platform", "udid", "deviceClass", "status", "model", "addedDate"}},
  };
  return k_fields;
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// "filter[roles]" -> ("filter", "roles"); "limit" -> ("limit", "").
std::pair<std::string, std::string> split_bracket(const std::string& name) {
  const size_t open = name.find('[');
  if (open == std::string::npos || name.back() != ']') return {name, ""};
  return {name.substr(0, open), name.substr(open + 1, name.size() - open - 2)};
}

std::optional<int> parse_int(const std::string& s) {
  int v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::vector<std::string> comma_list(const std::string& raw) {
  std::vector<std::string> out;
  for (auto& part : util::split(raw, ','))
    if (!part.empty()) out.push_back(part);
  return out;
}

}  // namespace

const std::vector<std::string>* known_fields(const std::string& type) {
  auto it = field_table().find(type);
  return it == field_table().end() ? nullptr : &it->second;
}

std::variant<Query, ApiError> parse_query(const std::multimap<std::string, std::string>& params,
                                          const QuerySpec& spec) {
  Query q;
  for (const auto& [name, raw] : params) {
    const auto [base, inner] = split_bracket(name);
    const std::vector<std::string> values = comma_list(raw);
    if (base == "filter" && !inner.empty()) {
      auto it = spec.filters.find(inner);
      if (it == spec.filters.end())
        return parameter_illegal(name, "The parameter '" + name + "' can not be used with this request");
      if (values.empty()) return parameter_invalid(name, "The parameter '" + name + "' requires a value");
      for (const auto& v : values)
        if (!it->second.empty() && !contains(it->second, v))
          return parameter_invalid(name, "'" + v + "' is not a valid value for the parameter '" + name + "'");
      auto& dst = q.filters[inner];
      dst.insert(dst.end(), values.begin(), values.end());
    } else if (base == "fields" && !inner.empty()) {
      if (!contains(spec.fields, inner))
        return parameter_illegal(name, "The parameter '" + name + "' can not be used with this request");
      const auto* known = known_fields(inner);
      for (const auto& v : values)
        if (known != nullptr && !contains(*known, v))
          return parameter_invalid(name,
                                   "'" + v + "' is not a valid field name for the parameter '" + name + "'");
      q.fields[inner].insert(values.begin(), values.end());
    } else if (base == "include" && inner.empty()) {
      if (spec.includes.empty())
        return parameter_illegal(name, "The parameter 'include' can not be used with this request");
      for (const auto& v : values)
        if (!contains(spec.includes, v))
          return parameter_invalid(
              name, "'" + v + "' is not a valid relationship name for the parameter 'include'");
      q.includes.insert(values.begin(), values.end());
    } else if (base == "limit" && !inner.empty()) {
      auto it = spec.include_limits.find(inner);
      if (it == spec.include_limits.end())
        return parameter_illegal(name, "The parameter '" + name + "' can not be used with this request");
      auto v = parse_int(raw);
      if (!v || *v < 1 || *v > it->second)
        return parameter_invalid(name, "'" + raw + "' is not a valid value for the parameter '" + name +
                                           "'. The value must be an integer between 1 and " +
                                           std::to_string(it->second) + ".");
      q.include_limits[inner] = *v;
    } else if (name == "limit" && spec.collection) {
      auto v = parse_int(raw);
      if (!v || *v < 1 || *v > 200)
        return parameter_invalid(
            "limit",
            "'" + raw +
                "' is not a valid value for the parameter 'limit'. The maximum allowed value is 200.");
      q.limit = *v;
      q.limit_given = true;
    } else if (name == "sort" && !spec.sorts.empty()) {
      std::string s = raw;
      bool desc = false;
      if (!s.empty() && s[0] == '-') {
        desc = true;
        s.erase(0, 1);
      }
      if (!contains(spec.sorts, s))
        return parameter_invalid("sort", "'" + raw + "' is not a valid value for the parameter 'sort'");
      q.sort = s;
      q.descending = desc;
    } else if (name == "cursor" && spec.collection) {
      auto c = decode_cursor(raw);
      if (!c) return parameter_invalid("cursor", "'" + raw + "' is not a valid cursor for this request");
      q.cursor = std::move(*c);
    } else {
      return parameter_illegal(name, "The parameter '" + name + "' can not be used with this request");
    }
  }
  return q;
}

std::string encode_cursor(const Cursor& cursor) {
  return util::base64url_encode(nlohmann::json::array({cursor.key, cursor.id}).dump());
}

std::optional<Cursor> decode_cursor(const std::string& text) {
  auto raw = util::base64url_decode(text);
  if (!raw) return std::nullopt;
  auto j = nlohmann::json::parse(*raw, nullptr, false);
  if (!j.is_array() || j.size() != 2 || !j[0].is_string() || !j[1].is_string()) return std::nullopt;
  return Cursor{j[0].get<std::string>(), j[1].get<std::string>()};
}

QuerySpec related(const std::string& type) {
  QuerySpec s;
  s.collection = true;
  s.fields = {type};
  return s;
}

QuerySpec linkage_collection() {
  QuerySpec s;
  s.collection = true;
  return s;
}

}  // namespace sim
