#pragma once
// YAML documents for the configuration files, and small helpers that turn every shape problem
// into a Diagnostic with file:line:col.
//
// Why not yaml-cpp's tree: loading a 10,000-tester desired state (1.3 MB) with it took ~120 ms
// and ~40 MB, most of the cost of `ascsync plan --no-refresh` (bench/README.md). The document
// here is built from libyaml's events into one flat arena: a node is an index, a container's
// children are a slice of one shared array, and nothing is reference-counted.
//
// Marks are 0-based (SourceLoc is 1-based); columns count characters, as an editor shows them.
// A null value (`key:` with nothing after it) may carry the mark of the next token, so values
// fall back to their key's place when they are null.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/diagnostics.hpp"
#include "core/desired.hpp"

namespace config::yaml {

struct Mark {
  int line = -1;  // 0-based; -1: no place (a node built in code)
  int column = -1;
};

enum class NodeKind : uint8_t { null, scalar, sequence, map };

struct NodeData {
  NodeKind kind = NodeKind::null;
  bool quoted = false;
  Mark mark;
  uint32_t first_child = 0;  // into Arena::children; a map's children alternate key, value
  uint32_t child_count = 0;
  uint32_t text_offset = 0;  // a scalar's text, in Arena::text
  uint32_t text_size = 0;
};

// Every node of one Document. Heap-allocated, so nodes stay valid when the Document moves.
struct Arena {
  std::vector<NodeData> nodes;
  std::vector<uint32_t> children;
  std::string text;  // every scalar's text, one after the other
};

// A node of a Document, valid while the Document lives. A default-constructed Node is
// "undefined" (an absent value), which is neither null nor anything else.
class Node {
 public:
  Node() = default;
  Node(const Arena* arena, uint32_t index) : m_arena(arena), m_index(index) {}

  bool is_defined() const { return m_arena != nullptr; }
  bool is_null() const { return m_arena && data().kind == NodeKind::null; }
  bool is_scalar() const { return m_arena && data().kind == NodeKind::scalar; }
  bool is_sequence() const { return m_arena && data().kind == NodeKind::sequence; }
  bool is_map() const { return m_arena && data().kind == NodeKind::map; }
  // True for a quoted or block scalar, or one tagged with the non-specific '!': text that
  // must not read as a boolean or a number.
  bool is_quoted() const { return m_arena && data().quoted; }
  // The scalar's text; empty for anything else.
  std::string_view scalar() const;
  Mark mark() const { return m_arena ? data().mark : Mark{}; }
  // Items of a sequence, entries of a mapping; 0 for anything else.
  size_t size() const;

  // A sequence's items (nothing for anything else).
  class Iterator {
   public:
    Iterator(const Arena* arena, const uint32_t* at) : m_arena(arena), m_at(at) {}
    Node operator*() const { return Node(m_arena, *m_at); }
    Iterator& operator++() {
      ++m_at;
      return *this;
    }
    bool operator==(const Iterator& other) const { return m_at == other.m_at; }
    bool operator!=(const Iterator& other) const { return m_at != other.m_at; }

   private:
    const Arena* m_arena;
    const uint32_t* m_at;
  };
  Iterator begin() const;
  Iterator end() const;

  // A mapping's entry i (0 <= i < size()), in document order, duplicates included.
  struct Entry;
  Entry entry(size_t i) const;

 private:
  const NodeData& data() const { return m_arena->nodes[m_index]; }

  const Arena* m_arena = nullptr;
  uint32_t m_index = 0;
};

struct Node::Entry {
  Node key;
  Node value;
};

// A parsed document: owns every node. Movable, not copyable.
class Document {
 public:
  Document() : m_arena(std::make_unique<Arena>()) {}
  // The root: a null node for an empty YAML document; undefined for a default-constructed one.
  Node root() const { return m_root ? Node(m_arena.get(), *m_root) : Node(); }

 private:
  friend class Builder;
  std::unique_ptr<Arena> m_arena;
  std::optional<uint32_t> m_root;
};

// Builds a Document node by node, depth first: what the parser does with libyaml's events, and
// what a test does to make nodes no parser would produce (invalid UTF-8 in a scalar).
class Builder {
 public:
  Builder() : m_arena(std::make_unique<Arena>()) {}
  // Each adds a node to the innermost open container (or, when none is open, to the top-level
  // nodes) and returns its index.
  uint32_t null_value(Mark mark = {});
  uint32_t scalar(std::string_view text, Mark mark = {}, bool quoted = false);
  // Room for about this many nodes and this much scalar text.
  void reserve(size_t nodes, size_t text);
  uint32_t begin_sequence(Mark mark = {});
  uint32_t begin_map(Mark mark = {});
  // Closes the innermost open container and returns its index.
  uint32_t end();
  // Adds an earlier, finished node again (a YAML alias) to the open container.
  void again(uint32_t index);
  // The top-level nodes added so far, in order (a YAML stream's documents).
  const std::vector<uint32_t>& top_level() const { return m_top; }
  bool is_null(uint32_t index) const { return m_arena->nodes[index].kind == NodeKind::null; }
  // The finished document whose root is top-level node `root` (the first when not given).
  Document finish(std::optional<uint32_t> root = std::nullopt);

 private:
  uint32_t add(NodeData node);
  uint32_t open(NodeKind kind, Mark mark);

  std::unique_ptr<Arena> m_arena;
  std::vector<uint32_t> m_open;     // the open containers, innermost last
  std::vector<size_t> m_open_from;  // where each open container's children start in m_pending
  std::vector<uint32_t> m_pending;  // children of the open containers
  std::vector<uint32_t> m_top;
};

// Parses text (named file in diagnostics). Returns std::nullopt after adding a diagnostic on a
// syntax error. An empty document parses to a null node. The text must be UTF-8 (or carry a
// UTF-16/32 byte order mark) — invalid bytes are an error at their line:col — and hold one YAML
// document: a second non-empty document is an error at its '---' (nothing after it may be
// dropped silently; empty documents are ignored).
std::optional<Document> parse_text(const std::string& input, const std::string& file, Diagnostics& diags);
// Reads and parses a file; a missing, unreadable, non-regular or oversized file is a diagnostic
// at "file".
std::optional<Document> parse_file(const std::string& path, Diagnostics& diags);

// True when value is valid UTF-8; otherwise reports "<what> is not valid UTF-8" at loc. The
// typed getters below check every string they return.
bool check_text(std::string_view value, const core::SourceLoc& loc, const std::string& what,
                Diagnostics& diags);

// The node's place, or fallback when the node has no mark (or is null: see the top).
core::SourceLoc loc_of(const std::string& file, const Node& node, const core::SourceLoc& fallback = {});

// "a mapping", "a list", "a string", "nothing": for "must be X, not Y" messages.
std::string describe(const Node& node);

// The closest candidate within a small edit distance, for "did you mean" hints; empty when none.
std::string closest(const std::string& word, const std::vector<std::string>& candidates);

struct Field {
  Node value;
  core::SourceLoc key_loc;
  core::SourceLoc value_loc;  // key_loc when the value is null
};

// One YAML mapping read with a fixed set of allowed keys; a null node reads as an empty map. Construction
// reports a non-map node, unknown keys (with "did you mean") and duplicate keys. The typed getters report
// wrong types and missing required keys and return std::nullopt then.
class MapReader {
 public:
  MapReader(std::string file, const Node& node, core::SourceLoc where, std::string what,
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
