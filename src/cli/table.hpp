#pragma once
// Plain-text tables for terminal output: left-aligned columns, two spaces apart.
#include <string>
#include <vector>

namespace cli {

class Table {
 public:
  explicit Table(std::vector<std::string> header) : m_header(std::move(header)) {}
  void add(std::vector<std::string> row) { m_rows.push_back(std::move(row)); }
  size_t size() const { return m_rows.size(); }
  std::string render() const;

 private:
  std::vector<std::string> m_header;
  std::vector<std::vector<std::string>> m_rows;
};

// "3s ago", "5m ago", "2h ago", "4d ago"; "in 3d" for the future.
std::string relative_time(long long seconds_from_now);

}  // namespace cli
