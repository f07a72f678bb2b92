#include <sstream>

#include "core/render.hpp"
#include "util/strings.hpp"

namespace core {
namespace {

constexpr const char* k_green = "\x1b[32m";
constexpr const char* k_yellow = "\x1b[33m";
constexpr const char* k_red = "\x1b[31m";
constexpr const char* k_cyan = "\x1b[36m";
constexpr const char* k_magenta = "\x1b[35m";
constexpr const char* k_bold = "\x1b[1m";
constexpr const char* k_reset = "\x1b[0m";

class Painter {
 public:
  explicit Painter(bool on) : m_on(on) {}
  std::string operator()(const std::string& text, const char* color) const {
    return m_on ? std::string(color) + text + k_reset : text;
  }

 private:
  bool m_on;
};

// Values as Terraform shows them: strings quoted, lists as ["a", "b"].
std::string value_text(const nlohmann::json& v) {
  if (v.is_array()) {
    std::vector<std::string> parts;
    parts.reserve(v.size());
    for (const auto& e : v) parts.push_back(value_text(e));
    // Appending, not "[" + ...: GCC 12 at -O3 warns falsely (-Wrestrict) on `const char* + string&&`.
    std::string out = "[";
    out += util::join(parts, ", ");
    out += ']';
    return out;
  }
  return v.dump();
}

// The key without its "<kind>:" prefix.
std::string display_name(const std::string& key) {
  const auto colon = key.find(':');
  return colon == std::string::npos ? key : key.substr(colon + 1);
}

std::string count_of(size_t n, const char* singular, const char* plural) {
  return std::to_string(n) + " " + (n == 1 ? singular : plural);
}

struct Header {
  const char* symbol;
  const char* color;
  std::string kind;  // as shown; invitations being created read as users being invited
  std::string verb;
  bool with_reason;
};

Header header_for(const Change& c) {
  const std::string kind = to_string(c.kind);
  switch (c.action) {
    case Action::adopt:
      if (c.kind == ChangeKind::membership) {
        return {"=", k_cyan, kind, "will adopt " + count_of(c.manage.size(), "member", "members"), true};
      }
      return {"=", k_cyan, kind, "will be adopted", true};
    case Action::create:
      if (c.kind == ChangeKind::invitation) return {"+", k_green, "user", "will be invited", false};
      return {"+", k_green, kind, "will be created", false};
    case Action::replace:
      // Terraform's symbols: "-/+" destroys the old object first, "+/-" creates the new one first.
      if (c.order == ReplaceOrder::create_before_destroy)
        return {"+/-", k_yellow, kind,
                "will be replaced, the new one created before the old one is destroyed", true};
      if (c.kind == ChangeKind::invitation) return {"-/+", k_yellow, kind, "will be re-issued", true};
      return {"-/+", k_yellow, kind, "will be replaced", true};
    case Action::add_members: {
      const auto it = c.payload.find("testers");
      const size_t n = it != c.payload.end() ? it->size() : 0;
      return {"+", k_green, kind, "will add " + count_of(n, "tester", "testers"), false};
    }
    case Action::update:
      return {"~", k_yellow, kind, "will be updated in-place", false};
    case Action::blocked:
      return {"!", k_magenta, kind, "will not be changed", true};
    case Action::remove_members: {
      const auto it = c.payload.find("testers");
      const size_t n = it != c.payload.end() ? it->size() : 0;
      return {"-", k_red, kind, "will remove " + count_of(n, "tester", "testers"), true};
    }
    case Action::destroy:
      if (c.kind == ChangeKind::invitation) return {"-", k_red, kind, "will be cancelled", true};
      if (c.kind == ChangeKind::user) return {"-", k_red, kind, "will be removed from the team", true};
      if (c.kind == ChangeKind::group) return {"-", k_red, kind, "will be deleted", true};
      return {"-", k_red, kind, "will be removed", true};
  }
  return {"?", k_reset, kind, "", true};
}

void render_change(std::ostringstream& out, const Change& c, const Painter& paint) {
  const Header h = header_for(c);
  out << "  " << paint(h.symbol, h.color) << " " << h.kind << " \"" << display_name(c.key) << "\" " << h.verb;
  if (h.with_reason && !c.reason.empty()) out << (c.action == Action::blocked ? ": " : " (") << c.reason;
  if (h.with_reason && !c.reason.empty() && c.action != Action::blocked) out << ")";
  out << "\n";
  const std::string indent = "      ";
  switch (c.action) {
    case Action::create:
      for (const auto& [name, value] : c.after.items()) {
        if (value.is_null() || value == "") continue;  // undeclared, not worth a line
        out << indent << name << ": " << value_text(value) << "\n";
      }
      break;
    case Action::update:
    case Action::replace:
    case Action::blocked:
      if (!c.before.is_object() || !c.after.is_object()) break;
      for (const auto& [name, value] : c.after.items()) {
        const auto old = c.before.find(name);
        if (old != c.before.end() && *old == value) continue;
        out << indent << paint("~", k_yellow) << " " << name << ": "
            << (old == c.before.end() ? "null" : value_text(*old)) << " -> " << value_text(value) << "\n";
      }
      break;
    case Action::add_members:
    case Action::remove_members: {
      const bool add = c.action == Action::add_members;
      const auto it = c.payload.find("testers");
      if (it == c.payload.end()) break;
      for (const auto& t : *it) {
        out << indent << paint(add ? "+" : "-", add ? k_green : k_red) << " " << t.value("email", "") << "\n";
      }
      break;
    }
    case Action::adopt:
    case Action::destroy:
      break;
  }
}

}  // namespace

std::string render_text(const Plan& plan, const GuardResult* guard_result, const TextOptions& options) {
  const Painter paint(options.color);
  std::ostringstream out;
  if (!plan.changes.empty()) {
    out << "ascsync will perform the following actions for team \"" << plan.team << "\":\n\n";
    for (const auto& c : plan.changes) render_change(out, c, paint);
    out << "\n";
  }
  if (!plan.notes.empty()) {
    if (options.show_notes) {
      out << "Left alone:\n";
      for (const auto& n : plan.notes) out << "  # " << display_name(n.key) << ": " << n.message << "\n";
      out << "\n";
    } else {
      out << count_of(plan.notes.size(), "object", "objects")
          << " left alone or waiting (notes not shown).\n\n";
    }
  }
  for (const auto& e : plan.errors) {
    out << paint("Error:", k_red) << " ";
    if (!e.loc.file.empty()) out << e.loc.str() << ": ";
    out << display_name(e.key) << ": " << e.message << "\n";
  }
  if (!plan.errors.empty()) out << "\n";

  const PlanSummary s = plan.summary();
  const bool refused = guard_result && !guard_result->allowed;
  if (plan.empty() && s.blocked == 0 && plan.valid() && !refused) {
    out << paint("No changes.", k_bold) << " App Store Connect matches the desired state.\n";
  } else if (plan.empty()) {
    // Why: CI reads this line. Blocked changes or errors mean the desired state is not reached.
    out << paint("No changes will be made,", k_bold)
        << " but App Store Connect does not match the desired state.\n";
  } else {
    out << paint("Plan:", k_bold) << " ";
    if (s.adopt > 0) out << s.adopt << " to adopt, ";
    out << s.add << " to add, " << s.change << " to change, " << s.destroy << " to destroy.\n";
  }
  if (s.blocked > 0) {
    out << count_of(static_cast<size_t>(s.blocked), "change is", "changes are")
        << " blocked by policy (marked \"!\" above) and will not be made.\n";
  }
  if (!plan.valid()) {
    out << paint("The plan is invalid:", k_red) << " " << count_of(plan.errors.size(), "error", "errors")
        << "; nothing will be applied.\n";
  }
  if (guard_result && !guard_result->allowed) {
    out << paint("The guard blocks this plan;", k_red) << " nothing will be applied:\n";
    for (const auto& r : guard_result->reasons) out << "  - " << r << "\n";
  }
  return out.str();
}

}  // namespace core
