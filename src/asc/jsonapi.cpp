#include "asc/jsonapi.hpp"

#include <limits>

namespace asc {

namespace {

util::Error malformed(const std::string& what) {
  return util::make_error(util::ErrorKind::client, "malformed App Store Connect document: " + what);
}

bool is_integer(const Json& v) {
  return v.is_number_integer();
}

// An integer member that fits a long long (unsigned values beyond it do not).
std::optional<long long> as_long(const Json& v) {
  if (v.is_number_unsigned()) {
    const auto u = v.get<unsigned long long>();
    if (u > static_cast<unsigned long long>(std::numeric_limits<long long>::max())) return std::nullopt;
    return static_cast<long long>(u);
  }
  if (v.is_number_integer()) return v.get<long long>();
  return std::nullopt;
}

// Checks a `meta` member (of a document or a relationship): an object whose `paging`, when
// present, is an object with an integer `limit` ≥ 1 (required by the spec) and an optional
// integer `total` ≥ 0. `where` prefixes the member path in messages.
std::string check_meta(const Json& holder, const std::string& where) {
  const auto meta = holder.find("meta");
  if (meta == holder.end() || meta->is_null()) return {};
  if (!meta->is_object()) return where + "meta: expected object, got " + json_type_name(&*meta);
  const auto paging = meta->find("paging");
  if (paging == meta->end() || paging->is_null()) return {};
  if (!paging->is_object()) return where + "meta.paging: expected object, got " + json_type_name(&*paging);
  const auto limit = paging->find("limit");
  if (limit == paging->end()) return where + "meta.paging.limit: missing";
  if (!as_long(*limit) || *as_long(*limit) < 1)
    return where + "meta.paging.limit: expected integer >= 1, got " +
           (is_integer(*limit) ? limit->dump() : json_type_name(&*limit));
  const auto total = paging->find("total");
  if (total != paging->end() && !total->is_null() && (!as_long(*total) || *as_long(*total) < 0))
    return where + "meta.paging.total: expected integer >= 0, got " +
           (is_integer(*total) ? total->dump() : json_type_name(&*total));
  return {};
}

}  // namespace

std::string json_type_name(const Json* v) {
  if (!v) return "missing";
  if (v->is_number_integer()) return "integer";
  if (v->is_number()) return "number";
  return v->type_name();
}

util::Status check_collection(const Json& doc) {
  if (!doc.is_object()) return malformed("expected a JSON object, got " + json_type_name(&doc));
  const auto data = doc.find("data");
  if (data == doc.end()) return malformed("collection has no 'data' member");
  if (!data->is_array())
    return malformed("collection 'data' is not an array (expected array, got " + json_type_name(&*data) +
                     ")");
  const auto links = doc.find("links");
  if (links == doc.end() || !links->is_object())
    return malformed("collection has no 'links' object (got " +
                     json_type_name(links == doc.end() ? nullptr : &*links) + ")");
  if (auto bad = check_meta(doc, "collection member "); !bad.empty()) return malformed(bad);
  return util::ok_status();
}

std::optional<Paging> collection_paging(const Json& doc) {
  const auto meta = doc.find("meta");
  if (meta == doc.end() || !meta->is_object()) return std::nullopt;
  const auto paging = meta->find("paging");
  if (paging == meta->end() || !paging->is_object()) return std::nullopt;
  const auto total = paging->find("total");
  const auto limit = paging->find("limit");
  if (total == paging->end() || limit == paging->end()) return std::nullopt;
  const auto t = as_long(*total);
  const auto l = as_long(*limit);
  if (!t || !l || *l < 1) return std::nullopt;
  return Paging{*t, *l};
}

util::Status check_single(const Json& doc) {
  if (!doc.is_object()) return malformed("expected a JSON object, got " + json_type_name(&doc));
  const auto data = doc.find("data");
  if (data == doc.end()) return malformed("document has no 'data' member");
  if (!data->is_object())
    return malformed("document member data: expected object, got " + json_type_name(&*data));
  return util::ok_status();
}

util::Status check_resource(const Json& resource, std::string_view expected_type) {
  const std::string want(expected_type);
  if (!resource.is_object())
    return malformed(want + " resource: expected object, got " + json_type_name(&resource));
  const auto type = resource.find("type");
  if (type == resource.end() || !type->is_string())
    return malformed(want + " resource member type: expected string, got " +
                     json_type_name(type == resource.end() ? nullptr : &*type));
  const auto id = resource.find("id");
  if (id == resource.end() || !id->is_string() || id->get_ref<const std::string&>().empty())
    return malformed(want + " resource member id: expected non-empty string, got " +
                     (id != resource.end() && id->is_string()
                          ? std::string("\"\"")
                          : json_type_name(id == resource.end() ? nullptr : &*id)));
  if (type->get_ref<const std::string&>() != expected_type)
    return malformed("expected a " + want + " resource, got '" + type->get_ref<const std::string&>() + "' '" +
                     id->get_ref<const std::string&>() + "'");
  return util::ok_status();
}

ResourceReader::ResourceReader(const Json& resource, std::string_view expected_type)
    : m_resource(resource), m_type(expected_type) {
  if (auto ok = check_resource(resource, expected_type); !ok) {
    m_error = ok.error().message;
    return;
  }
  m_id = resource.at("id").get<std::string>();
}

util::Status ResourceReader::status() const {
  if (m_error.empty()) return util::ok_status();
  return util::make_error(util::ErrorKind::client, m_error);
}

void ResourceReader::fail_text(const std::string& text) {
  if (!m_error.empty()) return;
  m_error = "malformed App Store Connect document: " + m_type + " '" + m_id + "' member " + text;
}

void ResourceReader::fail(const std::string& member, const std::string& expected, const Json* got) {
  fail_text(member + ": expected " + expected + ", got " + json_type_name(got));
}

const Json* ResourceReader::attribute(const char* name, Need need) {
  if (!ok()) return nullptr;
  const std::string member = std::string("attributes.") + name;
  const auto attrs = m_resource.find("attributes");
  const Json* value = nullptr;
  if (attrs != m_resource.end() && !attrs->is_null()) {
    if (!attrs->is_object()) {
      fail("attributes", "object", &*attrs);
      return nullptr;
    }
    const auto it = attrs->find(name);
    if (it != attrs->end()) value = &*it;
  }
  if (!value) {
    if (need != Need::optional) fail_text(member + ": missing");
    return nullptr;
  }
  if (value->is_null()) {
    if (need == Need::required) fail(member, "non-null value", value);
    return nullptr;
  }
  return value;
}

std::string ResourceReader::string(const char* name, Need need) {
  const Json* v = attribute(name, need);
  if (!v) return {};
  if (!v->is_string()) {
    fail(std::string("attributes.") + name, "string", v);
    return {};
  }
  return v->get<std::string>();
}

bool ResourceReader::boolean(const char* name, Need need) {
  const Json* v = attribute(name, need);
  if (!v) return false;
  if (!v->is_boolean()) {
    fail(std::string("attributes.") + name, "boolean", v);
    return false;
  }
  return v->get<bool>();
}

std::optional<int> ResourceReader::integer(const char* name, Need need) {
  const Json* v = attribute(name, need);
  if (!v) return std::nullopt;
  const auto n = as_long(*v);
  if (!n || *n < std::numeric_limits<int>::min() || *n > std::numeric_limits<int>::max()) {
    if (v->is_number_integer())
      fail_text(std::string("attributes.") + name + ": integer " + v->dump() + " is out of range");
    else
      fail(std::string("attributes.") + name, "integer", v);
    return std::nullopt;
  }
  return static_cast<int>(*n);
}

std::vector<std::string> ResourceReader::strings(const char* name, Need need) {
  std::vector<std::string> out;
  const Json* v = attribute(name, need);
  if (!v) return out;
  if (!v->is_array()) {
    fail(std::string("attributes.") + name, "array of strings", v);
    return out;
  }
  for (size_t i = 0; i < v->size(); ++i) {
    const Json& item = (*v)[i];
    if (!item.is_string()) {
      fail(std::string("attributes.") + name + "[" + std::to_string(i) + "]", "string", &item);
      return {};
    }
    out.push_back(item.get<std::string>());
  }
  return out;
}

const Json* ResourceReader::relationship_data(const char* relationship, Need need) {
  if (!ok()) return nullptr;
  const std::string member = std::string("relationships.") + relationship;
  const Json* rel = nullptr;
  const auto rels = m_resource.find("relationships");
  if (rels != m_resource.end() && !rels->is_null()) {
    if (!rels->is_object()) {
      fail("relationships", "object", &*rels);
      return nullptr;
    }
    const auto it = rels->find(relationship);
    if (it != rels->end()) {
      if (!it->is_object()) {
        fail(member, "object", &*it);
        return nullptr;
      }
      rel = &*it;
    }
  }
  const Json* data = nullptr;
  if (rel) {
    if (auto bad = check_meta(*rel, member + "."); !bad.empty()) {
      fail_text(bad);
      return nullptr;
    }
    const auto it = rel->find("data");
    if (it != rel->end()) data = &*it;
  }
  if (!data) {
    if (need != Need::optional) fail_text(member + ".data: missing");
    return nullptr;
  }
  if (data->is_null()) {
    if (need == Need::required) fail(member + ".data", "non-null linkage", data);
    return nullptr;
  }
  return data;
}

namespace {

// A resource identifier {type, id}; returns the problem or "".
std::string check_linkage(const Json& item, std::string_view type) {
  if (!item.is_object()) return "expected object {type, id}, got " + json_type_name(&item);
  const auto t = item.find("type");
  if (t == item.end() || !t->is_string())
    return "member type: expected string, got " + json_type_name(t == item.end() ? nullptr : &*t);
  const auto id = item.find("id");
  if (id == item.end() || !id->is_string())
    return "member id: expected string, got " + json_type_name(id == item.end() ? nullptr : &*id);
  if (id->get_ref<const std::string&>().empty()) return "member id: expected non-empty string, got \"\"";
  if (t->get_ref<const std::string&>() != type)
    return "expected type '" + std::string(type) + "', got '" + t->get_ref<const std::string&>() + "'";
  return {};
}

}  // namespace

std::optional<std::vector<std::string>> ResourceReader::to_many(const char* relationship,
                                                                std::string_view type, Need need) {
  const Json* data = relationship_data(relationship, need);
  if (!data) return std::nullopt;
  const std::string member = std::string("relationships.") + relationship + ".data";
  if (!data->is_array()) {
    fail(member, "array", data);
    return std::nullopt;
  }
  std::vector<std::string> out;
  for (size_t i = 0; i < data->size(); ++i) {
    const Json& item = (*data)[i];
    if (auto bad = check_linkage(item, type); !bad.empty()) {
      fail_text(member + "[" + std::to_string(i) + "]: " + bad);
      return std::nullopt;
    }
    out.push_back(item.at("id").get<std::string>());
  }
  return out;
}

std::optional<std::string> ResourceReader::to_one(const char* relationship, std::string_view type,
                                                  Need need) {
  const Json* data = relationship_data(relationship, need);
  if (!data) return std::nullopt;
  const std::string member = std::string("relationships.") + relationship + ".data";
  if (auto bad = check_linkage(*data, type); !bad.empty()) {
    fail_text(member + ": " + bad);
    return std::nullopt;
  }
  return data->at("id").get<std::string>();
}

bool ResourceReader::to_many_truncated(const char* relationship) {
  if (!ok()) return false;
  const auto rels = m_resource.find("relationships");
  if (rels == m_resource.end() || !rels->is_object()) return false;
  const auto rel = rels->find(relationship);
  if (rel == rels->end() || !rel->is_object()) return false;
  if (auto bad = check_meta(*rel, std::string("relationships.") + relationship + "."); !bad.empty()) {
    fail_text(bad);
    return false;
  }
  return asc::to_many_truncated(m_resource, relationship);
}

bool to_many_truncated(const Json& resource, const char* relationship) {
  const auto rels = resource.find("relationships");
  if (rels == resource.end() || !rels->is_object()) return false;
  const auto rel = rels->find(relationship);
  if (rel == rels->end() || !rel->is_object()) return false;
  const auto meta = rel->find("meta");
  if (meta == rel->end() || !meta->is_object()) return false;
  const auto paging = meta->find("paging");
  if (paging == meta->end() || !paging->is_object()) return false;
  const auto total = paging->find("total");
  if (total == paging->end()) return false;
  const auto t = as_long(*total);
  if (!t) return false;
  const auto data = rel->find("data");
  const size_t have = data != rel->end() && data->is_array() ? data->size() : 0;
  return *t > static_cast<long long>(have);
}

util::Result<std::vector<std::string>> linkage_ids(const Json& page, std::string_view expected_type) {
  std::vector<std::string> out;
  const Json& data = page.at("data");
  for (size_t i = 0; i < data.size(); ++i) {
    if (auto ok = check_resource(data[i], expected_type); !ok) {
      util::Error err = std::move(ok).error();
      err.message += " (data[" + std::to_string(i) + "])";
      return err;
    }
    out.push_back(data[i]["id"].get<std::string>());
  }
  return out;
}

}  // namespace asc
