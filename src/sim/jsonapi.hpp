#pragma once
// JSON:API pieces of the simulator: Apple-shaped errors, replies, and validation of request
// documents ({"data":{"type","id"?,"attributes","relationships"}}) against what one operation
// accepts.
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace sim {

// One entry of Apple's ErrorResponse.errors[]. status/code/title/detail are always set.
struct ApiError {
  int status = 500;
  std::string code;
  std::string title;
  std::string detail;
  std::string pointer;    // source.pointer when non-empty
  std::string parameter;  // source.parameter when non-empty
};

// What a handler answers. An empty body with 204/202 means no body.
struct Reply {
  int status = 200;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

nlohmann::json error_document(const std::vector<ApiError>& errors);
Reply error_reply(const ApiError& error);
Reply error_reply(const std::vector<ApiError>& errors);
Reply json_reply(int status, const nlohmann::json& doc);

// Common errors, worded as Apple words them.
ApiError not_found(const std::string& type, const std::string& id);
ApiError path_not_found(const std::string& path);
ApiError method_not_allowed(const std::string& method, const std::string& path);
ApiError parameter_invalid(const std::string& parameter, const std::string& detail);
ApiError parameter_illegal(const std::string& parameter, const std::string& detail);
ApiError attribute_invalid(const std::string& pointer, const std::string& detail, int status = 409);
ApiError attribute_required(const std::string& pointer, const std::string& detail);
ApiError attribute_type(const std::string& pointer, const std::string& detail);
ApiError attribute_unknown(const std::string& pointer, const std::string& detail);
ApiError relationship_invalid(const std::string& pointer, const std::string& detail);
ApiError entity_error(int status, const std::string& detail, const std::string& pointer = "");
ApiError state_error(const std::string& detail, const std::string& pointer = "");
ApiError duplicate_error(const std::string& pointer, const std::string& detail);

// The JSON type an attribute must have.
enum class AttrType { string, boolean, integer, string_array };

struct AttrSpec {
  AttrSpec(AttrType t = AttrType::string, bool req = false, std::vector<std::string> values = {})
      : type(t), required(req), allowed(std::move(values)) {}
  AttrType type = AttrType::string;
  bool required = false;
  std::vector<std::string> allowed;  // enum values (each element for string_array), empty = any
};

enum class RelKind { to_one, to_many };

struct RelSpec {
  RelKind kind = RelKind::to_one;
  std::string type;  // resource type of the linkage, e.g. "apps"
  bool required = false;
};

// What one create/update operation accepts.
struct DocSpec {
  std::string type;
  bool id_required = false;  // updates
  bool attributes_required = false;
  std::map<std::string, AttrSpec> attributes;
  std::map<std::string, RelSpec> relationships;
};

// A validated request document.
struct RequestDoc {
  std::string id;
  nlohmann::json attributes = nlohmann::json::object();
  std::map<std::string, std::vector<std::string>> relationships;  // name -> ids (to-one: one id)
  bool has_relationship(const std::string& name) const { return relationships.contains(name); }
};

// Parses and validates a create/update body. `path_id` (updates) must equal data.id.
// Returns the document or the errors to answer with.
std::variant<RequestDoc, std::vector<ApiError>> parse_document(const std::string& body, const DocSpec& spec,
                                                               const std::string& path_id = "");

// Parses a linkage body {"data":[{"type":type,"id":...}, ...]} into ids.
std::variant<std::vector<std::string>, ApiError> parse_linkages(const std::string& body,
                                                                const std::string& type);

}  // namespace sim
