#include "config/yaml_reader.hpp"

#include <yaml-cpp/eventhandler.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <sstream>

#include "util/files.hpp"
#include "util/strings.hpp"

namespace config::yaml {

namespace {

core::SourceLoc mark_loc(const std::string& file, const YAML::Mark& mark) {
  core::SourceLoc loc;
  loc.file = file;
  if (mark.line >= 0) {
    loc.line = mark.line + 1;
    loc.column = mark.column + 1;
  }
  return loc;
}

bool is_quoted(const YAML::Node& node) {
  return node.Tag() == "!";
}

// Records where each document of a YAML stream starts (its '---' when it has one).
class DocumentStarts final : public YAML::EventHandler {
 public:
  std::vector<YAML::Mark> starts;
  void OnDocumentStart(const YAML::Mark& mark) override { starts.push_back(mark); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
  }
  void OnMapEnd() override {}
};

bool has_utf16_or_32_bom(const std::string& text) {
  return text.compare(0, 2, "\xFE\xFF") == 0 || text.compare(0, 2, "\xFF\xFE") == 0 ||
         text.compare(0, 4, std::string("\0\0\xFE\xFF", 4)) == 0;
}

}  // namespace

bool check_text(const std::string& value, const core::SourceLoc& loc, const std::string& what,
                Diagnostics& diags) {
  const size_t bad = util::invalid_utf8_offset(value);
  if (bad == std::string::npos) return true;
  char byte[8];
  std::snprintf(byte, sizeof byte, "\\x%02x", static_cast<unsigned char>(value[bad]));
  diags.error(loc, what + " is not valid UTF-8 (byte " + byte + " at offset " + std::to_string(bad) + ")",
              "write the text in UTF-8");
  return false;
}

std::optional<YAML::Node> parse_text(const std::string& text, const std::string& file, Diagnostics& diags) {
  // Why: yaml-cpp passes invalid UTF-8 through into scalars; names and emails end up in JSON,
  // whose encoder throws on them. Reject the file here, at the exact place.
  if (!has_utf16_or_32_bom(text)) {
    const size_t bad = util::invalid_utf8_offset(text);
    if (bad != std::string::npos) {
      const auto pos = util::position_of(text, bad);
      char byte[8];
      std::snprintf(byte, sizeof byte, "\\x%02x", static_cast<unsigned char>(text[bad]));
      diags.error(
          core::SourceLoc{file, pos.line, pos.column}, std::string("invalid UTF-8 (byte ") + byte + ")",
          "save the file as UTF-8 (Latin-1 and Windows-1252 text must be converted, e.g. with iconv)");
      return std::nullopt;
    }
  }
  try {
    std::vector<YAML::Node> documents = YAML::LoadAll(text);
    // Why: a second document ('---') would otherwise be dropped silently, and with pruning on,
    // whatever it declares would be deleted. Empty documents declare nothing and lose nothing.
    std::vector<size_t> non_empty;
    for (size_t i = 0; i < documents.size(); ++i)
      if (!documents[i].IsNull()) non_empty.push_back(i);
    if (non_empty.size() > 1) {
      std::istringstream in(text);
      YAML::Parser parser(in);
      DocumentStarts starts;
      while (parser.HandleNextDocument(starts)) {
      }
      const size_t second = non_empty[1];
      const YAML::Mark mark =
          second < starts.starts.size() ? starts.starts[second] : documents[second].Mark();
      diags.error(mark_loc(file, mark),
                  "a second YAML document starts here; ascsync reads exactly one document per file",
                  "remove the '---' line to merge the documents, or move the second one into its own file "
                  "(a desired-state directory merges its files)");
      return std::nullopt;
    }
    if (non_empty.empty()) return documents.empty() ? YAML::Node() : documents.front();
    return documents[non_empty.front()];
  } catch (const YAML::ParserException& e) {
    diags.error(mark_loc(file, e.mark), "YAML syntax: " + e.msg,
                "check indentation and that brackets and quotes are closed");
  } catch (const YAML::Exception& e) {
    diags.error(mark_loc(file, e.mark), std::string("YAML: ") + e.what());
  }
  return std::nullopt;
}

std::optional<YAML::Node> parse_file(const std::string& path, Diagnostics& diags) {
  auto text = util::read_file(path);
  if (!text) {
    diags.error(core::SourceLoc{path, 0, 0}, text.error().message,
                "give a regular file of at most 16 MiB, readable by this user");
    return std::nullopt;
  }
  return parse_text(*text, path, diags);
}

core::SourceLoc loc_of(const std::string& file, const YAML::Node& node, const core::SourceLoc& fallback) {
  if (!node.IsDefined() || node.IsNull() || node.Mark().line < 0) {
    if (fallback.line > 0) return fallback;
    return mark_loc(file, node.IsDefined() ? node.Mark() : YAML::Mark::null_mark());
  }
  return mark_loc(file, node.Mark());
}

std::string describe(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) return "nothing";
  if (node.IsMap()) return "a mapping";
  if (node.IsSequence()) return "a list";
  return "\"" + node.Scalar() + "\"";
}

std::string closest(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_distance = 0;
  const std::string lowered = util::to_lower(word);
  for (const auto& c : candidates) {
    const size_t d = util::edit_distance(lowered, util::to_lower(c));
    if (best.empty() || d < best_distance) {
      best = c;
      best_distance = d;
    }
  }
  // Why: beyond a third of the word's length the suggestion is more noise than help.
  const size_t limit = std::max<size_t>(2, word.size() / 3);
  return best_distance <= limit ? best : std::string();
}

MapReader::MapReader(std::string file, const YAML::Node& node, core::SourceLoc where, std::string what,
                     const std::vector<std::string>& allowed, Diagnostics& diags)
    : m_file(std::move(file)), m_loc(std::move(where)), m_what(std::move(what)), m_diags(diags) {
  // Why: `log:` with nothing under it reads naturally as "all defaults".
  if (node.IsDefined() && node.IsNull()) {
    m_is_map = true;
    return;
  }
  if (!node.IsDefined() || !node.IsMap()) {
    m_diags.error(m_loc, m_what + " must be a mapping of keys to values, not " + describe(node));
    return;
  }
  m_is_map = true;
  for (auto it = node.begin(); it != node.end(); ++it) {
    Field f;
    f.key_loc = loc_of(m_file, it->first, m_loc);
    f.value = it->second;
    f.value_loc = loc_of(m_file, it->second, f.key_loc);
    if (!it->first.IsScalar()) {
      m_diags.error(f.key_loc, "keys in " + m_what + " must be plain words");
      continue;
    }
    const std::string key = it->first.Scalar();
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      const std::string suggestion = closest(key, allowed);
      m_diags.error(f.key_loc, "unknown key '" + key + "' in " + m_what,
                    suggestion.empty() ? "valid keys: " + util::join(allowed, ", ")
                                       : "did you mean '" + suggestion + "'?");
      continue;
    }
    if (const Field* first = field(key)) {
      m_diags.duplicate(f.key_loc, first->key_loc, "duplicate key '" + key + "' in " + m_what,
                        "keep one of them");
      continue;
    }
    m_fields.emplace_back(key, std::move(f));
  }
}

const Field* MapReader::field(const std::string& key) const {
  for (const auto& [k, f] : m_fields)
    if (k == key) return &f;
  return nullptr;
}

void MapReader::require(const std::string& key) const {
  if (m_is_map && !has(key)) m_diags.error(m_loc, m_what + " is missing required key '" + key + "'");
}

std::optional<std::string> MapReader::string(const std::string& key, bool required) const {
  const Field* f = field(key);
  if (!f) {
    if (required) require(key);
    return std::nullopt;
  }
  if (!f->value.IsScalar()) {
    m_diags.error(f->value_loc, "'" + key + "' must be a string, not " + describe(f->value));
    return std::nullopt;
  }
  if (!check_text(f->value.Scalar(), f->value_loc, "'" + key + "'", m_diags)) return std::nullopt;
  return f->value.Scalar();
}

std::optional<bool> MapReader::boolean(const std::string& key) const {
  const Field* f = field(key);
  if (!f) return std::nullopt;
  if (f->value.IsScalar() && !is_quoted(f->value)) {
    const std::string v = f->value.Scalar();
    if (v == "true" || v == "True" || v == "TRUE") return true;
    if (v == "false" || v == "False" || v == "FALSE") return false;
  }
  // Why: only mention quotes when the value has them ("yes" or 1 need a different fix).
  m_diags.error(f->value_loc, "'" + key + "' must be true or false, not " + describe(f->value),
                is_quoted(f->value) ? "write true or false without quotes" : "write true or false");
  return std::nullopt;
}

std::optional<long long> MapReader::integer(const std::string& key, long long min, long long max) const {
  const Field* f = field(key);
  if (!f) return std::nullopt;
  const std::string range = std::to_string(min) + ".." + std::to_string(max);
  if (f->value.IsScalar() && !is_quoted(f->value)) {
    const std::string& v = f->value.Scalar();
    long long n = 0;
    const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec == std::errc::result_out_of_range && end == v.data() + v.size()) {
      m_diags.error(f->value_loc, "'" + key + "' is out of range", "use a whole number in " + range);
      return std::nullopt;
    }
    if (ec == std::errc() && end == v.data() + v.size() && !v.empty()) {
      if (n >= min && n <= max) return n;
      m_diags.error(f->value_loc, "'" + key + "' is " + v + ", out of range",
                    "use a whole number in " + range);
      return std::nullopt;
    }
  }
  m_diags.error(f->value_loc, "'" + key + "' must be a whole number, not " + describe(f->value),
                "use a whole number in " + range);
  return std::nullopt;
}

std::optional<std::vector<std::pair<std::string, core::SourceLoc>>> MapReader::string_list(
    const std::string& key) const {
  const Field* f = field(key);
  if (!f) return std::nullopt;
  if (f->value.IsNull()) return std::vector<std::pair<std::string, core::SourceLoc>>{};
  if (!f->value.IsSequence()) {
    m_diags.error(f->value_loc, "'" + key + "' must be a list, not " + describe(f->value),
                  "write [a, b] or one '- item' per line");
    return std::nullopt;
  }
  std::vector<std::pair<std::string, core::SourceLoc>> out;
  bool ok = true;
  for (const auto& item : f->value) {
    const core::SourceLoc loc = loc_of(m_file, item, f->value_loc);
    if (!item.IsScalar()) {
      m_diags.error(loc, "items of '" + key + "' must be strings, not " + describe(item));
      ok = false;
      continue;
    }
    if (!check_text(item.Scalar(), loc, "an item of '" + key + "'", m_diags)) {
      ok = false;
      continue;
    }
    out.emplace_back(item.Scalar(), loc);
  }
  if (!ok) return std::nullopt;
  return out;
}

}  // namespace config::yaml
