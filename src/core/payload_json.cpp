#include "core/payload_json.hpp"

#include <nlohmann/json.hpp>

namespace core {
namespace {

using nlohmann::json;

// Reads members of one JSON object; the first problem is kept and reported by status().
class PayloadReader {
 public:
  PayloadReader(const Change& c, const json& j, std::string path)
      : m_change(c), m_j(j), m_path(std::move(path)) {
    if (!m_j.is_object()) fail("", "an object");
  }

  std::string str(const char* f) {
    const json* v = member(f);
    if (!v) return {};
    if (!v->is_string()) return fail(f, "a string", v), std::string();
    return v->get<std::string>();
  }
  std::optional<std::string> str_or_null(const char* f) {
    const json* v = member(f);
    if (!v || v->is_null()) return std::nullopt;
    if (!v->is_string()) return fail(f, "a string or null", v), std::nullopt;
    return v->get<std::string>();
  }
  bool boolean(const char* f) {
    const json* v = member(f);
    if (!v) return false;
    if (!v->is_boolean()) return fail(f, "true or false", v), false;
    return v->get<bool>();
  }
  std::optional<bool> opt_bool(const char* f) {
    if (!has(f)) return std::nullopt;
    return boolean(f);
  }
  std::optional<int> opt_int(const char* f) {
    if (!has(f) || m_j.at(f).is_null()) return std::nullopt;
    const json& v = m_j.at(f);
    if (!v.is_number_integer()) return fail(f, "an integer", &v), std::nullopt;
    return v.get<int>();
  }
  std::vector<std::string> strings(const char* f) {
    std::vector<std::string> out;
    const json* v = member(f);
    if (!v) return out;
    if (!v->is_array()) return fail(f, "an array of strings", v), out;
    for (const auto& e : *v) {
      if (!e.is_string()) return fail(f, "an array of strings", &e), out;
      out.push_back(e.get<std::string>());
    }
    return out;
  }
  std::optional<std::vector<std::string>> opt_strings(const char* f) {
    if (!has(f)) return std::nullopt;
    return strings(f);
  }
  // A required array; each element is read by `each(PayloadReader&)`.
  template <class F>
  void each(const char* f, F&& each) {
    const json* v = member(f);
    if (!v) return;
    if (!v->is_array()) return fail(f, "an array", v);
    for (size_t i = 0; i < v->size(); ++i) {
      PayloadReader r(m_change, (*v)[i], m_path + f + "[" + std::to_string(i) + "].");
      each(r);
      if (!r.m_error.empty() && m_error.empty()) m_error = r.m_error;
    }
  }
  PayloadReader object(const char* f) {
    const json* v = member(f);
    static const json k_empty = json::object();
    return PayloadReader(m_change, v ? *v : k_empty, m_path + f + ".", v == nullptr);
  }
  void absorb(const PayloadReader& r) {
    if (!r.m_error.empty() && m_error.empty()) m_error = r.m_error;
  }

  util::Status status() const {
    if (m_error.empty()) return util::ok_status();
    return util::make_error(util::ErrorKind::client, "change " + m_change.key + " (" +
                                                         to_string(m_change.action) + " " +
                                                         to_string(m_change.kind) + "): " + m_error);
  }

 private:
  PayloadReader(const Change& c, const json& j, std::string path, bool missing)
      : m_change(c), m_j(j), m_path(std::move(path)) {
    if (missing)
      m_error = "payload member \"" + m_path.substr(0, m_path.size() - 1) + "\" is missing";
    else if (!m_j.is_object())
      fail("", "an object");
  }

  bool has(const char* f) const { return m_j.is_object() && m_j.contains(f); }
  const json* member(const char* f) {
    if (!m_j.is_object()) return nullptr;
    const auto it = m_j.find(f);
    if (it == m_j.end()) {
      if (m_error.empty()) m_error = "payload member \"" + m_path + f + "\" is missing";
      return nullptr;
    }
    return &*it;
  }
  void fail(const std::string& f, const char* expected, const json* found = nullptr) {
    if (!m_error.empty()) return;
    const std::string name =
        f.empty() ? (m_path.empty() ? "payload" : m_path.substr(0, m_path.size() - 1)) : m_path + f;
    m_error = "payload member \"" + name + "\" must be " + expected +
              (found ? std::string(", found ") + found->type_name() : std::string());
  }

  const Change& m_change;
  const json& m_j;
  std::string m_path;
  std::string m_error;
};

util::Error no_rule(const Change& c) {
  return util::make_error(util::ErrorKind::internal, std::string("no rule for ") + to_string(c.action) + " " +
                                                         to_string(c.kind) + " (change " + c.key + ")");
}

GroupRef read_group_ref(PayloadReader& r, const char* key_field, const char* id_field) {
  GroupRef ref;
  ref.key = r.str(key_field);
  ref.id = r.str_or_null(id_field);
  return ref;
}

}  // namespace

util::Result<UserPayload> decode_user(const Change& c) {
  PayloadReader r(c, c.payload, "");
  UserPayload p;
  switch (c.action) {
    case Action::update: {
      p.user_id = r.str("user_id");
      p.email = r.str("email");
      UserAccess a;
      a.roles = r.strings("roles");
      a.all_apps_visible = r.boolean("allAppsVisible");
      a.provisioning_allowed = r.boolean("provisioningAllowed");
      a.visible_app_ids = r.opt_strings("visible_app_ids");
      p.access = std::move(a);
      break;
    }
    case Action::destroy:
    case Action::adopt:
      p.user_id = r.str("user_id");
      p.email = r.str("email");
      break;
    default:
      return no_rule(c);
  }
  if (auto s = r.status(); !s) return s.error();
  return p;
}

util::Result<InvitationPayload> decode_invitation(const Change& c) {
  PayloadReader r(c, c.payload, "");
  InvitationPayload p;
  switch (c.action) {
    case Action::replace:
      p.invitation_id = r.str("invitation_id");
      [[fallthrough]];
    case Action::create: {
      p.email = r.str("email");
      InvitationTerms t;
      t.first_name = r.str("firstName");
      t.last_name = r.str("lastName");
      t.roles = r.strings("roles");
      t.all_apps_visible = r.boolean("allAppsVisible");
      t.provisioning_allowed = r.boolean("provisioningAllowed");
      t.visible_app_ids = r.strings("visible_app_ids");
      p.terms = std::move(t);
      break;
    }
    case Action::destroy:
    case Action::adopt:
      p.invitation_id = r.str("invitation_id");
      p.email = r.str("email");
      break;
    default:
      return no_rule(c);
  }
  if (auto s = r.status(); !s) return s.error();
  return p;
}

util::Result<GroupPayload> decode_group(const Change& c) {
  PayloadReader r(c, c.payload, "");
  GroupPayload p;
  switch (c.action) {
    case Action::replace:
      p.group_id = r.str("group_id");
      [[fallthrough]];
    case Action::create: {
      p.app_id = r.str("app_id");
      p.name = r.str("name");
      PayloadReader a = r.object("attributes");
      p.attributes.is_internal = a.boolean("isInternalGroup");
      p.attributes.has_access_to_all_builds = a.boolean("hasAccessToAllBuilds");
      p.attributes.public_link_enabled = a.boolean("publicLinkEnabled");
      p.attributes.public_link_limit_enabled = a.opt_bool("publicLinkLimitEnabled");
      p.attributes.public_link_limit = a.opt_int("publicLinkLimit");
      p.attributes.feedback_enabled = a.boolean("feedbackEnabled");
      r.absorb(a);
      break;
    }
    case Action::update: {
      p.group_id = r.str("group_id");
      PayloadReader a = r.object("attributes");
      p.attributes.public_link_enabled = a.opt_bool("publicLinkEnabled");
      p.attributes.public_link_limit_enabled = a.opt_bool("publicLinkLimitEnabled");
      p.attributes.public_link_limit = a.opt_int("publicLinkLimit");
      p.attributes.feedback_enabled = a.opt_bool("feedbackEnabled");
      r.absorb(a);
      break;
    }
    case Action::destroy:
      p.group_id = r.str("group_id");
      p.app_id = r.str("app_id");
      p.name = r.str("name");
      break;
    case Action::adopt:
      p.group_id = r.str("group_id");
      break;
    default:
      return no_rule(c);
  }
  if (auto s = r.status(); !s) return s.error();
  return p;
}

util::Result<TesterPayload> decode_tester(const Change& c) {
  PayloadReader r(c, c.payload, "");
  TesterPayload p;
  switch (c.action) {
    case Action::create:
      p.email = r.str("email");
      p.first_name = r.str("firstName");
      p.last_name = r.str("lastName");
      r.each("groups", [&](PayloadReader& g) { p.groups.push_back(read_group_ref(g, "key", "id")); });
      break;
    case Action::destroy:
    case Action::adopt:
      p.tester_id = r.str("tester_id");
      p.email = r.str("email");
      break;
    default:
      return no_rule(c);
  }
  if (auto s = r.status(); !s) return s.error();
  return p;
}

util::Result<MembershipPayload> decode_membership(const Change& c) {
  PayloadReader r(c, c.payload, "");
  MembershipPayload p;
  switch (c.action) {
    case Action::add_members:
    case Action::remove_members:
      p.group = read_group_ref(r, "group_key", "group_id");
      r.each("testers", [&](PayloadReader& t) { p.testers.push_back({t.str("id"), t.str("email")}); });
      break;
    default:
      return no_rule(c);
  }
  if (auto s = r.status(); !s) return s.error();
  return p;
}

util::Status check_payload(const Change& c) {
  auto first_error = [](const auto& result) -> util::Status {
    if (!result) return result.error();
    return util::ok_status();
  };
  switch (c.kind) {
    case ChangeKind::user:
      return first_error(decode_user(c));
    case ChangeKind::invitation:
      return first_error(decode_invitation(c));
    case ChangeKind::group:
      return first_error(decode_group(c));
    case ChangeKind::tester:
      return first_error(decode_tester(c));
    case ChangeKind::membership:
      return first_error(decode_membership(c));
  }
  return no_rule(c);
}

}  // namespace core
