#include "asc/http_error.hpp"

#include <charconv>
#include <nlohmann/json.hpp>

#include "util/strings.hpp"

namespace asc {

util::ErrorKind kind_for_status(int status) {
  if (status == 401 || status == 403) return util::ErrorKind::auth;
  if (status == 404 || status == 410) return util::ErrorKind::not_found;
  if (status == 409) return util::ErrorKind::conflict;
  if (status == 429) return util::ErrorKind::rate_limited;
  if (status >= 500) return util::ErrorKind::server;
  return util::ErrorKind::client;
}

namespace {

std::string string_member(const nlohmann::json& obj, const char* name) {
  const auto it = obj.find(name);
  if (it == obj.end()) return {};
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number()) return it->dump();
  return {};
}

}  // namespace

AccessNeed access_for_route(std::string_view route) {
  const auto has = [&](std::string_view part) { return route.find(part) != std::string_view::npos; };
  if (has("/v1/userInvitations")) return {"invitations", "Admin"};
  if (has("/v1/users")) return {"users", "Admin"};
  if (has("/v1/betaGroups") || has("/v1/betaTesters") || has("/v1/betaTesterInvitations") ||
      has("/v1/builds"))
    return {has("/v1/betaGroups") ? "beta groups" : "beta testers", "App Manager or Admin"};
  if (has("/v1/certificates")) return {"certificates", "Admin, or Access to Certificates"};
  if (has("/v1/profiles")) return {"profiles", "Admin, or Access to Certificates"};
  if (has("/v1/bundleIds") || has("/v1/devices"))
    return {"bundle ids and devices", "Admin, or Access to Certificates"};
  return {"this resource", "a role with access to it"};
}

std::string forbidden_hint(std::string_view route) {
  const AccessNeed need = access_for_route(route);
  return "the key is valid but its role may not use this route: " + need.kind + " need a team key with the " +
         need.role + " role; give the key that role in Users and Access > Integrations, or stop managing " +
         need.kind + " in the desired state";
}

util::Error error_from_response(std::string_view what, int status, std::string_view body,
                                std::string_view retry_after_header) {
  util::Error err;
  err.kind = kind_for_status(status);
  err.http_status = status;
  const auto doc = nlohmann::json::parse(body, nullptr, false);
  if (doc.is_object()) {
    const auto errors = doc.find("errors");
    if (errors != doc.end() && errors->is_array() && !errors->empty() && errors->front().is_object()) {
      const auto& first = errors->front();
      err.code = string_member(first, "code");
      err.title = string_member(first, "title");
      err.detail = string_member(first, "detail");
    }
  }
  const std::string retry_after = util::trim(retry_after_header);
  if (!retry_after.empty()) {
    int seconds = -1;
    const auto [end, ec] =
        std::from_chars(retry_after.data(), retry_after.data() + retry_after.size(), seconds);
    if (ec == std::errc() && end == retry_after.data() + retry_after.size() && seconds >= 0)
      err.retry_after_seconds = seconds;
  }
  err.message = std::string(what) + " failed with HTTP " + std::to_string(status);
  if (status == 401)
    err.message +=
        " (the key was refused: it may be revoked, the key id or issuer id may be wrong, or this host's "
        "clock "
        "may be off; check Users and Access > Integrations and the host clock)";
  else if (status == 403)
    err.message += " (" + forbidden_hint(what) + ")";
  return err;
}

}  // namespace asc
