// The JSON Schemas editors use must accept exactly the keys the loaders accept.
#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "config/daemon_config.hpp"
#include "config/desired_signing.hpp"
#include "config/desired_state.hpp"
#include "core/model.hpp"

namespace {

nlohmann::json load_schema(const std::string& name) {
  std::ifstream in(std::string(ASCSYNC_TEST_SOURCE_DIR) + "/docs/schema/" + name);
  REQUIRE(in.good());
  return nlohmann::json::parse(in);
}

std::vector<std::string> property_names(const nlohmann::json& object_schema) {
  std::vector<std::string> names;
  CHECK(object_schema.at("additionalProperties") == false);
  for (const auto& [key, value] : object_schema.at("properties").items()) names.push_back(key);
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

}  // namespace

TEST_CASE("desired-state schema matches the loader's keys and Apple's roles") {
  const auto schema = load_schema("desired-state.schema.json");
  CHECK(schema.at("$schema") == "https://json-schema.org/draft/2020-12/schema");
  const auto& defs = schema.at("$defs");
  const auto& keys = config::desired_state_keys();
  CHECK(property_names(schema) == sorted(keys.top));
  CHECK(property_names(defs.at("policy")) == sorted(keys.policy));
  CHECK(property_names(defs.at("policy").at("properties").at("prune")) == sorted(keys.prune));
  CHECK(property_names(defs.at("user")) == sorted(keys.user));
  CHECK(property_names(defs.at("tester")) == sorted(keys.tester));
  CHECK(property_names(defs.at("tester_import")) == sorted(keys.tester_import));
  CHECK(property_names(defs.at("app")) == sorted(keys.app));
  CHECK(property_names(defs.at("group")) == sorted(keys.group));
  CHECK(property_names(defs.at("public_link")) == sorted(keys.public_link));
  CHECK(property_names(defs.at("member").at("oneOf").at(1)) == sorted(keys.member));
  CHECK(defs.at("public_link").at("properties").at("limit").at("maximum") == config::k_max_public_link_limit);

  std::vector<std::string> roles = defs.at("user").at("properties").at("roles").at("items").at("enum");
  std::vector<std::string> assignable;
  for (const auto& r : core::k_user_roles)
    if (r != "ACCOUNT_HOLDER") assignable.push_back(r);
  CHECK(sorted(roles) == sorted(assignable));
}

TEST_CASE("desired-state schema: certificates and profiles match the loader") {
  const auto schema = load_schema("desired-state.schema.json");
  const auto& defs = schema.at("$defs");
  const auto& keys = config::desired_state_keys();
  CHECK(property_names(defs.at("certificate")) == sorted(keys.certificate));
  CHECK(property_names(defs.at("certificate_export")) == sorted(keys.certificate_export));
  CHECK(property_names(defs.at("profile")) == sorted(keys.profile));
  std::vector<std::string> cert_types = defs.at("certificate_type").at("enum");
  CHECK(sorted(cert_types) == sorted(core::k_certificate_types));
  std::vector<std::string> profile_types = defs.at("profile_type").at("enum");
  CHECK(sorted(profile_types) == sorted(core::k_profile_types));
  const auto& slots = defs.at("policy").at("properties").at("certificate_slots");
  CHECK(slots.at("propertyNames").at("$ref") == "#/$defs/certificate_type");
  CHECK(slots.at("additionalProperties").at("maximum") == config::k_max_certificate_slots);
  // The profile types that take devices are exactly the ones the schema allows `devices` for.
  std::vector<std::string> device_types =
      defs.at("profile").at("if").at("properties").at("type").at("not").at("enum");
  std::vector<std::string> expected;
  for (const auto& t : core::k_profile_types)
    if (core::profile_takes_devices(t)) expected.push_back(t);
  CHECK(sorted(device_types) == sorted(expected));

  // The schema's examples are a valid desired state (JSON is YAML).
  nlohmann::json doc = {{"team", "acme"}};
  doc["policy"]["certificate_slots"] = slots.at("examples").at(0);
  doc["certificates"] = defs.at("certificate").at("examples");
  doc["profiles"] = defs.at("profile").at("examples");
  config::Diagnostics diags;
  auto state = config::parse_desired_state({{"schema-examples.yaml", doc.dump(2)}}, &diags);
  INFO(diags.render());
  REQUIRE(state.ok());
  CHECK(state->certificates.size() == defs.at("certificate").at("examples").size());
  CHECK(state->profiles.size() == defs.at("profile").at("examples").size());
}

TEST_CASE("daemon config schema matches the loader's keys") {
  const auto schema = load_schema("ascsync-config.schema.json");
  const auto& keys = config::daemon_config_keys();
  const auto& props = schema.at("properties");
  CHECK(property_names(schema) == sorted(keys.top));
  CHECK(property_names(props.at("log")) == sorted(keys.log));
  CHECK(property_names(props.at("admin")) == sorted(keys.admin));
  CHECK(property_names(props.at("defaults")) == sorted(keys.defaults));
  CHECK(property_names(props.at("retention")) == sorted(keys.retention));
  CHECK(property_names(schema.at("$defs").at("team")) == sorted(keys.team));
}
