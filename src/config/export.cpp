#include "config/export.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "util/strings.hpp"

namespace config {

namespace {

constexpr const char* k_roles_not_declarable = "ACCOUNT_HOLDER";

// A YAML scalar: plain when it cannot be read as anything but this string, else double-quoted
// with JSON escapes (a JSON string is a valid YAML double-quoted scalar).
std::string scalar(const std::string& s) {
  static const std::set<std::string> k_special = {"",     "~",     "null",  "Null",  "NULL", "true", "True",
                                                  "TRUE", "false", "False", "FALSE", "yes",  "Yes",  "YES",
                                                  "no",   "No",    "NO",    "on",    "On",   "ON",   "off",
                                                  "Off",  "OFF",   "y",     "Y",     "n",    "N"};
  bool plain = !k_special.contains(s);
  for (const char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '@' || c == '+' ||
          c == '-'))
      plain = false;
  if (plain && (s.front() == '-' || s.front() == '.' || std::isdigit(static_cast<unsigned char>(s.front()))))
    plain = false;  // could read as a number, a sequence item or a special float
  if (plain) return s;
  std::string out = "\"";
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20 || c == 0x7f) {
      static const char* k_hex = "0123456789abcdef";
      out += "\\x";
      out += k_hex[c >> 4];
      out += k_hex[c & 15];
    } else {
      out += ch;
    }
  }
  return out + "\"";
}

std::string flow_list(const std::vector<std::string>& items) {
  std::vector<std::string> quoted;
  quoted.reserve(items.size());
  for (const auto& i : items) quoted.push_back(scalar(i));
  return "[" + util::join(quoted, ", ") + "]";
}

std::string yes(bool b) {
  return b ? "true" : "false";
}

// An RFC 4180 field: quoted when it holds a comma, a quote, a line break or edge spaces.
std::string csv_field(const std::string& s) {
  const bool quote = s.find_first_of(",\"\r\n") != std::string::npos ||
                     (!s.empty() && (s.front() == ' ' || s.back() == ' '));
  if (!quote) return s;
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string header(const std::string& what) {
  return std::string(k_export_marker) + " from the mirrored state: " + what +
         ".\n# yaml-language-server: $schema=file:///usr/share/ascsync/schema/desired-state.schema.json\n";
}

struct Index {
  std::map<std::string, const core::App*> apps;          // by id
  std::map<std::string, const core::BetaGroup*> groups;  // by id
  std::string bundle(const std::string& app_id) const {
    auto it = apps.find(app_id);
    return it == apps.end() ? std::string() : it->second->bundle_id;
  }
  std::vector<std::string> bundles(const std::vector<std::string>& app_ids) const {
    std::vector<std::string> out;
    for (const auto& id : app_ids)
      if (auto b = bundle(id); !b.empty()) out.push_back(b);
    std::sort(out.begin(), out.end());
    return out;
  }
};

// One declared user (a team user or a pending invitation: both are `users:` entries).
struct UserEntry {
  std::string email, first_name, last_name;
  std::vector<std::string> roles;
  bool all_apps_visible = false;
  bool provisioning_allowed = false;
  std::vector<std::string> visible_bundle_ids;
  std::string note;  // a comment above the entry
};

std::string render_user(const UserEntry& u) {
  std::string out;
  if (!u.note.empty()) out += "  # " + u.note + "\n";
  out += "  - email: " + scalar(u.email) + "\n";
  out += "    first_name: " + scalar(u.first_name) + "\n";
  out += "    last_name: " + scalar(u.last_name) + "\n";
  out += "    roles: " + flow_list(u.roles) + "\n";
  out += "    all_apps_visible: " + yes(u.all_apps_visible) + "\n";
  if (!u.all_apps_visible) out += "    visible_apps: " + flow_list(u.visible_bundle_ids) + "\n";
  out += "    provisioning_allowed: " + yes(u.provisioning_allowed) + "\n";
  return out;
}

std::string commented(const std::string& text) {
  std::string out;
  for (const auto& line : util::split(text, '\n'))
    if (!line.empty()) out += "# " + line + "\n";
  return out;
}

}  // namespace

std::string parse_export_kinds(const std::string& list, ExportKinds& kinds) {
  kinds = ExportKinds{false, false, false, false, false, false};
  for (auto item : util::split(list, ',')) {
    item = util::trim(item);
    if (item == "users")
      kinds.users = true;
    else if (item == "invitations")
      kinds.invitations = true;
    else if (item == "groups")
      kinds.groups = true;
    else if (item == "testers")
      kinds.testers = true;
    else if (item == "certificates")
      kinds.certificates = true;
    else if (item == "profiles")
      kinds.profiles = true;
    else
      return "unknown kind '" + util::escape_control(item) +
             "' (kinds: users, invitations, groups, testers, certificates, profiles)";
  }
  return {};
}

std::vector<ExportFile> export_desired_state(const core::Snapshot& s, const std::string& team,
                                             const ExportKinds& kinds, const std::string& now_rfc3339) {
  Index ix;
  for (const auto& a : s.apps) ix.apps[a.id] = &a;
  for (const auto& g : s.groups) ix.groups[g.id] = &g;
  const std::string team_line = "team: " + scalar(team) + "\n";
  std::vector<ExportFile> files;

  // --- users.yaml: team users and pending invitations -------------------------------------
  std::string users_comments;
  std::map<std::string, UserEntry> users;  // by email key
  if (kinds.users)
    for (const auto& u : s.users) {
      UserEntry e{u.username,
                  u.first_name,
                  u.last_name,
                  {},
                  u.all_apps_visible,
                  u.provisioning_allowed,
                  ix.bundles(u.visible_app_ids),
                  ""};
      for (const auto& r : u.roles)
        if (r != k_roles_not_declarable) e.roles.push_back(r);
      if (e.roles.size() != u.roles.size()) {
        if (e.roles.empty()) {
          users_comments +=
              "# " + u.username + " is the ACCOUNT_HOLDER with no other role: ascsync never touches them.\n";
          continue;
        }
        e.note = "the ACCOUNT_HOLDER (not declarable; ascsync never changes or removes them)";
      }
      users.emplace(core::email_key(u.username), std::move(e));
    }
  if (kinds.invitations)
    for (const auto& i : s.invitations) {
      if (users.contains(core::email_key(i.email))) continue;
      if (!i.expiration_date.empty() && i.expiration_date <= now_rfc3339) {
        users_comments += "# " + i.email + ": invitation expired on " + i.expiration_date +
                          "; declare them again to send a new one.\n";
        continue;
      }
      UserEntry e{i.email,
                  i.first_name,
                  i.last_name,
                  i.roles,
                  i.all_apps_visible,
                  i.provisioning_allowed,
                  ix.bundles(i.visible_app_ids),
                  "invited, not accepted yet"};
      users.emplace(core::email_key(i.email), std::move(e));
    }

  // --- each app's groups, and its testers as fastlane CSV ----------------------------------
  struct AppOut {
    std::vector<const core::BetaGroup*> groups;                // sorted by name
    std::map<std::string, std::vector<std::string>> internal;  // group id -> member emails
    std::map<std::string, std::pair<const core::BetaTester*, std::vector<std::string>>>
        csv;                                                                     // email key -> groups
    std::map<std::string, std::vector<const core::BetaTester*>> inline_members;  // group id -> testers
  };
  std::map<std::string, AppOut> apps;                        // by bundle id
  std::map<std::string, const core::BetaTester*> ungrouped;  // email key -> tester
  if (kinds.groups)
    for (const auto& g : s.groups)
      if (auto b = ix.bundle(g.app_id); !b.empty()) apps[b].groups.push_back(&g);
  for (auto& [b, a] : apps)
    std::sort(a.groups.begin(), a.groups.end(), [](auto* l, auto* r) { return l->name < r->name; });
  for (const auto& t : s.testers) {
    if (t.email.empty()) continue;  // joined through a public link: nothing to declare
    const std::string key = core::email_key(t.email);
    bool in_declared_group = false;
    for (const auto& gid : t.group_ids) {
      auto g = ix.groups.find(gid);
      if (g == ix.groups.end() || !kinds.groups) continue;
      const std::string b = ix.bundle(g->second->app_id);
      if (b.empty()) continue;
      in_declared_group = true;
      auto& a = apps[b];
      if (g->second->is_internal) {
        a.internal[gid].push_back(key);
      } else if (!kinds.testers) {
        continue;
      } else if (g->second->name.find(';') != std::string::npos) {
        a.inline_members[gid].push_back(&t);  // ';' separates groups in the CSV
      } else {
        auto& row = a.csv[key];
        row.first = &t;
        row.second.push_back(g->second->name);
      }
    }
    if (!in_declared_group && kinds.testers) ungrouped.emplace(key, &t);
  }

  // --- team.yaml ---------------------------------------------------------------------------
  {
    std::string y = header("the team and its policy");
    y += team_line;
    y += "\npolicy:\n"
         "  # Every prune switch is off: nothing is deleted until you turn a kind on.\n"
         "  prune:\n    users: false\n    invitations: false\n    testers: false\n"
         "    group_memberships: false\n    groups: false\n"
         "  max_deletions: 10\n"
         "  adopt_existing: true   # what this export lists becomes managed on the first apply\n";
    if (!ungrouped.empty()) y += "\ntester_imports:\n  - csv: testers.csv   # testers in no group\n";
    files.push_back({"team.yaml", std::move(y)});
  }

  if (kinds.users || kinds.invitations) {
    std::string y = header("team users and pending invitations");
    y += team_line + "\n" + users_comments;
    if (users.empty()) {
      y += "users: []\n";
    } else {
      y += "users:\n";
      for (const auto& [key, u] : users) y += render_user(u);
    }
    files.push_back({"users.yaml", std::move(y)});
  }

  for (const auto& [bundle, a] : apps) {
    if (a.groups.empty()) continue;
    const std::string csv_name = "testers." + bundle + ".csv";
    std::string y = header("the TestFlight groups of " + bundle);
    y += team_line + "\napps:\n  - bundle_id: " + scalar(bundle) + "\n    groups:\n";
    for (const auto* g : a.groups) {
      y += "      - name: " + scalar(g->name) + "\n";
      y += "        internal: " + yes(g->is_internal) + "\n";
      if (g->is_internal) {
        y += "        access_to_all_builds: " + yes(g->has_access_to_all_builds) + "\n";
      } else if (g->public_link_enabled || g->public_link_limit_enabled) {
        y += "        public_link: {enabled: " + yes(g->public_link_enabled);
        if (g->public_link_limit_enabled && g->public_link_limit)
          y += ", limit: " + std::to_string(*g->public_link_limit);
        y += "}\n";
      }
      y += "        feedback: " + yes(g->feedback_enabled) + "\n";
      std::vector<std::string> members;
      if (auto it = a.internal.find(g->id); it != a.internal.end()) members = it->second;
      std::vector<std::string> inline_rows;
      if (auto it = a.inline_members.find(g->id); it != a.inline_members.end())
        for (const auto* t : it->second)
          inline_rows.push_back("{email: " + scalar(t->email) + ", first_name: " + scalar(t->first_name) +
                                ", last_name: " + scalar(t->last_name) + "}");
      std::sort(members.begin(), members.end());
      std::sort(inline_rows.begin(), inline_rows.end());
      if (g->is_internal || !inline_rows.empty()) {
        if (members.empty() && inline_rows.empty()) {
          y += "        members: []\n";
        } else {
          y += "        members:\n";
          for (const auto& m : members) y += "          - " + scalar(m) + "\n";
          for (const auto& m : inline_rows) y += "          - " + m + "\n";
        }
      }
    }
    if (!a.csv.empty()) {
      y += "\ntester_imports:\n  - csv: " + scalar(csv_name) +
           "   # First,Last,Email,Groups (fastlane pilot)\n";
      y += "    app: " + scalar(bundle) + "\n";
    }
    files.push_back({"app." + bundle + ".yaml", std::move(y)});
    if (!a.csv.empty()) {
      std::string c = "First,Last,Email,Groups\n";
      for (const auto& [key, row] : a.csv) {
        auto names = row.second;
        std::sort(names.begin(), names.end());
        c += csv_field(row.first->first_name) + "," + csv_field(row.first->last_name) + "," +
             csv_field(row.first->email) + "," + csv_field(util::join(names, ";")) + "\n";
      }
      files.push_back({csv_name, std::move(c)});
    }
  }

  if (!ungrouped.empty()) {
    std::string c = "First,Last,Email,Groups\n";
    for (const auto& [key, t] : ungrouped)
      c += csv_field(t->first_name) + "," + csv_field(t->last_name) + "," + csv_field(t->email) + ",\n";
    files.push_back({"testers.csv", std::move(c)});
  }

  if (kinds.certificates || kinds.profiles) {
    std::string y = header("certificates and profiles, for reference");
    y += team_line;
    y += "\n# ascsync does not manage certificates or provisioning profiles yet; these are the ones\n"
         "# App Store Connect holds, none of them made by ascsync (all foreign). They are listed\n"
         "# commented out so that adopting one later is a matter of uncommenting it.\n";
    if (kinds.certificates) {
      std::vector<const core::Certificate*> certs;
      for (const auto& c : s.certificates) certs.push_back(&c);
      std::sort(certs.begin(), certs.end(), [](auto* l, auto* r) {
        return std::tie(l->certificate_type, l->expiration_date, l->serial_number) <
               std::tie(r->certificate_type, r->expiration_date, r->serial_number);
      });
      std::string block = "\ncertificates:\n";
      for (const auto* c : certs)
        block += "  - name: " + scalar(c->display_name.empty() ? c->name : c->display_name) +
                 "\n    type: " + c->certificate_type + "\n    adopt: " + scalar(c->serial_number) +
                 "   # id " + c->id + ", expires " + c->expiration_date + "\n";
      if (certs.empty()) block += "  []\n";
      y += commented(block);
    }
    if (kinds.profiles) {
      std::vector<const core::Profile*> profiles;
      for (const auto& p : s.profiles) profiles.push_back(&p);
      std::sort(profiles.begin(), profiles.end(), [](auto* l, auto* r) { return l->name < r->name; });
      std::string block = "\nprofiles:\n";
      for (const auto* p : profiles)
        block += "  - name: " + scalar(p->name) + "\n    type: " + p->profile_type + "   # " +
                 p->profile_state + ", expires " + p->expiration_date + ", id " + p->id + "\n";
      if (profiles.empty()) block += "  []\n";
      y += commented(block);
    }
    files.push_back({"certificates.yaml", std::move(y)});
  }
  return files;
}

}  // namespace config
