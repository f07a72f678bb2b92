#include "config/desired_state.hpp"

#include <algorithm>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string_view>
#include <system_error>
#include <unordered_map>
#include <unordered_set>

#include "config/desired_signing.hpp"
#include "config/paths.hpp"
#include "config/tester_csv.hpp"
#include "config/values.hpp"
#include "config/yaml_reader.hpp"
#include "core/model.hpp"
#include "util/files.hpp"
#include "util/strings.hpp"

namespace config {

namespace {

namespace fs = std::filesystem;
using core::SourceLoc;

const DesiredStateKeys k_keys = {
    {"team", "policy", "users", "testers", "tester_imports", "apps", "certificates", "profiles"},
    {"prune", "max_deletions", "protected_emails", "adopt_existing", "certificate_slots"},
    {"users", "invitations", "testers", "group_memberships", "groups"},
    {"email", "first_name", "last_name", "roles", "all_apps_visible", "visible_apps", "provisioning_allowed"},
    {"email", "first_name", "last_name"},
    {"csv", "app", "groups"},
    {"bundle_id", "groups"},
    {"name", "internal", "access_to_all_builds", "public_link", "feedback", "members"},
    {"enabled", "limit"},
    {"email", "first_name", "last_name"},
    {"name", "type", "renew_before", "revoke_replaced", "adopt", "export"},
    {"p12", "password_file"},
    {"name", "type", "bundle_id", "certificates", "devices"},
};

struct Located {
  std::string value;
  SourceLoc loc;
};

struct MemberRef {
  std::string key;  // email_key
  SourceLoc loc;
  bool has_details = false;
  std::string first_name;
  std::string last_name;
};

struct GroupDecl {
  core::DesiredGroup group;
  std::vector<MemberRef> members;
};

struct ImportDecl {
  std::string csv;  // as written
  SourceLoc csv_loc;
  std::string base_dir;
  std::optional<Located> app;
  std::vector<Located> groups;
};

// A tester and where its names came from, for conflict messages.
struct TesterEntry {
  core::DesiredTester tester;
  bool has_names = false;
};

// Everything declared across all documents, before cross-checks.
struct Declarations {
  std::optional<Located> team;
  std::optional<SourceLoc> policy_loc;
  core::Policy policy;
  bool has_users = false;
  bool has_testflight = false;
  std::vector<core::DesiredUser> users;
  std::vector<core::DesiredTester> testers;
  std::vector<ImportDecl> imports;
  std::vector<Located> apps;
  std::vector<GroupDecl> groups;
  SigningDeclarations signing;
  std::vector<std::string> files;
};

std::string quote(const std::string& s) {
  return "'" + s + "'";
}

// The roles a declaration may name: every UserRole but ACCOUNT_HOLDER, which cannot be granted.
const std::vector<std::string>& assignable_roles() {
  static const std::vector<std::string> roles = [] {
    std::vector<std::string> out;
    for (const auto& r : core::k_user_roles)
      if (r != "ACCOUNT_HOLDER") out.push_back(r);
    return out;
  }();
  return roles;
}

class DocumentReader {
 public:
  DocumentReader(std::string file, Declarations& decl, Diagnostics& diags)
      : m_file(std::move(file)), m_dir(directory_of(m_file)), m_decl(decl), m_diags(diags) {}

  void read(const yaml::Node& root) {
    const SourceLoc top{m_file, 1, 1};
    yaml::MapReader map(m_file, root, yaml::loc_of(m_file, root, top), "the desired state", k_keys.top,
                        m_diags);
    if (!map.is_map()) return;
    if (auto team = map.string("team")) read_team(*team, map.field("team")->value_loc);
    if (const auto* f = map.field("policy")) read_policy(*f);
    if (const auto* f = map.field("users")) {
      m_decl.has_users = true;
      for_each_item(*f, "users", [&](const yaml::Node& n, const SourceLoc& loc) { read_user(n, loc); });
    }
    if (const auto* f = map.field("testers")) {
      m_decl.has_testflight = true;
      for_each_item(*f, "testers", [&](const yaml::Node& n, const SourceLoc& loc) { read_tester(n, loc); });
    }
    if (const auto* f = map.field("tester_imports")) {
      m_decl.has_testflight = true;
      for_each_item(*f, "tester_imports",
                    [&](const yaml::Node& n, const SourceLoc& loc) { read_import(n, loc); });
    }
    if (const auto* f = map.field("apps")) {
      m_decl.has_testflight = true;
      for_each_item(*f, "apps", [&](const yaml::Node& n, const SourceLoc& loc) { read_app(n, loc); });
    }
    if (const auto* f = map.field("certificates"))
      read_certificates(m_file, *f, k_keys, m_decl.signing, m_diags);
    if (const auto* f = map.field("profiles")) read_profiles(m_file, *f, k_keys, m_decl.signing, m_diags);
  }

 private:
  // Why: `users:` whose entries are all commented out reads as null. Taken as an empty list,
  // prune would delete every object of the kind; an explicit `[]` says that is meant.
  bool null_list(const yaml::Field& f, const std::string& key) {
    if (!f.value.is_null()) return false;
    m_diags.error(f.value_loc, quote(key) + " has no value (are all its entries commented out?)",
                  "write " + key + ": [] for an empty list, or remove the key");
    return true;
  }

  // The same check for a list read with MapReader::string_list (which reads null as empty).
  bool null_list(const yaml::MapReader& map, const std::string& key) {
    const auto* f = map.field(key);
    return f && null_list(*f, key);
  }

  template <typename F>
  void for_each_item(const yaml::Field& f, const std::string& key, F&& fn) {
    if (null_list(f, key)) return;
    if (!f.value.is_sequence()) {
      m_diags.error(f.value_loc, quote(key) + " must be a list, not " + yaml::describe(f.value),
                    "start each entry with '- '");
      return;
    }
    for (const auto& item : f.value) fn(item, yaml::loc_of(m_file, item, f.value_loc));
  }

  // An email field: required, valid. Returns the key (lower-cased) or std::nullopt.
  std::optional<std::string> email(const yaml::MapReader& map) {
    auto e = map.string("email", true);
    if (!e) return std::nullopt;
    if (!is_valid_email(util::trim(*e))) {
      m_diags.error(map.field("email")->value_loc, quote(*e) + " is not an email address",
                    "write it as name@example.com");
      return std::nullopt;
    }
    return core::email_key(*e);
  }

  void read_team(const std::string& team, const SourceLoc& loc) {
    if (!is_team_name(team)) {
      m_diags.error(loc, "team name " + quote(team) + " is not valid",
                    "use 1-64 characters from a-z, 0-9, '-' and '_'");
      return;
    }
    if (m_decl.team && m_decl.team->value != team) {
      m_diags.duplicate(loc, m_decl.team->loc,
                        "team " + quote(team) + " differs from " + quote(m_decl.team->value),
                        "every file of one desired state must name the same team");
      return;
    }
    if (!m_decl.team) m_decl.team = Located{team, loc};
  }

  void read_policy(const yaml::Field& f) {
    if (m_decl.policy_loc) {
      m_diags.duplicate(f.key_loc, *m_decl.policy_loc, "policy is declared twice", "keep one policy section");
      return;
    }
    m_decl.policy_loc = f.key_loc;
    yaml::MapReader map(m_file, f.value, f.value_loc, "'policy'", k_keys.policy, m_diags);
    core::Policy& p = m_decl.policy;
    if (const auto* prune = map.field("prune")) {
      yaml::MapReader pm(m_file, prune->value, prune->value_loc, "'policy.prune'", k_keys.prune, m_diags);
      if (auto v = pm.boolean("users")) p.prune.users = *v;
      if (auto v = pm.boolean("invitations")) p.prune.invitations = *v;
      if (auto v = pm.boolean("testers")) p.prune.testers = *v;
      if (auto v = pm.boolean("group_memberships")) p.prune.group_memberships = *v;
      if (auto v = pm.boolean("groups")) p.prune.groups = *v;
    }
    if (auto v = map.integer("max_deletions", 0, 100000)) p.max_deletions = static_cast<int>(*v);
    if (auto v = map.boolean("adopt_existing")) p.adopt_existing = *v;
    if (const auto* slots = map.field("certificate_slots"))
      read_certificate_slots(m_file, *slots, p, m_decl.signing, m_diags);
    if (null_list(map, "protected_emails")) return;
    if (auto list = map.string_list("protected_emails")) {
      for (const auto& [e, loc] : *list) {
        if (!is_valid_email(util::trim(e))) {
          m_diags.error(loc, quote(e) + " is not an email address", "write it as name@example.com");
          continue;
        }
        p.protected_emails.push_back(core::email_key(e));
      }
    }
  }

  void read_user(const yaml::Node& node, const SourceLoc& loc) {
    yaml::MapReader map(m_file, node, loc, "a user", k_keys.user, m_diags);
    if (!map.is_map()) return;
    core::DesiredUser u;
    u.loc = loc;
    auto key = email(map);
    // Why: Apple's invitation requires both names; failing here beats a 409 at apply time.
    if (auto v = map.string("first_name", true)) u.first_name = util::trim(*v);
    if (auto v = map.string("last_name", true)) u.last_name = util::trim(*v);
    if (auto v = map.boolean("all_apps_visible")) u.all_apps_visible = *v;
    if (auto v = map.boolean("provisioning_allowed")) u.provisioning_allowed = *v;
    bool roles_ok = true;
    // A null `roles:` reads as empty: "at least one role" is the useful message, not "write []".
    if (auto roles = map.string_list("roles")) {
      if (roles->empty()) {
        m_diags.error(map.field("roles")->value_loc, "a user needs at least one role",
                      "valid roles: " + util::join(assignable_roles(), ", "));
        roles_ok = false;
      }
      for (const auto& [role, rloc] : *roles) {
        if (role == "ACCOUNT_HOLDER") {
          m_diags.error(
              rloc, "ACCOUNT_HOLDER cannot be assigned",
              "Apple transfers the account holder role only in the web UI; ascsync never touches it");
          roles_ok = false;
        } else if (!core::is_user_role(role)) {
          const std::string near = yaml::closest(role, assignable_roles());
          m_diags.error(rloc, "unknown role " + quote(role),
                        (near.empty() ? std::string() : "did you mean " + quote(near) + "? ") +
                            "valid roles: " + util::join(assignable_roles(), ", "));
          roles_ok = false;
        } else if (std::find(u.roles.begin(), u.roles.end(), role) != u.roles.end()) {
          m_diags.error(rloc, "role " + role + " is listed twice", "list each role once");
          roles_ok = false;
        } else {
          u.roles.push_back(role);
        }
      }
    } else {
      map.require("roles");
      roles_ok = false;
    }
    if (null_list(map, "visible_apps")) {
      roles_ok = false;
    } else if (auto apps = map.string_list("visible_apps")) {
      u.visible_bundle_ids.emplace();
      if (u.all_apps_visible.value_or(false) && !apps->empty())
        m_diags.error(map.field("visible_apps")->value_loc,
                      "visible_apps is set while all_apps_visible is true",
                      "remove visible_apps, or set all_apps_visible: false");
      for (const auto& [bundle, bloc] : *apps) {
        if (!is_valid_bundle_id(bundle)) {
          m_diags.error(bloc, quote(bundle) + " is not a bundle id", "write it as com.example.app");
          continue;
        }
        auto& ids = *u.visible_bundle_ids;
        if (std::find(ids.begin(), ids.end(), bundle) != ids.end()) {
          m_diags.error(bloc, "app " + bundle + " is listed twice", "list each app once");
          continue;
        }
        ids.push_back(bundle);
      }
    }
    if (!key || !roles_ok) return;
    u.email = *key;
    std::sort(u.roles.begin(), u.roles.end());
    if (u.visible_bundle_ids) std::sort(u.visible_bundle_ids->begin(), u.visible_bundle_ids->end());
    m_decl.users.push_back(std::move(u));
  }

  void read_tester(const yaml::Node& node, const SourceLoc& loc) {
    yaml::MapReader map(m_file, node, loc, "a tester", k_keys.tester, m_diags);
    if (!map.is_map()) return;
    core::DesiredTester t;
    t.loc = loc;
    auto key = email(map);
    if (auto v = map.string("first_name")) t.first_name = util::trim(*v);
    if (auto v = map.string("last_name")) t.last_name = util::trim(*v);
    if (!key) return;
    t.email = *key;
    m_decl.testers.push_back(std::move(t));
  }

  void read_import(const yaml::Node& node, const SourceLoc& loc) {
    yaml::MapReader map(m_file, node, loc, "a tester import", k_keys.tester_import, m_diags);
    if (!map.is_map()) return;
    ImportDecl imp;
    imp.base_dir = m_dir;
    auto csv = map.string("csv", true);
    if (!csv) return;
    imp.csv = *csv;
    imp.csv_loc = map.field("csv")->value_loc;
    if (auto app = map.string("app")) imp.app = Located{*app, map.field("app")->value_loc};
    if (null_list(map, "groups")) return;
    if (auto groups = map.string_list("groups"))
      for (const auto& [g, gloc] : *groups) imp.groups.push_back(Located{g, gloc});
    if (!imp.groups.empty() && !imp.app) {
      m_diags.error(loc, "a tester import with groups needs 'app'",
                    "add app: <bundle id> naming the groups' app");
      return;
    }
    m_decl.imports.push_back(std::move(imp));
  }

  void read_app(const yaml::Node& node, const SourceLoc& loc) {
    yaml::MapReader map(m_file, node, loc, "an app", k_keys.app, m_diags);
    if (!map.is_map()) return;
    auto bundle = map.string("bundle_id", true);
    if (!bundle) return;
    const SourceLoc bloc = map.field("bundle_id")->value_loc;
    if (!is_valid_bundle_id(*bundle)) {
      m_diags.error(bloc, quote(*bundle) + " is not a bundle id", "write it as com.example.app");
      return;
    }
    m_decl.apps.push_back(Located{*bundle, bloc});
    if (const auto* groups = map.field("groups"))
      for_each_item(*groups, "groups",
                    [&](const yaml::Node& n, const SourceLoc& gloc) { read_group(n, gloc, *bundle); });
  }

  void read_group(const yaml::Node& node, const SourceLoc& loc, const std::string& bundle) {
    yaml::MapReader map(m_file, node, loc, "a beta group", k_keys.group, m_diags);
    if (!map.is_map()) return;
    GroupDecl decl;
    core::DesiredGroup& g = decl.group;
    g.bundle_id = bundle;
    g.loc = loc;
    auto name = map.string("name", true);
    if (name && util::trim(*name).empty()) {
      m_diags.error(map.field("name")->value_loc, "a beta group name cannot be empty");
      name.reset();
    }
    if (auto v = map.boolean("internal")) g.is_internal = *v;
    if (auto v = map.boolean("access_to_all_builds")) {
      g.has_access_to_all_builds = *v;
      if (*v && !g.is_internal.value_or(false))
        m_diags.error(map.field("access_to_all_builds")->value_loc,
                      "access_to_all_builds applies to internal groups only",
                      "remove it, or set internal: true (both are fixed when Apple creates the group)");
    }
    if (auto v = map.boolean("feedback")) g.feedback_enabled = *v;
    if (const auto* link = map.field("public_link")) read_public_link(*link, g);
    if (const auto* members = map.field("members"))
      for_each_item(*members, "members",
                    [&](const yaml::Node& n, const SourceLoc& mloc) { read_member(n, mloc, decl); });
    if (!name) return;
    g.name = *name;
    m_decl.groups.push_back(std::move(decl));
  }

  void read_public_link(const yaml::Field& f, core::DesiredGroup& g) {
    yaml::MapReader map(m_file, f.value, f.value_loc, "'public_link'", k_keys.public_link, m_diags);
    if (!map.is_map()) return;
    // Why: writing a public_link section means wanting one; enabled: false is for pausing it.
    g.public_link_enabled = true;
    if (auto v = map.boolean("enabled")) g.public_link_enabled = *v;
    if (auto v = map.integer("limit", 1, k_max_public_link_limit)) {
      g.public_link_limit = static_cast<int>(*v);
      g.public_link_limit_enabled = true;
    } else if (!map.has("limit") && *g.public_link_enabled) {
      // An enabled link written without a limit has no cap (documented). A paused link
      // (enabled: false) without one leaves the limit as it is, ready for when it resumes.
      g.public_link_limit_enabled = false;
    }
    if (g.is_internal.value_or(false) && (*g.public_link_enabled || g.public_link_limit))
      m_diags.error(f.key_loc, "internal groups cannot have a public link",
                    "remove public_link, or make the group external (internal: false)");
  }

  void read_member(const yaml::Node& node, const SourceLoc& loc, GroupDecl& decl) {
    MemberRef m;
    m.loc = loc;
    std::string raw;
    if (node.is_scalar()) {
      raw = node.scalar();
      if (!yaml::check_text(raw, loc, "a member", m_diags)) return;
    } else if (node.is_map()) {
      yaml::MapReader map(m_file, node, loc, "a member", k_keys.member, m_diags);
      auto e = map.string("email", true);
      if (!e) return;
      raw = *e;
      m.loc = map.field("email")->value_loc;
      m.has_details = true;
      if (auto v = map.string("first_name")) m.first_name = util::trim(*v);
      if (auto v = map.string("last_name")) m.last_name = util::trim(*v);
    } else {
      m_diags.error(
          loc, "a member must be an email or {email, first_name, last_name}, not " + yaml::describe(node));
      return;
    }
    if (!is_valid_email(util::trim(raw))) {
      m_diags.error(m.loc, quote(raw) + " is not an email address", "write it as name@example.com");
      return;
    }
    m.key = core::email_key(raw);
    decl.members.push_back(std::move(m));
  }

  std::string m_file;
  std::string m_dir;
  Declarations& m_decl;
  Diagnostics& m_diags;
};

// Cross-document checks and the final, normalized DesiredState.
class Resolver {
 public:
  Resolver(Declarations& decl, Diagnostics& diags) : m_decl(decl), m_diags(diags) {}

  core::DesiredState resolve() {
    core::DesiredState out;
    if (m_decl.team) {
      out.team = m_decl.team->value;
      out.team_loc = m_decl.team->loc;
    } else if (!m_diags.has_errors()) {
      // Only when the files parsed: after a syntax error the team may well be in the part that
      // could not be read, and the syntax error is what to fix.
      const std::string first = m_decl.files.empty() ? std::string() : m_decl.files.front();
      m_diags.error(SourceLoc{first, 1, 1}, "no 'team' declared",
                    "add team: <name> matching the daemon config");
    }
    out.policy = m_decl.policy;
    std::sort(out.policy.protected_emails.begin(), out.policy.protected_emails.end());
    out.policy.protected_emails.erase(
        std::unique(out.policy.protected_emails.begin(), out.policy.protected_emails.end()),
        out.policy.protected_emails.end());
    out.manage_users = m_decl.has_users;
    out.manage_testflight = m_decl.has_testflight;

    resolve_users(out);
    resolve_testers();
    resolve_apps(out);
    resolve_groups();
    resolve_imports();
    resolve_members();
    check_external_counts();
    resolve_signing(m_decl.signing, out, m_diags);

    out.testers.reserve(m_testers.size());
    for (auto& [key, entry] : m_testers) out.testers.push_back(std::move(entry.tester));
    std::sort(out.testers.begin(), out.testers.end(),
              [](const core::DesiredTester& a, const core::DesiredTester& b) { return a.email < b.email; });
    for (auto& [gk, decl] : m_groups) {
      auto& emails = decl.group.member_emails;
      std::sort(emails.begin(), emails.end());
      emails.erase(std::unique(emails.begin(), emails.end()), emails.end());
      out.groups.push_back(decl.group);
    }
    out.source_files = m_decl.files;
    return out;
  }

 private:
  void resolve_users(core::DesiredState& out) {
    std::map<std::string, const core::DesiredUser*> seen;
    for (const auto& u : m_decl.users) {
      if (auto it = seen.find(u.email); it != seen.end()) {
        m_diags.duplicate(u.loc, it->second->loc, "user " + u.email + " is declared twice", "keep one entry");
        continue;
      }
      seen.emplace(u.email, &u);
      m_user_keys.insert(u.email);
      out.users.push_back(u);
    }
    std::sort(out.users.begin(), out.users.end(),
              [](const core::DesiredUser& a, const core::DesiredUser& b) { return a.email < b.email; });
  }

  void resolve_testers() {
    for (const auto& t : m_decl.testers) {
      if (auto it = m_testers.find(t.email); it != m_testers.end()) {
        m_diags.duplicate(t.loc, it->second.tester.loc, "tester " + t.email + " is declared twice",
                          "keep one entry");
        continue;
      }
      m_testers.emplace(t.email, TesterEntry{t, !t.first_name.empty() || !t.last_name.empty()});
    }
  }

  // A tester declared somewhere other than `testers:` (inline member, CSV row). Names that
  // disagree with an earlier declaration are an error; otherwise the declarations merge.
  void declare_tester(const std::string& key, const std::string& first, const std::string& last,
                      const SourceLoc& loc) {
    const bool has_names = !first.empty() || !last.empty();
    auto it = m_testers.find(key);
    if (it == m_testers.end()) {
      core::DesiredTester t;
      t.email = key;
      t.first_name = first;
      t.last_name = last;
      t.loc = loc;
      m_testers.emplace(key, TesterEntry{t, has_names});
      return;
    }
    TesterEntry& e = it->second;
    if (!has_names) return;
    if (!e.has_names) {
      e.tester.first_name = first;
      e.tester.last_name = last;
      e.has_names = true;
      return;
    }
    if (e.tester.first_name != first || e.tester.last_name != last)
      m_diags.duplicate(loc, e.tester.loc,
                        "tester " + key + " is declared as '" + first + " " + last + "' here but as '" +
                            e.tester.first_name + " " + e.tester.last_name + "' before",
                        "give the names in one place only");
  }

  void resolve_apps(core::DesiredState& out) {
    for (const auto& a : m_decl.apps) {
      if (auto it = m_apps.find(a.value); it != m_apps.end()) {
        m_diags.duplicate(a.loc, it->second, "app " + a.value + " is declared twice",
                          "declare each app once; put all its groups under that entry");
        continue;
      }
      m_apps.emplace(a.value, a.loc);
    }
    for (const auto& [bundle, loc] : m_apps) {
      out.bundle_ids.push_back(bundle);
      out.apps.push_back(core::DesiredApp{bundle, loc});
    }
  }

  void resolve_groups() {
    for (auto& decl : m_decl.groups) {
      const auto key = std::make_pair(decl.group.bundle_id, decl.group.name);
      if (auto it = m_groups.find(key); it != m_groups.end()) {
        m_diags.duplicate(
            decl.group.loc, it->second.group.loc,
            "group " + quote(decl.group.name) + " of " + decl.group.bundle_id + " is declared twice",
            "group names must be unique within an app");
        continue;
      }
      m_groups.emplace(key, decl);
    }
  }

  void resolve_imports() {
    for (const auto& imp : m_decl.imports) {
      if (imp.app && m_apps.find(imp.app->value) == m_apps.end()) {
        m_diags.error(imp.app->loc, "app " + imp.app->value + " is not declared under apps:",
                      "declare it under apps: with its groups");
        continue;
      }
      bool groups_ok = true;
      for (const auto& g : imp.groups)
        if (!import_group(*imp.app, g.value, g.loc)) groups_ok = false;
      if (!groups_ok) continue;

      std::vector<std::string> tried;
      const auto path = find_config_file(imp.csv, imp.base_dir, "", &tried);
      if (!path) {
        m_diags.error(imp.csv_loc, "CSV file not found: " + tried.front(),
                      "paths are relative to the YAML file that names them");
        continue;
      }
      // Why: any read failure is an error. A directory or unreadable file read as an empty CSV
      // would plan the deletion of every tester it used to import.
      auto text = util::read_file(*path);
      if (!text) {
        m_diags.error(imp.csv_loc, "cannot read the CSV file: " + text.error().message,
                      "name a regular, readable CSV file of at most 16 MiB (paths are relative to this YAML "
                      "file)");
        continue;
      }
      m_decl.files.push_back(*path);
      const auto rows = parse_tester_csv(*text, *path, m_diags);
      std::unordered_map<std::string, const SourceLoc*> rows_seen;
      rows_seen.reserve(rows.size());
      for (const auto& row : rows) {
        const std::string key = core::email_key(row.email);
        if (auto it = rows_seen.find(key); it != rows_seen.end()) {
          m_diags.duplicate(row.email_loc, *it->second, "tester " + key + " appears twice in the CSV",
                            "keep one row per tester");
          continue;
        }
        rows_seen.emplace(key, &row.email_loc);
        declare_tester(key, row.first_name, row.last_name, row.loc);
        std::vector<std::pair<core::DesiredGroup*, SourceLoc>> targets;
        for (const auto& g : imp.groups) targets.emplace_back(find_group(imp.app->value, g.value), g.loc);
        if (!row.groups.empty() && !imp.app) {
          m_diags.error(row.groups_loc, "the Groups column names groups but the import has no 'app'",
                        "add app: <bundle id> to the tester_imports entry at " + imp.csv_loc.str());
          continue;
        }
        for (const auto& g : row.groups) {
          if (!import_group(*imp.app, g, row.groups_loc)) continue;
          targets.emplace_back(find_group(imp.app->value, g), row.groups_loc);
        }
        for (auto& [group, where] : targets)
          if (group) group->member_emails.push_back(key);
      }
    }
  }

  core::DesiredGroup* find_group(const std::string& bundle, const std::string& name) {
    auto it = m_groups.find(std::make_pair(bundle, name));
    return it == m_groups.end() ? nullptr : &it->second.group;
  }

  // Checks that an import may add testers to the group; reports why not.
  bool import_group(const Located& app, const std::string& name, const SourceLoc& loc) {
    const core::DesiredGroup* g = find_group(app.value, name);
    if (!g) {
      std::vector<std::string> names;
      for (const auto& [k, d] : m_groups)
        if (k.first == app.value) names.push_back(k.second);
      const std::string near = yaml::closest(name, names);
      m_diags.error(
          loc, "group " + quote(name) + " is not declared for app " + app.value,
          near.empty() ? "declared groups: " + (names.empty() ? std::string("none") : util::join(names, ", "))
                       : "did you mean " + quote(near) + "?");
      return false;
    }
    if (g->is_internal.value_or(false)) {
      m_diags.error(loc, "group " + quote(name) + " is internal; CSV testers cannot join it",
                    "internal groups take team users only; list them under the group's members");
      return false;
    }
    return true;
  }

  void resolve_members() {
    for (auto& [gk, decl] : m_groups) {
      std::unordered_map<std::string_view, const SourceLoc*> seen;
      seen.reserve(decl.members.size());
      decl.group.member_emails.reserve(decl.group.member_emails.size() + decl.members.size());
      for (const auto& m : decl.members) {
        if (auto it = seen.find(m.key); it != seen.end()) {
          m_diags.duplicate(m.loc, *it->second, m.key + " is listed twice in group " + quote(decl.group.name),
                            "list each member once");
          continue;
        }
        seen.emplace(m.key, &m.loc);
        if (decl.group.is_internal.value_or(false)) {
          if (m.has_details) {
            m_diags.error(
                m.loc, "internal group " + quote(decl.group.name) + " lists tester details for " + m.key,
                "internal groups take team users only; declare them under users: and list the email here");
            continue;
          }
          // Why: without a users section the team's users are not known here; the planner
          // checks internal members against the team's users in App Store Connect.
          if (m_decl.has_users && m_user_keys.count(m.key) == 0) {
            m_diags.error(m.loc,
                          m.key + " is in internal group " + quote(decl.group.name) +
                              " but is not a declared team user",
                          "add them under users:, or move them to an external group");
            continue;
          }
        } else {
          declare_tester(m.key, m.first_name, m.last_name, m.loc);
        }
        decl.group.member_emails.push_back(m.key);
      }
    }
  }

  void check_external_counts() {
    std::map<std::string, std::unordered_set<std::string_view>> per_app;
    for (const auto& [gk, decl] : m_groups)
      if (!decl.group.is_internal.value_or(false))
        per_app[gk.first].insert(decl.group.member_emails.begin(), decl.group.member_emails.end());
    for (const auto& [bundle, emails] : per_app) {
      if (emails.size() > static_cast<size_t>(k_max_external_testers_per_app))
        m_diags.error(m_apps[bundle],
                      "app " + bundle + " has " + std::to_string(emails.size()) +
                          " external testers; Apple allows " + std::to_string(k_max_external_testers_per_app),
                      "move testers to another app or remove some");
    }
  }

  Declarations& m_decl;
  Diagnostics& m_diags;
  std::set<std::string> m_user_keys;
  // Why unordered: 50,000 lookups of long emails; resolve() sorts the testers once at the end.
  std::unordered_map<std::string, TesterEntry> m_testers;
  std::map<std::string, SourceLoc> m_apps;
  std::map<std::pair<std::string, std::string>, GroupDecl> m_groups;
};

// The YAML files of a desired-state path, in merge order.
std::vector<std::string> desired_files(const std::string& path, Diagnostics& diags) {
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    diags.error(SourceLoc{path, 0, 0}, "desired state not found",
                "give a YAML file or a directory of *.yaml files");
    return {};
  }
  if (!fs::is_directory(path, ec)) return {path};
  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(path, ec)) {
    const std::string ext = entry.path().extension().string();
    if (ext != ".yaml" && ext != ".yml") continue;
    std::error_code type_ec;
    if (entry.is_directory(type_ec)) continue;  // subdirectories are not read (documented)
    // Why: a FIFO or device named *.yaml is not skipped silently — whatever it should declare
    // would be missing, and pruning would delete it. Reading it reports what it is.
    files.push_back(entry.path().string());
  }
  if (ec) {
    diags.error(SourceLoc{path, 0, 0}, "cannot list the desired-state directory: " + ec.message(),
                "check its permissions");
    return {};
  }
  std::sort(files.begin(), files.end());
  if (files.empty())
    diags.error(SourceLoc{path, 0, 0}, "no *.yaml files in the desired-state directory", "add at least one");
  return files;
}

}  // namespace

const DesiredStateKeys& desired_state_keys() {
  return k_keys;
}

namespace {

// Reads parsed documents one at a time (each can be freed once read: the declarations copy what
// they need), then resolves them together.
class StateReader {
 public:
  explicit StateReader(Diagnostics& diags) : m_diags(diags), m_before(diags.error_count()) {}

  // root std::nullopt: the file did not parse; its errors are already reported.
  void add(const std::string& file, const std::optional<yaml::Node>& root) {
    m_decl.files.push_back(file);
    if (root) DocumentReader(file, m_decl, m_diags).read(*root);
  }

  util::Result<core::DesiredState> finish() {
    Resolver resolver(m_decl, m_diags);
    core::DesiredState state = resolver.resolve();
    if (m_diags.error_count() > m_before) {
      m_diags.sort();
      return m_diags.to_error("invalid desired state");
    }
    return state;
  }

 private:
  Diagnostics& m_diags;
  size_t m_before;
  Declarations m_decl;
};

}  // namespace

util::Result<core::DesiredState> parse_desired_state(
    const std::vector<std::pair<std::string, std::string>>& documents, Diagnostics* diagnostics) {
  Diagnostics local;
  Diagnostics& diags = diagnostics ? *diagnostics : local;
  StateReader reader(diags);
  for (const auto& [file, text] : documents) {
    // Why one at a time: only one parsed document is in memory at once (peak RSS).
    const auto doc = yaml::parse_text(text, file, diags);
    reader.add(file, doc ? std::optional<yaml::Node>(doc->root()) : std::nullopt);
  }
  return reader.finish();
}

util::Result<core::DesiredState> desired_state_from_yaml(const yaml::Node& root, const std::string& file,
                                                         Diagnostics* diagnostics) {
  Diagnostics local;
  Diagnostics& diags = diagnostics ? *diagnostics : local;
  StateReader reader(diags);
  reader.add(file, root);
  return reader.finish();
}

util::Result<core::DesiredState> load_desired_state(const std::string& path, Diagnostics* diagnostics) {
  Diagnostics local;
  Diagnostics& diags = diagnostics ? *diagnostics : local;
  const size_t before = diags.error_count();
  std::vector<std::pair<std::string, std::string>> documents;
  for (const auto& file : desired_files(path, diags)) {
    auto text = util::read_file(file);
    if (!text) {
      diags.error(SourceLoc{file, 0, 0}, text.error().message,
                  "give a regular file of at most 16 MiB, readable by this user");
      continue;
    }
    documents.emplace_back(file, std::move(*text));
  }
  if (diags.error_count() > before) return diags.to_error("invalid desired state " + path);
  return parse_desired_state(documents, &diags);
}

}  // namespace config
