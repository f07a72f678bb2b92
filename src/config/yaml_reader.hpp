#pragma once
// Small helpers over yaml-cpp that turn every shape problem into a Diagnostic with
// file:line:col. yaml-cpp marks are 0-based; SourceLoc is 1-based. A null value (`key:` with
// nothing after it) carries the mark of the *next* token, so values fall back to their key's
// place when they are null.
#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "config/diagnostics.hpp"
#include "core/desired.hpp"

namespace config::yaml {

// Parses text (named file in diagnostics). Returns std::nullopt after adding a diagnostic on a
// syntax error. An empty document parses to a null node. The text must be UTF-8 (or carry a
// UTF-16/32 byte order mark) — invalid bytes are an error at their line:col — and hold one YAML
// document: a second non-empty document is an error at its '---' (nothing after it may be
// dropped silently; empty documents are ignored).
std::optional<YAML::Node> parse_text(const std::string& text, const std::string& file, Diagnostics& diags);
// Reads and parses a file; a missing, unreadable, non-regular or oversized file is a diagnostic
// at "file".
std::optional<YAML::Node> parse_file(const std::string& path, Diagnostics& diags);

// True when value is valid UTF-8; otherwise reports "<what> is not valid UTF-8" at loc. The
// typed getters below check every string they return.
bool check_text(const std::string& value, const core::SourceLoc& loc, const std::string& what,
                Diagnostics& diags);

// The node's place, or fallback when the node has no mark.
core::SourceLoc loc_of(const std::string& file, const YAML::Node& node, const core::SourceLoc& fallback = {});

// "a mapping", "a list", "a string", "nothing": for "must be X, not Y" messages.
std::string describe(const YAML::Node& node);

// The closest candidate within a small edit distance, for "did you mean" hints; empty when none.
std::string closest(const std::string& word, const std::vector<std::string>& candidates);

struct Field {
  YAML::Node value;
  core::SourceLoc key_loc;
  core::SourceLoc value_loc;  // key_loc when the value is null
};

// One YAML mapping read with a fixed set of allowed keys; a null node reads as an empty map. Construction
// reports a non-map node, unknown keys (with "did you mean") and duplicate keys. The typed getters report
// wrong types and missing required keys and return std::nullopt then.
class MapReader {
 public:
  MapReader(std::string file, const YAML::Node& node, core::SourceLoc where, std::string what,
            const std::vector<std::string>& allowed, Diagnostics& diags);

  bool is_map() const { return m_is_map; }
  const core::SourceLoc& loc() const { return m_loc; }
  const std::string& file() const { return m_file; }
  bool has(const std::string& key) const { return field(key) != nullptr; }
  // The raw field, nullptr when absent.
  const Field* field(const std::string& key) const;

  std::optional<std::string> string(const std::string& key, bool required = false) const;
  std::optional<bool> boolean(const std::string& key) const;
  std::optional<long long> integer(const std::string& key, long long min, long long max) const;
  // A list of scalars, each with its place. A single scalar is not accepted as a list.
  std::optional<std::vector<std::pair<std::string, core::SourceLoc>>> string_list(
      const std::string& key) const;
  // Reports "missing required key" at the map's place.
  void require(const std::string& key) const;

 private:
  std::string m_file;
  core::SourceLoc m_loc;
  std::string m_what;
  Diagnostics& m_diags;
  bool m_is_map = false;
  std::vector<std::pair<std::string, Field>> m_fields;
};

}  // namespace config::yaml
