// The YAML document under every config file (config/yaml_reader.hpp): libyaml's events built
// into a flat document — anchors, scalar styles, nulls, places, encodings and refusals.
#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <utility>

#include "config/desired_state.hpp"
#include "config/yaml_reader.hpp"

namespace {

using config::yaml::Node;

// The value of `key` in a mapping node (undefined when absent).
Node yaml_doc_value(const Node& map, const std::string& key) {
  for (size_t i = 0; i < map.size(); ++i)
    if (map.entry(i).key.scalar() == key) return map.entry(i).value;
  return Node();
}

}  // namespace

TEST_CASE("yaml document: scalars keep their style, nulls are YAML's plain nulls") {
  config::Diagnostics diags;
  auto doc = config::yaml::parse_text(
      "a: \"true\"\nb: ! true\nc: !!str true\nd: true\ne: |\n  x\nf: ~\ng:\nh: null\ni: \"null\"\nj: 'x'\n",
      "d.yaml", diags);
  INFO(diags.render());
  REQUIRE(doc);
  const Node root = doc->root();
  REQUIRE(root.is_map());
  CHECK(root.size() == 10);
  CHECK(yaml_doc_value(root, "a").is_quoted());
  CHECK(yaml_doc_value(root, "b").is_quoted());
  CHECK_FALSE(yaml_doc_value(root, "c").is_quoted());
  CHECK_FALSE(yaml_doc_value(root, "d").is_quoted());
  CHECK(yaml_doc_value(root, "e").is_quoted());
  CHECK(yaml_doc_value(root, "e").scalar() == "x\n");
  CHECK(yaml_doc_value(root, "f").is_null());
  CHECK(yaml_doc_value(root, "g").is_null());
  CHECK(yaml_doc_value(root, "h").is_null());
  CHECK(yaml_doc_value(root, "i").is_scalar());
  CHECK(yaml_doc_value(root, "i").scalar() == "null");
  CHECK(yaml_doc_value(root, "j").is_quoted());
  CHECK_FALSE(yaml_doc_value(root, "zz").is_defined());
}

TEST_CASE("yaml document: places are 1-based lines and columns in characters") {
  config::Diagnostics diags;
  auto doc =
      config::yaml::parse_text("top: 1\na: {x: \xc3\xa9\xc3\xa9, y: 1}\nl:\n  - m: 2\n", "d.yaml", diags);
  REQUIRE(doc);
  const Node root = doc->root();
  const auto y = config::yaml::loc_of("d.yaml", yaml_doc_value(yaml_doc_value(root, "a"), "y"));
  CHECK(y.str() == "d.yaml:2:15");
  const Node list = yaml_doc_value(root, "l");
  CHECK(config::yaml::loc_of("d.yaml", list).str() == "d.yaml:4:3");
  REQUIRE(list.size() == 1);
  CHECK(config::yaml::loc_of("d.yaml", *list.begin()).str() == "d.yaml:4:5");
}

TEST_CASE("yaml document: an alias is its anchor's node; an unknown or enclosing anchor is an error") {
  config::Diagnostics diags;
  auto doc = config::yaml::parse_text("a: &x [1, 2]\nb: *x\n", "d.yaml", diags);
  REQUIRE(doc);
  const Node b = yaml_doc_value(doc->root(), "b");
  REQUIRE(b.is_sequence());
  CHECK(b.size() == 2);
  CHECK((*b.begin()).scalar() == "1");

  for (const auto& [text, loc] : {std::pair<std::string, std::string>{"a: 1\nb: *nope\n", "d.yaml:2:4"},
                                  {"a: &x [*x]\n", "d.yaml:1:8"}}) {
    CAPTURE(text);
    config::Diagnostics errors;
    CHECK_FALSE(config::yaml::parse_text(text, "d.yaml", errors));
    const std::string rendered = errors.render();
    INFO(rendered);
    CHECK(rendered.find(loc + ": error: YAML syntax: the referenced anchor is not defined") !=
          std::string::npos);
  }
}

TEST_CASE("yaml document: duplicate keys stay, in document order, for the reader to report") {
  config::Diagnostics diags;
  auto doc = config::yaml::parse_text("k: 1\nk: 2\n", "d.yaml", diags);
  REQUIRE(doc);
  REQUIRE(doc->root().size() == 2);
  CHECK(doc->root().entry(0).value.scalar() == "1");
  CHECK(doc->root().entry(1).value.scalar() == "2");
}

TEST_CASE("yaml document: UTF-16 and UTF-32 with a byte order mark read as UTF-8") {
  const std::string text = "team: acme\ntesters: [{email: a@b.co, first_name: \xc3\xa9}]\n";
  const auto widen = [&](int width, bool little) {
    std::string out;
    const auto put = [&](uint32_t unit) {
      for (int i = 0; i < width; ++i) {
        const int shift = little ? 8 * i : 8 * (width - 1 - i);
        out += static_cast<char>((unit >> shift) & 0xFF);
      }
    };
    put(0xFEFF);
    for (size_t i = 0; i < text.size(); ++i) {
      const auto c = static_cast<unsigned char>(text[i]);
      if (c == 0xC3) {
        put(0xE9);  // the one non-ASCII character of the text
        ++i;
      } else {
        put(c);
      }
    }
    return out;
  };
  for (const auto& [width, little] : {std::pair{2, true}, std::pair{2, false}, std::pair{4, false}}) {
    CAPTURE(width);
    CAPTURE(little);
    config::Diagnostics diags;
    auto state = config::parse_desired_state({{"d.yaml", widen(width, little)}}, &diags);
    INFO(diags.render());
    REQUIRE(state.ok());
    REQUIRE(state->testers.size() == 1);
    CHECK(state->testers[0].first_name == "\xc3\xa9");
  }
  config::Diagnostics diags;
  CHECK_FALSE(config::yaml::parse_text(std::string("\xFF\xFE"
                                                   "a\0:\0 \0\x00\xDC",
                                                   10),
                                       "d.yaml", diags));
  CHECK(diags.render().find("invalid UTF-16/UTF-32 text") != std::string::npos);
}

TEST_CASE("yaml document: a control character is an error at its place") {
  config::Diagnostics diags;
  CHECK_FALSE(
      config::yaml::parse_text("team: acme\nusers:\n  - email: a\x01"
                               "b\n",
                               "d.yaml", diags));
  const std::string rendered = diags.render();
  INFO(rendered);
  CHECK(rendered.find("d.yaml:3:13: error: YAML syntax: control characters are not allowed (U+0001)") !=
        std::string::npos);
}

TEST_CASE("yaml document: nodes stay valid when their document moves; an empty one reads as null") {
  config::Diagnostics diags;
  std::optional<config::yaml::Document> moved;
  Node root;
  {
    auto doc = config::yaml::parse_text("a: [x]\n", "d.yaml", diags);
    REQUIRE(doc);
    root = doc->root();
    moved = std::move(doc);
  }
  CHECK(yaml_doc_value(root, "a").size() == 1);
  for (const std::string text : {"", "# only a comment\n", "---\n...\n"}) {
    CAPTURE(text);
    auto empty = config::yaml::parse_text(text, "d.yaml", diags);
    REQUIRE(empty);
    CHECK(empty->root().is_null());
  }
  config::yaml::Builder build;
  CHECK(build.finish().root().is_null());
}

TEST_CASE("yaml document: aliases that expand past the node limit are refused at the alias") {
  // Nine levels of ten aliases each: a few hundred bytes that read as 10^9 nodes.
  std::string text = "l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int level = 1; level <= 9; ++level) {
    const std::string prev = "*l" + std::to_string(level - 1);
    text += "l" + std::to_string(level) + ": &l" + std::to_string(level) + " [";
    for (int i = 0; i < 10; ++i) text += (i ? ", " : "") + prev;
    text += "]\n";
  }
  config::Diagnostics diags;
  CHECK_FALSE(config::yaml::parse_text(text, "bomb.yaml", diags));
  const std::string rendered = diags.render();
  INFO(rendered);
  CHECK(rendered.find("bomb.yaml:7:") != std::string::npos);
  CHECK(rendered.find("YAML aliases expand this document beyond 5000000 nodes") != std::string::npos);

  // A few levels stay well inside it.
  config::Diagnostics fine;
  CHECK(config::yaml::parse_text("a: &a [x, y]\nb: &b [*a, *a]\nc: [*b, *b]\n", "ok.yaml", fine));
}
