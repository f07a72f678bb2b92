#include "asc/jsonapi.hpp"

namespace asc {

namespace {

util::Error missing(const std::string& what) {
  return util::make_error(util::ErrorKind::client, "malformed App Store Connect document: " + what);
}

const Json* attributes(const Json& resource) {
  const auto it = resource.find("attributes");
  return it != resource.end() && it->is_object() ? &*it : nullptr;
}

const Json* attribute(const Json& resource, const char* name) {
  const Json* attrs = attributes(resource);
  if (!attrs) return nullptr;
  const auto it = attrs->find(name);
  return it != attrs->end() ? &*it : nullptr;
}

const Json* relationship(const Json& resource, const char* name) {
  const auto rels = resource.find("relationships");
  if (rels == resource.end() || !rels->is_object()) return nullptr;
  const auto it = rels->find(name);
  return it != rels->end() && it->is_object() ? &*it : nullptr;
}

}  // namespace

util::Status check_collection(const Json& doc) {
  if (!doc.is_object()) return missing("expected a JSON object");
  const auto data = doc.find("data");
  if (data == doc.end()) return missing("collection has no 'data' member");
  if (!data->is_array()) return missing("collection 'data' is not an array");
  const auto links = doc.find("links");
  if (links == doc.end() || !links->is_object()) return missing("collection has no 'links' object");
  return util::ok_status();
}

util::Status check_single(const Json& doc) {
  if (!doc.is_object()) return missing("expected a JSON object");
  const auto data = doc.find("data");
  if (data == doc.end()) return missing("document has no 'data' member");
  if (!data->is_object()) return missing("document 'data' is not an object");
  return util::ok_status();
}

util::Status check_resource(const Json& resource, std::string_view expected_type) {
  if (!resource.is_object()) return missing("resource is not an object");
  const auto type = resource.find("type");
  if (type == resource.end() || !type->is_string()) return missing("resource has no 'type'");
  const auto id = resource.find("id");
  if (id == resource.end() || !id->is_string() || id->get_ref<const std::string&>().empty())
    return missing(std::string(expected_type) + " resource has no 'id'");
  if (type->get_ref<const std::string&>() != expected_type)
    return missing("expected a " + std::string(expected_type) + " resource, got '" +
                   type->get_ref<const std::string&>() + "'");
  return util::ok_status();
}

std::string str_attr(const Json& resource, const char* name) {
  const Json* v = attribute(resource, name);
  return v && v->is_string() ? v->get<std::string>() : std::string();
}

bool bool_attr(const Json& resource, const char* name, bool fallback) {
  const Json* v = attribute(resource, name);
  return v && v->is_boolean() ? v->get<bool>() : fallback;
}

std::optional<int> int_attr(const Json& resource, const char* name) {
  const Json* v = attribute(resource, name);
  if (!v || !v->is_number_integer()) return std::nullopt;
  return v->get<int>();
}

std::vector<std::string> strings_attr(const Json& resource, const char* name) {
  std::vector<std::string> out;
  const Json* v = attribute(resource, name);
  if (!v || !v->is_array()) return out;
  for (const auto& item : *v)
    if (item.is_string()) out.push_back(item.get<std::string>());
  return out;
}

std::optional<std::vector<std::string>> to_many_ids(const Json& resource, const char* name) {
  const Json* rel = relationship(resource, name);
  if (!rel) return std::nullopt;
  const auto data = rel->find("data");
  if (data == rel->end() || !data->is_array()) return std::nullopt;
  std::vector<std::string> out;
  for (const auto& item : *data) {
    if (!item.is_object()) continue;
    const auto id = item.find("id");
    if (id != item.end() && id->is_string()) out.push_back(id->get<std::string>());
  }
  return out;
}

std::optional<std::string> to_one_id(const Json& resource, const char* name) {
  const Json* rel = relationship(resource, name);
  if (!rel) return std::nullopt;
  const auto data = rel->find("data");
  if (data == rel->end() || !data->is_object()) return std::nullopt;
  const auto id = data->find("id");
  if (id == data->end() || !id->is_string()) return std::nullopt;
  return id->get<std::string>();
}

bool to_many_truncated(const Json& resource, const char* name) {
  const Json* rel = relationship(resource, name);
  if (!rel) return false;
  const Json* total = nullptr;
  if (const auto meta = rel->find("meta"); meta != rel->end() && meta->is_object())
    if (const auto paging = meta->find("paging"); paging != meta->end() && paging->is_object())
      if (const auto t = paging->find("total"); t != paging->end() && t->is_number_integer()) total = &*t;
  if (!total) return false;
  const auto data = rel->find("data");
  const size_t have = data != rel->end() && data->is_array() ? data->size() : 0;
  return total->get<long long>() > static_cast<long long>(have);
}

util::Result<std::vector<std::string>> linkage_ids(const Json& page, std::string_view expected_type) {
  std::vector<std::string> out;
  for (const auto& item : page.at("data")) {
    if (auto ok = check_resource(item, expected_type); !ok) return ok.error();
    out.push_back(item["id"].get<std::string>());
  }
  return out;
}

}  // namespace asc
