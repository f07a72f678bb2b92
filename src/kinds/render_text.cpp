#include <sstream>

#include "kinds/dispatch.hpp"
#include "kinds/render.hpp"
#include "kinds/wording.hpp"
#include "util/strings.hpp"

namespace kinds {

using core::Action;
using core::Change;
using core::Plan;
using core::PlanSummary;
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

// The key without its "<kind>:" prefix.
std::string display_name(const std::string& key) {
  const auto colon = key.find(':');
  return colon == std::string::npos ? key : key.substr(colon + 1);
}

struct Symbol {
  const char* symbol;
  const char* color;
  bool with_reason;
};

Symbol symbol_for(const core::Change& c) {
  switch (c.action) {
    case core::Action::adopt:
      return {"=", k_cyan, true};
    case core::Action::create:
      return {"+", k_green, false};
    case core::Action::replace:
      // Terraform's symbols: "-/+" destroys the old object first, "+/-" creates the new one first.
      return {c.order == core::ReplaceOrder::create_before_destroy ? "+/-" : "-/+", k_yellow, true};
    case core::Action::add_members:
      return {"+", k_green, false};
    case core::Action::update:
      return {"~", k_yellow, false};
    case core::Action::blocked:
      return {"!", k_magenta, true};
    case core::Action::remove_members:
    case core::Action::destroy:
      return {"-", k_red, true};
  }
  return {"?", k_reset, true};
}

void render_change(std::ostringstream& out, const Change& c, const Painter& paint) {
  const Symbol h = symbol_for(c);
  const Wording w = wording(c);
  out << "  " << paint(h.symbol, h.color) << " " << w.shown_kind << " \"" << display_name(c.key) << "\" "
      << w.verb;
  if (h.with_reason && !c.reason.empty()) out << (c.action == Action::blocked ? ": " : " (") << c.reason;
  if (h.with_reason && !c.reason.empty() && c.action != Action::blocked) out << ")";
  out << "\n";
  const std::string indent = "      ";
  switch (c.action) {
    case Action::create:
      if (!c.after) break;
      for (const auto& [name, value] : *c.after) {
        const auto* text = std::get_if<std::string>(&value);
        if (core::is_null(value) || (text && text->empty())) continue;  // undeclared, not worth a line
        out << indent << name << ": " << core::attr_text(value) << "\n";
      }
      break;
    case Action::update:
    case Action::replace:
    case Action::blocked:
      if (!c.before || !c.after) break;
      for (const auto& [name, value] : *c.after) {
        const core::AttrValue* old = c.before->find(name);
        if (old && *old == value) continue;
        out << indent << paint("~", k_yellow) << " " << name << ": " << (old ? core::attr_text(*old) : "null")
            << " -> " << core::attr_text(value) << "\n";
      }
      break;
    case Action::add_members:
    case Action::remove_members: {
      const bool add = c.action == Action::add_members;
      for (const auto& email : w.listed)
        out << indent << paint(add ? "+" : "-", add ? k_green : k_red) << " " << email << "\n";
      break;
    }
    case Action::adopt:
    case Action::destroy:
      break;
  }
}

}  // namespace

std::string render_text(const Plan& plan, const core::GuardResult* guard_result, const TextOptions& options) {
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

}  // namespace kinds
