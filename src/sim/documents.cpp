// Document helpers shared by the route files (declared in engine.hpp).
#include "core/model.hpp"
#include "sim/engine.hpp"
#include "util/strings.hpp"

namespace sim {

std::string self_url(const Call& call) {
  return call.base_url + call.req.target;
}

std::string next_url(const Call& call, const Cursor& cursor) {
  std::string url = call.base_url + call.req.path + "?cursor=" + encode_cursor(cursor) +
                    "&limit=" + std::to_string(call.query.limit);
  for (const auto& [name, value] : call.req.params) {
    if (name == "cursor" || name == "limit") continue;
    url += "&" + util::url_encode(name) + "=" + util::url_encode(value);
  }
  return url;
}

Reply single_reply(Call& call, Renderer& renderer, const Rendered& data, int status) {
  Reply r;
  r.status = status;
  r.body.reserve(data.text.size() + 256);
  r.body += "{\"data\":";
  r.body += data.text;
  renderer.finish(r.body);
  r.body += ",\"links\":{\"self\":";
  append_json_string(r.body, status == 201 ? data.self : self_url(call));
  r.body += "}}";
  if (status == 201) r.headers.emplace_back("Location", data.self);
  return r;
}

Reply linkage_reply(Call& call, const std::string& type, const std::vector<std::string>& ids) {
  struct Id {
    std::string id;
  };
  std::map<std::string, Id> recs;
  for (const auto& id : ids) recs.emplace(id, Id{id});
  auto page = page_by_id<Id>(
      recs, [](const auto& e) { return &e.second; }, [](const Id&) { return true; }, false, call.query);
  nlohmann::json data = nlohmann::json::array();
  for (const Id* rec : page.items) data.push_back({{"type", type}, {"id", rec->id}});
  nlohmann::json doc = {{"data", std::move(data)}, {"links", {{"self", self_url(call)}}}};
  if (page.next) doc["links"]["next"] = next_url(call, *page.next);
  doc["meta"] = {{"paging", {{"total", page.total}, {"limit", call.query.limit}}}};
  return json_reply(200, doc);
}

Reply no_content(int status) {
  Reply r;
  r.status = status;
  return r;
}

bool filter_allows(const Query& q, const std::string& name, const std::string& value) {
  auto it = q.filters.find(name);
  if (it == q.filters.end()) return true;
  return std::find(it->second.begin(), it->second.end(), value) != it->second.end();
}

bool filter_allows_email(const Query& q, const std::string& name, const std::string& email) {
  auto it = q.filters.find(name);
  if (it == q.filters.end()) return true;
  const std::string key = core::email_key(email);
  return std::any_of(it->second.begin(), it->second.end(),
                     [&](const std::string& v) { return core::email_key(v) == key; });
}

bool plausible_email(const std::string& email) {
  const size_t at = email.find('@');
  return at != std::string::npos && at > 0 && email.find('.', at) != std::string::npos &&
         email.back() != '.' && email.find(' ') == std::string::npos;
}

}  // namespace sim
