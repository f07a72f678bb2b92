#include "config/diagnostics.hpp"

#include <algorithm>

#include "util/strings.hpp"

namespace config {

std::string Diagnostic::render() const {
  std::string out = loc.str();
  out += severity == Severity::error ? ": error: " : ": warning: ";
  out += message;
  if (!related.file.empty()) out += " (first declared at " + related.str() + ")";
  if (!hint.empty()) out += " (hint: " + hint + ")";
  // Why: messages quote what the files say; an escape sequence or a newline from a file must
  // not reach the terminal or split a diagnostic over lines.
  return util::escape_control(out);
}

void Diagnostics::error(core::SourceLoc loc, std::string message, std::string hint) {
  m_items.push_back(Diagnostic{Severity::error, std::move(loc), std::move(message), std::move(hint), {}});
}

void Diagnostics::warning(core::SourceLoc loc, std::string message, std::string hint) {
  m_items.push_back(Diagnostic{Severity::warning, std::move(loc), std::move(message), std::move(hint), {}});
}

void Diagnostics::duplicate(core::SourceLoc loc, core::SourceLoc first, std::string message,
                            std::string hint) {
  m_items.push_back(
      Diagnostic{Severity::error, std::move(loc), std::move(message), std::move(hint), std::move(first)});
}

void Diagnostics::append(const Diagnostics& other) {
  m_items.insert(m_items.end(), other.m_items.begin(), other.m_items.end());
}

bool Diagnostics::has_errors() const {
  return error_count() > 0;
}

size_t Diagnostics::error_count() const {
  return static_cast<size_t>(std::count_if(
      m_items.begin(), m_items.end(), [](const Diagnostic& d) { return d.severity == Severity::error; }));
}

size_t Diagnostics::warning_count() const {
  return m_items.size() - error_count();
}

void Diagnostics::sort() {
  std::stable_sort(m_items.begin(), m_items.end(), [](const Diagnostic& a, const Diagnostic& b) {
    if (a.loc.file != b.loc.file) return a.loc.file < b.loc.file;
    if (a.loc.line != b.loc.line) return a.loc.line < b.loc.line;
    return a.loc.column < b.loc.column;
  });
}

std::string Diagnostics::render() const {
  std::string out;
  for (const auto& d : m_items) out += d.render() + "\n";
  return out;
}

util::Error Diagnostics::to_error(const std::string& what) const {
  std::string msg = what + ": " + std::to_string(error_count()) + " error(s)\n" + render();
  if (!msg.empty() && msg.back() == '\n') msg.pop_back();
  return util::make_error(util::ErrorKind::client, std::move(msg));
}

}  // namespace config
