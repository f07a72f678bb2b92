#pragma once
// JSON:API documents as App Store Connect sends them, read strictly (invariant 8): every member
// ascsync uses is checked for its JSON type, and a required member that is missing is an error —
// never a default. Unknown members are ignored (Apple adds fields over time).
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.hpp"

namespace asc {

using Json = nlohmann::json;

// A collection document: an object with a `data` array and a `links` object; `meta`, when
// present, must be an object whose `paging` (when present) has an integer `limit` ≥ 1 and an
// optional integer `total` ≥ 0. Fails with ErrorKind::client naming the member.
util::Status check_collection(const Json& doc);
// meta.paging of a collection document that passed check_collection: {total, limit}, or
// std::nullopt when the page carries no paging information (or no total).
struct Paging {
  long long total = 0;
  long long limit = 0;
};
std::optional<Paging> collection_paging(const Json& doc);
// A single-resource document: an object with a `data` object (and `links`, which Apple always
// sends but is not needed to read the resource, so its absence is tolerated).
util::Status check_single(const Json& doc);
// A resource object: `type` equal to expected_type and a non-empty string `id`.
util::Status check_resource(const Json& resource, std::string_view expected_type);

// How a member may appear in a resource.
enum class Need {
  required,  // present and not null
  present,   // present; null allowed (Apple sends null for "none", e.g. a tester without email)
  optional,  // may be absent or null (members Apple or the simulator leave out when unset)
};

// Reads one resource object strictly. The first problem is kept and every later read returns an
// empty value; check status() once at the end. Messages look like
//   betaGroups 'abc123' member attributes.isInternalGroup: expected boolean, got string
class ResourceReader {
 public:
  ResourceReader(const Json& resource, std::string_view expected_type);

  bool ok() const { return m_error.empty(); }
  util::Status status() const;
  const std::string& id() const { return m_id; }

  // Attributes. Absent/null (where `need` allows it) reads as "", false, std::nullopt or {}.
  std::string string(const char* name, Need need);
  bool boolean(const char* name, Need need);
  std::optional<int> integer(const char* name, Need need);
  std::vector<std::string> strings(const char* name, Need need);

  // Relationship linkages. `need` applies to the relationship's `data` member: required when
  // the request asked for it (`include=`), optional otherwise (e.g. in write responses). Every
  // linkage must be {type: expected_type, id: non-empty string}. std::nullopt = no data.
  std::optional<std::vector<std::string>> to_many(const char* relationship, std::string_view type, Need need);
  std::optional<std::string> to_one(const char* relationship, std::string_view type, Need need);
  // True when the relationship's meta.paging.total says it holds more than `data` carries.
  // meta/paging/total of the wrong type is an error.
  bool to_many_truncated(const char* relationship);

 private:
  const Json* attribute(const char* name, Need need);
  const Json* relationship_data(const char* relationship, Need need);
  void fail(const std::string& member, const std::string& expected, const Json* got);
  void fail_text(const std::string& text);

  const Json& m_resource;
  std::string m_type;
  std::string m_id;
  std::string m_error;
};

// The same for a resource already decoded by a ResourceReader that read `relationship` (which
// checked the meta member's types); false when the relationship or its total is absent.
bool to_many_truncated(const Json& resource, const char* relationship);

// The JSON type of a value for messages: "string", "boolean", "integer", "number", "array",
// "object", "null" (or "missing" for nullptr).
std::string json_type_name(const Json* value);

// The ids in a linkage-only (or full-object) collection page ({"data":[{"type","id"}]}).
util::Result<std::vector<std::string>> linkage_ids(const Json& page, std::string_view expected_type);

}  // namespace asc
