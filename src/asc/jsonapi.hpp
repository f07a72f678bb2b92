#pragma once
// JSON:API documents as App Store Connect sends them: checks for the members the spec requires
// and tolerant readers for everything else (unknown members are ignored, missing optional ones
// read as empty).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "util/result.hpp"

namespace asc {

using Json = nlohmann::json;

// A collection document: an object with a `data` array and a `links` object. Fails with
// ErrorKind::client naming the missing member.
util::Status check_collection(const Json& doc);
// A single-resource document: an object with a `data` object (and `links`, which Apple always
// sends but is not needed to read the resource, so its absence is tolerated).
util::Status check_single(const Json& doc);
// A resource object: `type` equal to expected_type and a non-empty string `id`.
util::Status check_resource(const Json& resource, std::string_view expected_type);

// Attribute readers: absent or null (or of another JSON type) reads as the fallback.
std::string str_attr(const Json& resource, const char* name);
bool bool_attr(const Json& resource, const char* name, bool fallback = false);
std::optional<int> int_attr(const Json& resource, const char* name);
std::vector<std::string> strings_attr(const Json& resource, const char* name);

// Relationship readers.
// The ids of a to-many linkage; std::nullopt when the relationship has no `data` (Apple only
// sends it when the relationship was included).
std::optional<std::vector<std::string>> to_many_ids(const Json& resource, const char* relationship);
std::optional<std::string> to_one_id(const Json& resource, const char* relationship);
// True when meta.paging.total says the relationship holds more items than `data` carries.
bool to_many_truncated(const Json& resource, const char* relationship);

// The ids in a linkage-only collection page ({"data":[{"type","id"}]}).
util::Result<std::vector<std::string>> linkage_ids(const Json& page, std::string_view expected_type);

}  // namespace asc
