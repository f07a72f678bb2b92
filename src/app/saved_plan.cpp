#include "app/saved_plan.hpp"

#include <set>

#include "kinds/plan_json.hpp"
#include "reconcile/cycle.hpp"
#include "util/crypto.hpp"
#include "util/files.hpp"
#include "util/time.hpp"

namespace app {

std::string DesiredDigest::digest() const {
  std::string all;
  for (const auto& [path, hash] : files) all += path + '\0' + hash + '\n';
  return util::sha256_hex(all);
}

util::Result<DesiredDigest> desired_digest(const std::vector<std::string>& files) {
  DesiredDigest out;
  for (const auto& path : files) {
    auto content = util::read_file(path);
    if (!content) return content.error();
    out.files[path] = util::sha256_hex(*content);
  }
  return out;
}

std::vector<std::string> desired_changes(const DesiredDigest& saved, const DesiredDigest& now) {
  std::vector<std::string> out;
  for (const auto& [path, hash] : saved.files) {
    auto it = now.files.find(path);
    if (it == now.files.end())
      out.push_back("no longer read: " + path);
    else if (it->second != hash)
      out.push_back("changed: " + path);
  }
  for (const auto& [path, hash] : now.files)
    if (!saved.files.count(path)) out.push_back("newly read: " + path);
  return out;
}

const SavedTeamPlan* SavedPlan::find_team(const std::string& name) const {
  for (const auto& t : teams)
    if (t.team == name) return &t;
  return nullptr;
}

nlohmann::json saved_plan_to_json(const SavedPlan& saved) {
  nlohmann::json teams = nlohmann::json::array();
  for (const auto& t : saved.teams) {
    teams.push_back(
        {{"team", t.team},
         {"mirror", {{"fingerprint", t.mirror.digest()}, {"collections", t.mirror.collections}}},
         {"desired_state",
          {{"path", t.desired_state}, {"digest", t.desired.digest()}, {"files", t.desired.files}}},
         {"plan", kinds::plan_to_json(t.plan)}});
  }
  return {{"format", k_saved_plan_format},      {"format_version", k_saved_plan_version},
          {"ascsync_version", ASCSYNC_VERSION}, {"created_at", util::format_rfc3339(saved.created_at)},
          {"config", saved.config_path},        {"teams", teams}};
}

namespace {

util::Error bad_saved_plan(const std::string& where, const std::string& what) {
  return util::make_error(util::ErrorKind::client, where + ": not a usable saved plan: " + what +
                                                       " (write one with `ascsync plan --out FILE`)");
}

util::Result<std::map<std::string, std::string>> string_map(const nlohmann::json& j, const std::string& where,
                                                            const std::string& field) {
  if (!j.is_object()) return bad_saved_plan(where, field + " must be an object of strings");
  std::map<std::string, std::string> out;
  for (const auto& [k, v] : j.items()) {
    if (!v.is_string()) return bad_saved_plan(where, field + "." + k + " must be a string");
    out[k] = v.get<std::string>();
  }
  return out;
}

util::Result<SavedTeamPlan> team_from_json(const nlohmann::json& j, const std::string& where, size_t index) {
  const std::string at = "teams[" + std::to_string(index) + "]";
  if (!j.is_object()) return bad_saved_plan(where, at + " must be an object");
  SavedTeamPlan t;
  if (!j.contains("team") || !j["team"].is_string() || j["team"].get<std::string>().empty())
    return bad_saved_plan(where, at + ".team must be a team name");
  t.team = j["team"].get<std::string>();
  if (!j.contains("mirror") || !j["mirror"].is_object() || !j["mirror"].contains("collections"))
    return bad_saved_plan(where, at + ".mirror.collections is missing");
  auto collections = string_map(j["mirror"]["collections"], where, at + ".mirror.collections");
  if (!collections) return collections.error();
  t.mirror.collections = std::move(*collections);
  if (!j.contains("desired_state") || !j["desired_state"].is_object() ||
      !j["desired_state"].contains("files"))
    return bad_saved_plan(where, at + ".desired_state.files is missing");
  auto files = string_map(j["desired_state"]["files"], where, at + ".desired_state.files");
  if (!files) return files.error();
  t.desired.files = std::move(*files);
  if (j["desired_state"].contains("path") && j["desired_state"]["path"].is_string())
    t.desired_state = j["desired_state"]["path"].get<std::string>();
  // The digests are written for people and other tools; ascsync compares the parts.
  if (j["mirror"].contains("fingerprint") && j["mirror"]["fingerprint"] != t.mirror.digest())
    return bad_saved_plan(where, at + ".mirror.fingerprint does not match its collections (edited by hand?)");
  if (j["desired_state"].contains("digest") && j["desired_state"]["digest"] != t.desired.digest())
    return bad_saved_plan(where, at + ".desired_state.digest does not match its files (edited by hand?)");
  if (!j.contains("plan")) return bad_saved_plan(where, at + ".plan is missing");
  auto plan = kinds::plan_from_json(j["plan"]);
  if (!plan) return bad_saved_plan(where, at + ".plan: " + plan.error().message);
  t.plan = std::move(*plan);
  return t;
}

}  // namespace

util::Result<SavedPlan> saved_plan_from_json(const nlohmann::json& j, const std::string& where) {
  if (!j.is_object() || j.value("format", std::string()) != k_saved_plan_format)
    return bad_saved_plan(where, std::string("\"format\" is not \"") + k_saved_plan_format + "\"");
  if (!j.contains("format_version") || !j["format_version"].is_number_integer())
    return bad_saved_plan(where, "\"format_version\" is missing");
  if (const int v = j["format_version"].get<int>(); v != k_saved_plan_version)
    return bad_saved_plan(where, "format_version " + std::to_string(v) + " (this ascsync reads version " +
                                     std::to_string(k_saved_plan_version) + ")");
  SavedPlan saved;
  if (j.contains("created_at") && j["created_at"].is_string())
    if (auto t = util::parse_rfc3339(j["created_at"].get<std::string>())) saved.created_at = *t;
  if (j.contains("config") && j["config"].is_string()) saved.config_path = j["config"].get<std::string>();
  if (!j.contains("teams") || !j["teams"].is_array() || j["teams"].empty())
    return bad_saved_plan(where, "\"teams\" must list at least one team");
  std::set<std::string> seen;
  for (size_t i = 0; i < j["teams"].size(); ++i) {
    auto t = team_from_json(j["teams"][i], where, i);
    if (!t) return t.error();
    if (!seen.insert(t->team).second) return bad_saved_plan(where, "team " + t->team + " is listed twice");
    saved.teams.push_back(std::move(*t));
  }
  return saved;
}

util::Status write_saved_plan(const std::string& path, const SavedPlan& saved) {
  return util::write_file_atomic(path, saved_plan_to_json(saved).dump(2) + "\n", 0644);
}

util::Result<SavedPlan> read_saved_plan(const std::string& path) {
  auto text = util::read_file(path);
  if (!text) return text.error();
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(*text);
  } catch (const nlohmann::json::exception& e) {
    return bad_saved_plan(path, std::string("invalid JSON: ") + e.what());
  }
  return saved_plan_from_json(j, path);
}

util::Status check_desired_unchanged(const SavedTeamPlan& saved,
                                     const std::vector<std::string>& source_files) {
  auto now = desired_digest(source_files);
  if (!now) return now.error();
  const auto changes = desired_changes(saved.desired, *now);
  if (changes.empty()) return util::ok_status();
  std::string list;
  for (const auto& c : changes) list += "\n  " + c;
  return util::make_error(util::ErrorKind::client,
                          std::string(reconcile::k_saved_plan_stale) + " for team " + saved.team +
                              ": the desired state changed since the plan was made:" + list +
                              "\nNothing was applied; run `ascsync plan --out FILE` again and review it");
}

}  // namespace app
