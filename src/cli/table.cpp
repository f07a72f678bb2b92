#include "cli/table.hpp"

#include <algorithm>

namespace cli {

std::string Table::render() const {
  std::vector<size_t> widths(m_header.size(), 0);
  auto measure = [&](const std::vector<std::string>& row) {
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i)
      widths[i] = std::max(widths[i], row[i].size());
  };
  measure(m_header);
  for (const auto& r : m_rows) measure(r);
  std::string out;
  auto line = [&](const std::vector<std::string>& row) {
    std::string l;
    for (size_t i = 0; i < widths.size(); ++i) {
      const std::string cell = i < row.size() ? row[i] : "";
      l += cell;
      if (i + 1 < widths.size()) l += std::string(widths[i] - cell.size() + 2, ' ');
    }
    while (!l.empty() && l.back() == ' ') l.pop_back();
    out += l + "\n";
  };
  line(m_header);
  for (const auto& r : m_rows) line(r);
  return out;
}

std::string relative_time(long long s) {
  const bool future = s > 0;
  long long a = future ? s : -s;
  std::string v;
  if (a < 120)
    v = std::to_string(a) + "s";
  else if (a < 7200)
    v = std::to_string(a / 60) + "m";
  else if (a < 172800)
    v = std::to_string(a / 3600) + "h";
  else
    v = std::to_string(a / 86400) + "d";
  return future ? "in " + v : v + " ago";
}

}  // namespace cli
