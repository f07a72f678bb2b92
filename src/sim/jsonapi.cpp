#include "sim/jsonapi.hpp"

#include <algorithm>

namespace sim {

nlohmann::json error_document(const std::vector<ApiError>& errors) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& e : errors) {
    nlohmann::json j = {
        {"status", std::to_string(e.status)}, {"code", e.code}, {"title", e.title}, {"detail", e.detail}};
    if (!e.pointer.empty())
      j["source"] = {{"pointer", e.pointer}};
    else if (!e.parameter.empty())
      j["source"] = {{"parameter", e.parameter}};
    list.push_back(std::move(j));
  }
  return {{"errors", std::move(list)}};
}

Reply error_reply(const std::vector<ApiError>& errors) {
  Reply r;
  r.status = errors.empty() ? 500 : errors.front().status;
  r.body = error_document(errors).dump();
  return r;
}

Reply error_reply(const ApiError& error) {
  return error_reply(std::vector<ApiError>{error});
}

Reply json_reply(int status, const nlohmann::json& doc) {
  Reply r;
  r.status = status;
  r.body = doc.dump();
  return r;
}

ApiError not_found(const std::string& type, const std::string& id) {
  return {404,
          "NOT_FOUND",
          "The specified resource does not exist",
          "There is no resource of type '" + type + "' with id '" + id + "'",
          "",
          ""};
}

ApiError path_not_found(const std::string& path) {
  return {404,
          "NOT_FOUND",
          "The specified resource does not exist",
          "The path provided does not match a defined resource type. (" + path + ")",
          "",
          ""};
}

ApiError method_not_allowed(const std::string& method, const std::string& path) {
  return {405,
          "METHOD_NOT_ALLOWED",
          "The request method is not valid for the resource path.",
          "The request method '" + method + "' is not valid for the resource path '" + path + "'.",
          "",
          ""};
}

ApiError parameter_invalid(const std::string& parameter, const std::string& detail) {
  return {400, "PARAMETER_ERROR.INVALID", "A parameter has an invalid value", detail, "", parameter};
}

ApiError parameter_illegal(const std::string& parameter, const std::string& detail) {
  return {400,      "PARAMETER_ERROR.ILLEGAL", "A parameter cannot be used with this request", detail, "",
          parameter};
}

ApiError attribute_invalid(const std::string& pointer, const std::string& detail, int status) {
  return {status, "ENTITY_ERROR.ATTRIBUTE.INVALID", "An attribute value is invalid.", detail, pointer, ""};
}

ApiError attribute_required(const std::string& pointer, const std::string& detail) {
  return {422,
          "ENTITY_ERROR.ATTRIBUTE.REQUIRED",
          "The provided entity is missing a required field",
          detail,
          pointer,
          ""};
}

ApiError attribute_type(const std::string& pointer, const std::string& detail) {
  return {422,
          "ENTITY_ERROR.ATTRIBUTE.TYPE",
          "An attribute in the provided entity has the wrong type",
          detail,
          pointer,
          ""};
}

ApiError attribute_unknown(const std::string& pointer, const std::string& detail) {
  return {409,
          "ENTITY_ERROR.ATTRIBUTE.UNKNOWN",
          "The provided entity includes an unknown attribute",
          detail,
          pointer,
          ""};
}

ApiError relationship_invalid(const std::string& pointer, const std::string& detail) {
  return {409,
          "ENTITY_ERROR.RELATIONSHIP.INVALID",
          "The provided entity includes a relationship with an invalid value",
          detail,
          pointer,
          ""};
}

ApiError entity_error(int status, const std::string& detail, const std::string& pointer) {
  return {status, "ENTITY_ERROR", "The request entity is not valid", detail, pointer, ""};
}

ApiError state_error(const std::string& detail, const std::string& pointer) {
  return {409,    "STATE_ERROR", "The request cannot be fulfilled because of the state of another resource.",
          detail, pointer,       ""};
}

ApiError duplicate_error(const std::string& pointer, const std::string& detail) {
  return {409,
          "ENTITY_ERROR.ATTRIBUTE.INVALID.DUPLICATE",
          "The provided entity includes an attribute with a value that has already been used",
          detail,
          pointer,
          ""};
}

namespace {

const char* type_name(AttrType t) {
  switch (t) {
    case AttrType::string:
      return "a string";
    case AttrType::boolean:
      return "a boolean";
    case AttrType::integer:
      return "an integer";
    case AttrType::string_array:
      return "an array of strings";
  }
  return "?";
}

bool has_type(const nlohmann::json& v, AttrType t) {
  switch (t) {
    case AttrType::string:
      return v.is_string();
    case AttrType::boolean:
      return v.is_boolean();
    case AttrType::integer:
      return v.is_number_integer();
    case AttrType::string_array:
      return v.is_array() &&
             std::all_of(v.begin(), v.end(), [](const nlohmann::json& e) { return e.is_string(); });
  }
  return false;
}

bool allowed_value(const std::vector<std::string>& allowed, const std::string& v) {
  return allowed.empty() || std::find(allowed.begin(), allowed.end(), v) != allowed.end();
}

std::optional<ApiError> check_linkage(const nlohmann::json& item, const std::string& type,
                                      const std::string& pointer) {
  if (!item.is_object() || !item.contains("type") || !item.contains("id") || !item["type"].is_string() ||
      !item["id"].is_string())
    return entity_error(422, "A linkage must be an object with string 'type' and 'id'.", pointer);
  if (item["type"] != type)
    return entity_error(409,
                        "The linkage type '" + item["type"].get<std::string>() +
                            "' is not valid here; expected '" + type + "'.",
                        pointer + "/type");
  return std::nullopt;
}

std::variant<nlohmann::json, ApiError> parse_json(const std::string& body) {
  if (body.empty()) return entity_error(422, "The request body is empty; a JSON document is required.");
  auto doc = nlohmann::json::parse(body, nullptr, false);
  if (doc.is_discarded()) return entity_error(422, "The request body is not valid JSON.");
  if (!doc.is_object()) return entity_error(422, "The request body must be a JSON object.");
  return doc;
}

}  // namespace

std::variant<RequestDoc, std::vector<ApiError>> parse_document(const std::string& body, const DocSpec& spec,
                                                               const std::string& path_id) {
  auto parsed = parse_json(body);
  if (auto* e = std::get_if<ApiError>(&parsed)) return std::vector<ApiError>{*e};
  const auto& doc = std::get<nlohmann::json>(parsed);
  if (!doc.contains("data") || !doc["data"].is_object())
    return std::vector<ApiError>{
        entity_error(422, "The request document must have a 'data' object.", "/data")};
  const auto& data = doc["data"];
  std::vector<ApiError> errors;
  if (!data.contains("type") || !data["type"].is_string())
    return std::vector<ApiError>{attribute_required("/data/type", "You must provide a value for 'type'.")};
  if (data["type"] != spec.type)
    return std::vector<ApiError>{entity_error(409,
                                              "The resource type '" + data["type"].get<std::string>() +
                                                  "' does not match the expected type '" + spec.type + "'.",
                                              "/data/type")};
  RequestDoc out;
  if (spec.id_required) {
    if (!data.contains("id") || !data["id"].is_string())
      return std::vector<ApiError>{attribute_required("/data/id", "You must provide a value for 'id'.")};
    out.id = data["id"].get<std::string>();
    if (out.id != path_id)
      return std::vector<ApiError>{entity_error(
          409, "The resource id '" + out.id + "' does not match the id in the path '" + path_id + "'.",
          "/data/id")};
  } else if (data.contains("id")) {
    return std::vector<ApiError>{
        entity_error(409, "An 'id' is not allowed when creating a resource.", "/data/id")};
  }
  for (const auto& [key, _] : data.items()) {
    if (key != "type" && key != "id" && key != "attributes" && key != "relationships")
      errors.push_back(
          entity_error(409, "'" + key + "' is not a member of a resource object.", "/data/" + key));
  }
  if (data.contains("attributes")) {
    const auto& attrs = data["attributes"];
    if (!attrs.is_object()) {
      errors.push_back(attribute_type("/data/attributes", "'attributes' must be an object."));
    } else {
      for (const auto& [key, value] : attrs.items()) {
        const std::string ptr = "/data/attributes/" + key;
        auto it = spec.attributes.find(key);
        if (it == spec.attributes.end()) {
          errors.push_back(attribute_unknown(ptr, "'" + key + "' is not an attribute on the resource '" +
                                                      spec.type + "' for this operation."));
          continue;
        }
        if (value.is_null()) continue;  // Apple treats null as "not given"
        if (!has_type(value, it->second.type)) {
          errors.push_back(attribute_type(ptr, "'" + key + "' must be " + type_name(it->second.type) + "."));
          continue;
        }
        if (it->second.type == AttrType::string &&
            !allowed_value(it->second.allowed, value.get<std::string>()))
          errors.push_back(attribute_invalid(
              ptr, "'" + value.get<std::string>() + "' is not a valid value for '" + key + "'."));
        if (it->second.type == AttrType::string_array)
          for (const auto& v : value)
            if (!allowed_value(it->second.allowed, v.get<std::string>()))
              errors.push_back(attribute_invalid(
                  ptr, "'" + v.get<std::string>() + "' is not a valid value for '" + key + "'."));
        out.attributes[key] = value;
      }
    }
  } else if (spec.attributes_required) {
    errors.push_back(attribute_required("/data/attributes", "You must provide a value for 'attributes'."));
  }
  for (const auto& [key, as] : spec.attributes)
    if (as.required && (!out.attributes.contains(key)) && data.contains("attributes") &&
        data["attributes"].is_object())
      errors.push_back(
          attribute_required("/data/attributes/" + key,
                             "You must provide a value for the attribute '" + key + "' with this request"));
  if (data.contains("relationships")) {
    const auto& rels = data["relationships"];
    if (!rels.is_object()) {
      errors.push_back(attribute_type("/data/relationships", "'relationships' must be an object."));
    } else {
      for (const auto& [key, value] : rels.items()) {
        const std::string ptr = "/data/relationships/" + key;
        auto it = spec.relationships.find(key);
        if (it == spec.relationships.end()) {
          errors.push_back(entity_error(
              409,
              "'" + key + "' is not a relationship on the resource '" + spec.type + "' for this operation.",
              ptr));
          continue;
        }
        if (!value.is_object() || !value.contains("data")) {
          errors.push_back(entity_error(422, "A relationship must be an object with 'data'.", ptr));
          continue;
        }
        const auto& d = value["data"];
        std::vector<std::string> ids;
        if (it->second.kind == RelKind::to_one) {
          if (auto e = check_linkage(d, it->second.type, ptr + "/data")) {
            errors.push_back(*e);
            continue;
          }
          ids.push_back(d["id"].get<std::string>());
        } else {
          if (!d.is_array()) {
            errors.push_back(
                entity_error(422, "A to-many relationship's 'data' must be an array.", ptr + "/data"));
            continue;
          }
          bool bad = false;
          for (size_t i = 0; i < d.size(); ++i) {
            if (auto e = check_linkage(d[i], it->second.type, ptr + "/data/" + std::to_string(i))) {
              errors.push_back(*e);
              bad = true;
              break;
            }
            ids.push_back(d[i]["id"].get<std::string>());
          }
          if (bad) continue;
        }
        out.relationships[key] = std::move(ids);
      }
    }
  }
  for (const auto& [key, rs] : spec.relationships)
    if (rs.required && !out.relationships.contains(key))
      errors.push_back({422, "ENTITY_ERROR.RELATIONSHIP.REQUIRED",
                        "The provided entity is missing a required relationship",
                        "You must provide a value for the relationship '" + key + "' with this request",
                        "/data/relationships/" + key, ""});
  if (!errors.empty()) return errors;
  return out;
}

std::variant<std::vector<std::string>, ApiError> parse_linkages(const std::string& body,
                                                                const std::string& type) {
  auto parsed = parse_json(body);
  if (auto* e = std::get_if<ApiError>(&parsed)) return *e;
  const auto& doc = std::get<nlohmann::json>(parsed);
  if (!doc.contains("data") || !doc["data"].is_array())
    return entity_error(422, "The request document must have a 'data' array of linkages.", "/data");
  std::vector<std::string> ids;
  const auto& d = doc["data"];
  for (size_t i = 0; i < d.size(); ++i) {
    if (auto e = check_linkage(d[i], type, "/data/" + std::to_string(i))) return *e;
    ids.push_back(d[i]["id"].get<std::string>());
  }
  return ids;
}

}  // namespace sim
