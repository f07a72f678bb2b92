#include "kinds/plan_json.hpp"

#include <algorithm>
#include <string_view>

#include "kinds/dispatch.hpp"

namespace kinds {

using core::Action;
using core::Change;
using core::ChangeKind;
using core::Plan;
using core::PlanSummary;
using core::ReplaceOrder;
namespace {

// Every value of a scoped enum whose to_string() is an exhaustive switch (-Wswitch under
// -Werror) that returns "?" past the last value: the names follow the enum by construction, so a
// new kind, action or order cannot be forgotten here (a hand-kept list once could, and every
// journal entry of the missing kind became undecodable).
template <class E>
std::optional<E> enum_from_string(const std::string& s) {
  for (int i = 0;; ++i) {
    const auto e = static_cast<E>(i);
    const std::string_view name = to_string(e);
    if (name == "?") return std::nullopt;
    if (s == name) return e;
  }
}

util::Error bad(const std::string& what);

util::Error bad(const std::string& what) {
  return util::make_error(util::ErrorKind::client, "malformed plan JSON: " + what);
}

bool read_strings(const nlohmann::json& j, const char* field, std::vector<std::string>& out) {
  const auto it = j.find(field);
  if (it == j.end()) return true;
  if (!it->is_array()) return false;
  for (const auto& v : *it) {
    if (!v.is_string()) return false;
    out.push_back(v.get<std::string>());
  }
  return true;
}

std::string string_or_empty(const nlohmann::json& j, const char* field) {
  const auto it = j.find(field);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

struct AttrJson {
  nlohmann::json operator()(std::monostate) const { return nullptr; }
  nlohmann::json operator()(bool b) const { return b; }
  nlohmann::json operator()(int64_t n) const { return n; }
  nlohmann::json operator()(const std::string& s) const { return s; }
  nlohmann::json operator()(const std::vector<std::string>& v) const { return v; }
};

// A before/after member: absent or null is none; else an object of null, boolean, integer,
// string or string-array values.
util::Result<std::optional<core::Attributes>> attributes_from_json(const nlohmann::json& j, const char* field,
                                                                   const std::string& key) {
  const auto it = j.find(field);
  if (it == j.end() || it->is_null()) return std::optional<core::Attributes>();
  if (!it->is_object()) return bad("change " + key + ": " + field + " must be an object or null");
  core::Attributes a;
  for (const auto& [name, v] : it->items()) {
    if (v.is_null()) {
      a.set(name, std::monostate{});
    } else if (v.is_boolean()) {
      a.set(name, v.get<bool>());
    } else if (v.is_number_integer()) {
      a.set(name, v.get<int64_t>());
    } else if (v.is_string()) {
      a.set(name, v.get<std::string>());
    } else if (v.is_array() && std::all_of(v.begin(), v.end(), [](const auto& e) { return e.is_string(); })) {
      a.set(name, v.get<std::vector<std::string>>());
    } else {
      return bad("change " + key + ": " + field + "." + name +
                 " must be null, a boolean, an integer, a string or an array of strings");
    }
  }
  return std::optional<core::Attributes>(std::move(a));
}

}  // namespace

nlohmann::json attributes_to_json(const std::optional<core::Attributes>& attributes) {
  if (!attributes) return nullptr;
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [name, value] : *attributes) j[name] = std::visit(AttrJson{}, value);
  return j;
}

std::optional<ChangeKind> change_kind_from_string(const std::string& s) {
  return enum_from_string<ChangeKind>(s);
}

std::optional<Action> action_from_string(const std::string& s) {
  return enum_from_string<Action>(s);
}

std::optional<ReplaceOrder> replace_order_from_string(const std::string& s) {
  return enum_from_string<ReplaceOrder>(s);
}

nlohmann::json change_to_json(const Change& c) {
  nlohmann::json j = {{"kind", to_string(c.kind())},
                      {"action", to_string(c.action)},
                      {"key", c.key},
                      {"reason", c.reason},
                      {"before", attributes_to_json(c.before)},
                      {"after", attributes_to_json(c.after)},
                      {"payload", payload_to_json(c)},
                      {"manage", c.manage},
                      {"unmanage", c.unmanage},
                      {"removes", c.removes}};
  // Only a replace has two halves to order; other actions carry no "order" field.
  if (c.action == Action::replace) j["order"] = to_string(c.order);
  return j;
}

nlohmann::json plan_to_json(const Plan& plan) {
  nlohmann::json changes = nlohmann::json::array();
  for (const auto& c : plan.changes) changes.push_back(change_to_json(c));
  nlohmann::json notes = nlohmann::json::array();
  for (const auto& n : plan.notes) notes.push_back({{"key", n.key}, {"message", n.message}});
  nlohmann::json errors = nlohmann::json::array();
  for (const auto& e : plan.errors) {
    errors.push_back({{"key", e.key},
                      {"message", e.message},
                      {"location", e.loc.str()},
                      {"file", e.loc.file},
                      {"line", e.loc.line},
                      {"column", e.loc.column}});
  }
  const PlanSummary s = plan.summary();
  return {{"format_version", k_plan_format_version},
          {"team", plan.team},
          {"valid", plan.valid()},
          {"changes", std::move(changes)},
          {"notes", std::move(notes)},
          {"errors", std::move(errors)},
          {"summary",
           {{"adopt", s.adopt},
            {"add", s.add},
            {"change", s.change},
            {"destroy", s.destroy},
            {"blocked", s.blocked}}}};
}

util::Result<Change> change_from_json(const nlohmann::json& j) {
  if (!j.is_object()) return bad("a change is not an object");
  Change c;
  const auto kind = change_kind_from_string(string_or_empty(j, "kind"));
  if (!kind) return bad("unknown change kind \"" + string_or_empty(j, "kind") + "\"");
  const auto action = action_from_string(string_or_empty(j, "action"));
  if (!action) return bad("unknown action \"" + string_or_empty(j, "action") + "\"");
  c.action = *action;
  c.key = string_or_empty(j, "key");
  if (c.key.empty()) return bad("a change has no key");
  if (const auto order = j.find("order"); order != j.end()) {
    const auto o = order->is_string() ? replace_order_from_string(order->get<std::string>()) : std::nullopt;
    if (!o) return bad("change " + c.key + ": unknown order " + order->dump());
    if (c.action != Action::replace) return bad("change " + c.key + ": order is only valid for a replace");
    c.order = *o;
  }
  // A replace written before "order" existed was always destroy-then-create: the default.
  c.reason = string_or_empty(j, "reason");
  auto before = attributes_from_json(j, "before", c.key);
  if (!before) return std::move(before).error();
  c.before = std::move(*before);
  auto after = attributes_from_json(j, "after", c.key);
  if (!after) return std::move(after).error();
  c.after = std::move(*after);
  const auto payload = j.find("payload");
  static const nlohmann::json k_null;
  if (auto st = payload_from_json(*kind, payload == j.end() ? k_null : *payload, c); !st)
    return std::move(st).error();
  if (!read_strings(j, "manage", c.manage) || !read_strings(j, "unmanage", c.unmanage) ||
      !read_strings(j, "removes", c.removes)) {
    return bad("change " + c.key + ": manage, unmanage and removes must be arrays of strings");
  }
  return c;
}

util::Result<Plan> plan_from_json(const nlohmann::json& j) {
  if (!j.is_object()) return bad("the document is not an object");
  const std::string version = string_or_empty(j, "format_version");
  if (version != k_plan_format_version) {
    return bad("format_version \"" + version + "\" is not " + k_plan_format_version);
  }
  Plan plan;
  plan.team = string_or_empty(j, "team");
  const auto changes = j.find("changes");
  if (changes == j.end() || !changes->is_array()) return bad("changes must be an array");
  for (const auto& cj : *changes) {
    auto c = change_from_json(cj);
    if (!c) return std::move(c).error();
    plan.changes.push_back(std::move(*c));
  }
  if (const auto notes = j.find("notes"); notes != j.end() && notes->is_array()) {
    for (const auto& n : *notes)
      plan.notes.push_back({string_or_empty(n, "key"), string_or_empty(n, "message")});
  }
  if (const auto errors = j.find("errors"); errors != j.end() && errors->is_array()) {
    for (const auto& e : *errors) {
      core::SourceLoc loc{string_or_empty(e, "file"), e.value("line", 0), e.value("column", 0)};
      plan.errors.push_back({string_or_empty(e, "key"), string_or_empty(e, "message"), std::move(loc)});
    }
  }
  return plan;
}

}  // namespace kinds
