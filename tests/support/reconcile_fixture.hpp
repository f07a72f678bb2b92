#pragma once
// Reconcile tests against the real simulator: a SimFixture, a private temp dir holding the
// desired-state YAML, the SQLite database and (for black-box runs) a daemon config; an
// in-process asc::Api with a fast, non-sleeping retry policy; and a normalized view of the
// simulator's state ("the world") to assert on. Header-only; link ascsync_reconcile and
// ascsync_sim.
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "asc/api.hpp"
#include "asc/credentials.hpp"
#include "config/desired_state.hpp"
#include "reconcile/cycle.hpp"
#include "store/database.hpp"
#include "support/sim_fixture.hpp"
#include "util/clock.hpp"

namespace test_support {

// What the simulator holds, keyed by natural keys, so tests compare states and count duplicates.
struct World {
  std::map<std::string, std::vector<std::string>> testers;      // email -> sorted "bundle/group"
  std::map<std::string, int> tester_count;                      // email -> testers with that email
  std::map<std::string, nlohmann::json> groups;                 // "bundle/name" -> the sim's record
  std::map<std::string, int> group_count;                       // "bundle/name" -> groups with that name
  std::map<std::string, std::vector<std::string>> users;        // email -> sorted roles
  std::map<std::string, std::vector<std::string>> invitations;  // email -> sorted roles
  std::map<std::string, int> invitation_count;
  std::map<std::string, std::string> tester_ids;  // email -> id
  std::map<std::string, std::string> group_ids;   // "bundle/name" -> id
  std::map<std::string, std::string> user_ids;    // email -> id

  // Members of one group, sorted by email.
  std::vector<std::string> members(const std::string& group) const {
    std::vector<std::string> out;
    for (const auto& [email, of] : testers)
      if (std::find(of.begin(), of.end(), group) != of.end()) out.push_back(email);
    return out;
  }
  bool has_duplicates() const {
    for (const auto* m : {&tester_count, &group_count, &invitation_count})
      for (const auto& [k, n] : *m)
        if (n > 1) return true;
    return false;
  }
};

inline std::vector<std::string> sorted_strings(const nlohmann::json& j) {
  std::vector<std::string> v;
  for (const auto& s : j) v.push_back(s.get<std::string>());
  std::sort(v.begin(), v.end());
  return v;
}

inline std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

inline World world_of(const nlohmann::json& state) {
  World w;
  std::map<std::string, std::string> bundle_of_app;
  for (const auto& a : state["apps"])
    bundle_of_app[a["id"].get<std::string>()] = a["bundle_id"].get<std::string>();
  std::map<std::string, std::string> group_name;  // id -> "bundle/name"
  for (const auto& g : state["betaGroups"]) {
    const std::string key =
        bundle_of_app[g["app_id"].get<std::string>()] + "/" + g["name"].get<std::string>();
    group_name[g["id"].get<std::string>()] = key;
    w.groups[key] = g;
    w.group_ids[key] = g["id"].get<std::string>();
    ++w.group_count[key];
  }
  for (const auto& t : state["betaTesters"]) {
    const std::string email = lower(t["email"].get<std::string>());
    std::vector<std::string> groups;
    for (const auto& gid : t["groups"]) groups.push_back(group_name[gid.get<std::string>()]);
    std::sort(groups.begin(), groups.end());
    w.testers[email] = groups;
    w.tester_ids[email] = t["id"].get<std::string>();
    ++w.tester_count[email];
  }
  for (const auto& u : state["users"]) {
    const std::string email = lower(u["username"].get<std::string>());
    w.users[email] = sorted_strings(u["roles"]);
    w.user_ids[email] = u["id"].get<std::string>();
  }
  for (const auto& i : state["userInvitations"]) {
    const std::string email = lower(i["email"].get<std::string>());
    w.invitations[email] = sorted_strings(i["roles"]);
    ++w.invitation_count[email];
  }
  return w;
}

// Retries without waiting: fault tests run many retries in milliseconds.
inline asc::ClientOptions fast_client_options(const std::string& base_url) {
  asc::ClientOptions o;
  o.base_url = base_url;
  o.connect_timeout = std::chrono::milliseconds(2000);
  o.read_timeout = std::chrono::milliseconds(5000);
  o.write_timeout = std::chrono::milliseconds(5000);
  o.retry.max_attempts = 6;
  o.retry.base_delay = std::chrono::milliseconds(1);
  o.retry.max_delay = std::chrono::milliseconds(2);
  o.sleeper = [](std::chrono::milliseconds) {};
  o.jitter_seed = 7;
  return o;
}

class ReconcileFixture {
 public:
  static constexpr const char* k_team = "acme";

  explicit ReconcileFixture(sim::Options options = {}) : fx(std::move(options)) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "ascsync-reconcile-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("ReconcileFixture: mkdtemp failed");
    dir = tmpl;
    db_path = dir + "/ascsync.db";
    desired_path = dir + "/desired.yaml";
    store::OpenOptions open;
    open.migrations_dir = std::string(ASCSYNC_TEST_SOURCE_DIR) + "/migrations";
    auto opened = store::Database::open(db_path, open);
    if (!opened) throw std::runtime_error("ReconcileFixture: " + opened.error().describe());
    db.emplace(std::move(*opened));
    api = make_api(fast_client_options(fx.base_url));
  }
  ~ReconcileFixture() {
    db.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  ReconcileFixture(const ReconcileFixture&) = delete;
  ReconcileFixture& operator=(const ReconcileFixture&) = delete;

  sim::Simulator& sim() { return *fx.sim; }

  std::unique_ptr<asc::Api> make_api(asc::ClientOptions options) const {
    auto creds = asc::load_credentials(fx.issuer_id, fx.key_id, fx.key_path);
    if (!creds) throw std::runtime_error("ReconcileFixture: " + creds.error().describe());
    auto created = asc::Api::create(std::move(*creds), std::move(options));
    if (!created) throw std::runtime_error("ReconcileFixture: " + created.error().describe());
    return std::move(*created);
  }

  // Adds apps to the simulator and remembers their ids by bundle id.
  void add_apps(const std::vector<std::string>& bundle_ids) {
    for (const auto& b : bundle_ids) app_ids[b] = sim().add_app(b, "App " + b);
  }

  static void write_text(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out) throw std::runtime_error("ReconcileFixture: cannot write " + path);
  }

  // Writes the desired state YAML (the daemon config points at this file) and loads it.
  // Throws when it does not load: every test declares a valid state.
  core::DesiredState desired(const std::string& yaml) {
    write_text(desired_path, yaml);
    auto d = config::load_desired_state(desired_path);
    if (!d) throw std::runtime_error("ReconcileFixture: desired state invalid:\n" + d.error().message);
    return std::move(*d);
  }

  util::Result<reconcile::CycleReport> cycle(const core::DesiredState& d,
                                             reconcile::CycleMode mode = reconcile::CycleMode::apply,
                                             asc::Api* with = nullptr) {
    reconcile::CycleOptions options;
    options.mode = mode;
    return reconcile::run_cycle(k_team, d, with ? with : api.get(), *db, clock, options);
  }

  // A daemon config for the binaries: this team against the simulator, the fixture's database.
  std::string write_daemon_config() const {
    const std::string path = dir + "/ascsync.yaml";
    write_text(path, "database: " + db_path +
                         "\n"
                         "log:\n  level: info\n"
                         "teams:\n"
                         "  - name: " +
                         std::string(k_team) + "\n    issuer_id: " + fx.issuer_id +
                         "\n    key_id: " + fx.key_id + "\n    private_key_file: " + fx.key_path +
                         "\n    desired_state: " + desired_path + "\n    base_url: " + fx.base_url + "\n");
    return path;
  }

  World world() const { return world_of(fx.sim->dump_state()); }

  SimFixture fx;
  std::string dir;
  std::string db_path;
  std::string desired_path;
  std::optional<store::Database> db;
  std::unique_ptr<asc::Api> api;
  util::SystemClock clock;
  std::map<std::string, std::string> app_ids;  // bundle id -> app id
};

}  // namespace test_support
