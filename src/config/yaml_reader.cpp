#include "config/yaml_reader.hpp"

#include <yaml.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <unordered_map>

#include "util/files.hpp"
#include "util/strings.hpp"

namespace config::yaml {

std::string_view Node::scalar() const {
  if (!is_scalar()) return {};
  const NodeData& d = data();
  return std::string_view(m_arena->text).substr(d.text_offset, d.text_size);
}

size_t Node::size() const {
  if (!m_arena) return 0;
  const NodeData& d = data();
  if (d.kind == NodeKind::sequence) return d.child_count;
  if (d.kind == NodeKind::map) return d.child_count / 2;
  return 0;
}

Node::Iterator Node::begin() const {
  if (!is_sequence()) return Iterator(m_arena, nullptr);
  return Iterator(m_arena, m_arena->children.data() + data().first_child);
}

Node::Iterator Node::end() const {
  if (!is_sequence()) return Iterator(m_arena, nullptr);
  return Iterator(m_arena, m_arena->children.data() + data().first_child + data().child_count);
}

Node::Entry Node::entry(size_t i) const {
  const uint32_t* at = m_arena->children.data() + data().first_child + 2 * i;
  return Entry{Node(m_arena, at[0]), Node(m_arena, at[1])};
}

uint32_t Builder::add(NodeData node) {
  const auto index = static_cast<uint32_t>(m_arena->nodes.size());
  m_arena->nodes.push_back(node);
  if (m_open.empty())
    m_top.push_back(index);
  else
    m_pending.push_back(index);
  return index;
}

uint32_t Builder::null_value(Mark mark) {
  NodeData d;
  d.mark = mark;
  return add(d);
}

uint32_t Builder::scalar(std::string_view text, Mark mark, bool quoted) {
  NodeData d;
  d.kind = NodeKind::scalar;
  d.quoted = quoted;
  d.mark = mark;
  d.text_offset = static_cast<uint32_t>(m_arena->text.size());
  d.text_size = static_cast<uint32_t>(text.size());
  m_arena->text.append(text);
  return add(d);
}

void Builder::reserve(size_t nodes, size_t text) {
  m_arena->nodes.reserve(nodes);
  m_arena->children.reserve(nodes);
  m_arena->text.reserve(text);
}

uint32_t Builder::begin_sequence(Mark mark) {
  return open(NodeKind::sequence, mark);
}

uint32_t Builder::begin_map(Mark mark) {
  return open(NodeKind::map, mark);
}

uint32_t Builder::open(NodeKind kind, Mark mark) {
  NodeData d;
  d.kind = kind;
  d.mark = mark;
  const uint32_t index = add(d);
  m_open.push_back(index);
  m_open_from.push_back(m_pending.size());
  return index;
}

uint32_t Builder::end() {
  const uint32_t index = m_open.back();
  const size_t from = m_open_from.back();
  NodeData& d = m_arena->nodes[index];
  d.first_child = static_cast<uint32_t>(m_arena->children.size());
  d.child_count = static_cast<uint32_t>(m_pending.size() - from);
  m_arena->children.insert(m_arena->children.end(), m_pending.begin() + static_cast<std::ptrdiff_t>(from),
                           m_pending.end());
  m_pending.resize(from);
  m_open.pop_back();
  m_open_from.pop_back();
  return index;
}

void Builder::again(uint32_t index) {
  if (m_open.empty())
    m_top.push_back(index);
  else
    m_pending.push_back(index);
}

Document Builder::finish(std::optional<uint32_t> root) {
  while (!m_open.empty()) end();
  if (!root) root = m_top.empty() ? null_value() : m_top.front();
  Document doc;
  doc.m_arena = std::move(m_arena);
  doc.m_root = root;
  m_arena = std::make_unique<Arena>();
  m_top.clear();
  return doc;
}

namespace {

// Nodes a document may expand to through aliases: 10x a 100,000-tester desired state.
constexpr uint64_t k_max_expanded_nodes = 5'000'000;

core::SourceLoc mark_loc(const std::string& file, const Mark& mark) {
  core::SourceLoc loc;
  loc.file = file;
  if (mark.line >= 0) {
    loc.line = mark.line + 1;
    loc.column = mark.column + 1;
  }
  return loc;
}

Mark to_mark(const yaml_mark_t& m) {
  return Mark{static_cast<int>(m.line), static_cast<int>(m.column)};
}

// YAML's plain null: empty, ~, null, Null, NULL (the core schema yaml-cpp used too).
bool is_null_text(const char* s, size_t n) {
  const std::string_view v(s, n);
  return v.empty() || v == "~" || v == "null" || v == "Null" || v == "NULL";
}

bool has_utf16_or_32_bom(const std::string& text) {
  return text.compare(0, 2, "\xFE\xFF") == 0 || text.compare(0, 2, "\xFF\xFE") == 0 ||
         text.compare(0, 4, std::string("\0\0\xFE\xFF", 4)) == 0;
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// UTF-16 or UTF-32 text with a byte order mark, as UTF-8 without it. On an invalid code unit
// returns false with `out` holding the text before it.
bool transcode_to_utf8(const std::string& text, std::string& out) {
  const auto byte = [&](size_t i) { return static_cast<uint32_t>(static_cast<unsigned char>(text[i])); };
  const bool utf32_le = text.compare(0, 4, std::string("\xFF\xFE\0\0", 4)) == 0;
  const bool utf32_be = text.compare(0, 4, std::string("\0\0\xFE\xFF", 4)) == 0;
  if (utf32_le || utf32_be) {
    for (size_t i = 4; i + 4 <= text.size(); i += 4) {
      const uint32_t cp = utf32_le ? byte(i) | byte(i + 1) << 8 | byte(i + 2) << 16 | byte(i + 3) << 24
                                   : byte(i) << 24 | byte(i + 1) << 16 | byte(i + 2) << 8 | byte(i + 3);
      if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
      append_utf8(out, cp);
    }
    return text.size() % 4 == 0;
  }
  const bool le = text.compare(0, 2, "\xFF\xFE") == 0;
  const auto unit = [&](size_t i) { return le ? byte(i) | byte(i + 1) << 8 : byte(i) << 8 | byte(i + 1); };
  for (size_t i = 2; i + 2 <= text.size(); i += 2) {
    uint32_t cp = unit(i);
    if (cp >= 0xDC00 && cp <= 0xDFFF) return false;
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      if (i + 4 > text.size()) return false;
      const uint32_t low = unit(i + 2);
      if (low < 0xDC00 || low > 0xDFFF) return false;
      cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
      i += 2;
    }
    append_utf8(out, cp);
  }
  return text.size() % 2 == 0;
}

// libyaml's parser, freed on every path.
struct Parser {
  yaml_parser_t parser{};
  explicit Parser(const std::string& text) {
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_string(&parser, reinterpret_cast<const unsigned char*>(text.data()), text.size());
  }
  ~Parser() { yaml_parser_delete(&parser); }
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;
};

struct Event {
  yaml_event_t event{};
  ~Event() { yaml_event_delete(&event); }
};

const char* const k_syntax_hint = "check indentation and that brackets and quotes are closed";

// Reports why libyaml stopped.
void report_parse_error(const yaml_parser_t& p, const std::string& text, const std::string& file,
                        Diagnostics& diags) {
  const std::string problem = p.problem ? p.problem : "unknown error";
  if (p.error == YAML_MEMORY_ERROR) {
    diags.error(core::SourceLoc{file, 0, 0}, "YAML: out of memory while parsing");
    return;
  }
  if (p.error == YAML_READER_ERROR) {
    // Invalid UTF-8 is refused before parsing; what is left is a control character.
    const auto pos = util::position_of(text, std::min(p.problem_offset, text.size()));
    char value[16];
    std::snprintf(value, sizeof value, "U+%04X", static_cast<unsigned>(p.problem_value));
    diags.error(core::SourceLoc{file, pos.line, pos.column},
                "YAML syntax: " + problem + (p.problem_value >= 0 ? std::string(" (") + value + ")" : ""),
                "remove the control character; only tab, newline and carriage return may appear in the text");
    return;
  }
  Mark mark = to_mark(p.problem_mark);
  std::string message = problem;
  std::string hint = k_syntax_hint;
  if (problem == "found invalid Unicode character escape code") {
    // Why: the same message and place as before (yaml-cpp's, which tests and scripts know):
    // "invalid unicode: dc00", at the character after the escape.
    const size_t at = p.problem_mark.index;
    if (at >= 1 && at <= text.size() && (text[at - 1] == 'u' || text[at - 1] == 'U')) {
      const size_t digits = text[at - 1] == 'u' ? 4 : 8;
      unsigned long value = 0;
      std::from_chars(text.data() + at, text.data() + std::min(text.size(), at + digits), value, 16);
      char hex[16];
      std::snprintf(hex, sizeof hex, "%lx", value);
      message = std::string("invalid unicode: ") + hex;
      mark.column += static_cast<int>(digits);
    }
    hint =
        "write the character itself, or escape a character beyond U+FFFF as \\UXXXXXXXX (not as two "
        "\\u surrogates)";
  } else if (p.context) {
    // Where the construct being parsed began: an unclosed quote or bracket is found there.
    const Mark context = to_mark(p.context_mark);
    if (context.line != mark.line || context.column != mark.column)
      message += " (" + std::string(p.context) + " started at " + std::to_string(context.line + 1) + ":" +
                 std::to_string(context.column + 1) + ")";
  }
  diags.error(mark_loc(file, mark), "YAML syntax: " + message, hint);
}

}  // namespace

bool check_text(std::string_view value, const core::SourceLoc& loc, const std::string& what,
                Diagnostics& diags) {
  const size_t bad = util::invalid_utf8_offset(value);
  if (bad == std::string::npos) return true;
  char byte[8];
  std::snprintf(byte, sizeof byte, "\\x%02x", static_cast<unsigned char>(value[bad]));
  diags.error(loc, what + " is not valid UTF-8 (byte " + byte + " at offset " + std::to_string(bad) + ")",
              "write the text in UTF-8");
  return false;
}

std::optional<Document> parse_text(const std::string& input, const std::string& file, Diagnostics& diags) {
  std::string transcoded;
  if (has_utf16_or_32_bom(input)) {
    if (!transcode_to_utf8(input, transcoded)) {
      const auto pos = util::position_of(transcoded, transcoded.size());
      diags.error(core::SourceLoc{file, pos.line, pos.column}, "invalid UTF-16/UTF-32 text",
                  "save the file as UTF-8");
      return std::nullopt;
    }
  } else {
    // Why: names and emails end up in JSON, whose encoder throws on invalid UTF-8. Reject the
    // file here, at the exact place.
    const size_t bad = util::invalid_utf8_offset(input);
    if (bad != std::string::npos) {
      const auto pos = util::position_of(input, bad);
      char byte[8];
      std::snprintf(byte, sizeof byte, "\\x%02x", static_cast<unsigned char>(input[bad]));
      diags.error(
          core::SourceLoc{file, pos.line, pos.column}, std::string("invalid UTF-8 (byte ") + byte + ")",
          "save the file as UTF-8 (Latin-1 and Windows-1252 text must be converted, e.g. with iconv)");
      return std::nullopt;
    }
  }
  const std::string& text = transcoded.empty() ? input : transcoded;

  Parser parser(text);
  Builder builder;
  // Why: growing the arrays node by node copies them again and again. A YAML node takes at
  // least a few bytes of text; untouched reserved pages cost no memory.
  builder.reserve(text.size() / 8 + 16, text.size());
  std::unordered_map<std::string, uint32_t> anchors;
  std::vector<std::string> open_anchors;  // of the open containers
  // Why: an alias shares its anchor's node, but every reader walks it again. Nested aliases
  // ("billion laughs": a list of ten aliases to a list of ten aliases ...) make a few hundred
  // bytes read as billions of nodes. Each node's expanded size is counted (an alias adds its
  // anchor's) and a document past k_max_expanded_nodes is refused.
  std::unordered_map<uint32_t, uint64_t> anchor_size;  // anchored node -> its expanded size
  std::vector<uint64_t> open_size;                     // expanded size of each open container so far
  uint64_t expanded = 0;
  const auto grow = [&](uint64_t n) {
    expanded += n;
    if (!open_size.empty()) open_size.back() += n;
  };
  std::vector<Mark> document_starts;  // one per top-level node
  Mark document_start;
  for (bool done = false; !done;) {
    Event ev;
    if (!yaml_parser_parse(&parser.parser, &ev.event)) {
      report_parse_error(parser.parser, text, file, diags);
      return std::nullopt;
    }
    const yaml_event_t& e = ev.event;
    const Mark mark = to_mark(e.start_mark);
    switch (e.type) {
      case YAML_STREAM_END_EVENT:
        done = true;
        break;
      case YAML_DOCUMENT_START_EVENT:
        document_start = mark;
        anchors.clear();  // anchors are local to their document
        break;
      case YAML_DOCUMENT_END_EVENT:
        document_starts.push_back(document_start);
        break;
      case YAML_SCALAR_EVENT: {
        const auto& s = e.data.scalar;
        const char* value = reinterpret_cast<const char*>(s.value);
        const char* tag = reinterpret_cast<const char*>(s.tag);
        const bool plain = s.style == YAML_PLAIN_SCALAR_STYLE;
        const uint32_t index = plain && !tag && is_null_text(value, s.length)
                                   ? builder.null_value(mark)
                                   : builder.scalar(std::string_view(value, s.length), mark,
                                                    tag ? std::strcmp(tag, "!") == 0 : !plain);
        if (s.anchor) {
          anchors[reinterpret_cast<const char*>(s.anchor)] = index;
          anchor_size[index] = 1;
        }
        grow(1);
        break;
      }
      case YAML_SEQUENCE_START_EVENT:
        builder.begin_sequence(mark);
        ++expanded;
        open_size.push_back(1);
        open_anchors.emplace_back(
            e.data.sequence_start.anchor ? reinterpret_cast<const char*>(e.data.sequence_start.anchor) : "");
        break;
      case YAML_MAPPING_START_EVENT:
        builder.begin_map(mark);
        ++expanded;
        open_size.push_back(1);
        open_anchors.emplace_back(
            e.data.mapping_start.anchor ? reinterpret_cast<const char*>(e.data.mapping_start.anchor) : "");
        break;
      case YAML_SEQUENCE_END_EVENT:
      case YAML_MAPPING_END_EVENT: {
        const uint32_t index = builder.end();
        // Why only now: an alias inside its own anchor's node would make a cycle.
        const uint64_t size = open_size.back();
        open_size.pop_back();
        if (!open_anchors.back().empty()) {
          anchors[open_anchors.back()] = index;
          anchor_size[index] = size;
        }
        open_anchors.pop_back();
        // The container itself was counted when it opened; its children as they came.
        if (!open_size.empty()) open_size.back() += size;
        break;
      }
      case YAML_ALIAS_EVENT: {
        auto it = anchors.find(reinterpret_cast<const char*>(e.data.alias.anchor));
        if (it == anchors.end()) {
          diags.error(mark_loc(file, mark), "YAML syntax: the referenced anchor is not defined",
                      "define it with &name before it is used as *name");
          return std::nullopt;
        }
        builder.again(it->second);
        grow(anchor_size[it->second]);
        if (expanded > k_max_expanded_nodes) {
          diags.error(
              mark_loc(file, mark),
              "YAML aliases expand this document beyond " + std::to_string(k_max_expanded_nodes) + " nodes",
              "write the values out, or use fewer nested aliases (*name)");
          return std::nullopt;
        }
        break;
      }
      default:
        break;
    }
  }
  // Why: a second document ('---') must not be dropped silently: with pruning on, whatever it
  // declares would be deleted. Empty documents declare nothing and lose nothing.
  const auto& roots = builder.top_level();
  std::vector<size_t> non_empty;
  for (size_t i = 0; i < roots.size(); ++i)
    if (!builder.is_null(roots[i])) non_empty.push_back(i);
  if (non_empty.size() > 1) {
    const size_t second = non_empty[1];
    diags.error(mark_loc(file, second < document_starts.size() ? document_starts[second] : Mark{}),
                "a second YAML document starts here; ascsync reads exactly one document per file",
                "remove the '---' line to merge the documents, or move the second one into its own file "
                "(a desired-state directory merges its files)");
    return std::nullopt;
  }
  if (non_empty.empty()) return builder.finish();
  return builder.finish(roots[non_empty.front()]);
}

std::optional<Document> parse_file(const std::string& path, Diagnostics& diags) {
  auto text = util::read_file(path);
  if (!text) {
    diags.error(core::SourceLoc{path, 0, 0}, text.error().message,
                "give a regular file of at most 16 MiB, readable by this user");
    return std::nullopt;
  }
  return parse_text(*text, path, diags);
}

core::SourceLoc loc_of(const std::string& file, const Node& node, const core::SourceLoc& fallback) {
  if (!node.is_defined() || node.is_null() || node.mark().line < 0) {
    if (fallback.line > 0) return fallback;
    return mark_loc(file, node.mark());
  }
  return mark_loc(file, node.mark());
}

std::string describe(const Node& node) {
  if (!node.is_defined() || node.is_null()) return "nothing";
  if (node.is_map()) return "a mapping";
  if (node.is_sequence()) return "a list";
  return "\"" + std::string(node.scalar()) + "\"";
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

MapReader::MapReader(std::string file, const Node& node, core::SourceLoc where, std::string what,
                     const std::vector<std::string>& allowed, Diagnostics& diags)
    : m_file(std::move(file)), m_loc(std::move(where)), m_what(std::move(what)), m_diags(diags) {
  // Why: `log:` with nothing under it reads naturally as "all defaults".
  if (node.is_defined() && node.is_null()) {
    m_is_map = true;
    return;
  }
  if (!node.is_map()) {
    m_diags.error(m_loc, m_what + " must be a mapping of keys to values, not " + describe(node));
    return;
  }
  m_is_map = true;
  const size_t n = node.size();
  m_fields.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    const Node::Entry entry = node.entry(i);
    Field f;
    f.key_loc = loc_of(m_file, entry.key, m_loc);
    f.value = entry.value;
    f.value_loc = loc_of(m_file, entry.value, f.key_loc);
    if (!entry.key.is_scalar()) {
      m_diags.error(f.key_loc, "keys in " + m_what + " must be plain words");
      continue;
    }
    std::string key(entry.key.scalar());
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
  if (!f->value.is_scalar()) {
    m_diags.error(f->value_loc, "'" + key + "' must be a string, not " + describe(f->value));
    return std::nullopt;
  }
  if (!check_text(f->value.scalar(), f->value_loc, "'" + key + "'", m_diags)) return std::nullopt;
  return std::string(f->value.scalar());
}

std::optional<bool> MapReader::boolean(const std::string& key) const {
  const Field* f = field(key);
  if (!f) return std::nullopt;
  if (f->value.is_scalar() && !f->value.is_quoted()) {
    const std::string_view v = f->value.scalar();
    if (v == "true" || v == "True" || v == "TRUE") return true;
    if (v == "false" || v == "False" || v == "FALSE") return false;
  }
  // Why: only mention quotes when the value has them ("yes" or 1 need a different fix).
  m_diags.error(f->value_loc, "'" + key + "' must be true or false, not " + describe(f->value),
                f->value.is_quoted() ? "write true or false without quotes" : "write true or false");
  return std::nullopt;
}

std::optional<long long> MapReader::integer(const std::string& key, long long min, long long max) const {
  const Field* f = field(key);
  if (!f) return std::nullopt;
  const std::string range = std::to_string(min) + ".." + std::to_string(max);
  if (f->value.is_scalar() && !f->value.is_quoted()) {
    const std::string v(f->value.scalar());
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
  if (f->value.is_null()) return std::vector<std::pair<std::string, core::SourceLoc>>{};
  if (!f->value.is_sequence()) {
    m_diags.error(f->value_loc, "'" + key + "' must be a list, not " + describe(f->value),
                  "write [a, b] or one '- item' per line");
    return std::nullopt;
  }
  std::vector<std::pair<std::string, core::SourceLoc>> out;
  bool ok = true;
  out.reserve(f->value.size());
  for (const Node item : f->value) {
    const core::SourceLoc loc = loc_of(m_file, item, f->value_loc);
    if (!item.is_scalar()) {
      m_diags.error(loc, "items of '" + key + "' must be strings, not " + describe(item));
      ok = false;
      continue;
    }
    if (!check_text(item.scalar(), loc, "an item of '" + key + "'", m_diags)) {
      ok = false;
      continue;
    }
    out.emplace_back(item.scalar(), loc);
  }
  if (!ok) return std::nullopt;
  return out;
}

}  // namespace config::yaml
