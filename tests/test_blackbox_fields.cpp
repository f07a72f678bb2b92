// The built `ascsync` binary against an in-process simulator, for issue 12:
//  3. only declared fields are managed: adopting a group or a user changes none of the attributes
//     the YAML leaves out; defaults apply only to what ascsync creates; a list section whose
//     entries are all commented out is an error asking for [];
//  5. output CI can trust: a plan whose only changes are blocked exits 1 and never claims to
//     match; `plan --json` is always {"teams": [...]}, and a team whose refresh failed is listed
//     with its error.
#include <doctest/doctest.h>

#include "support/cli_fixture.hpp"
#include "support/reconcile_fixture.hpp"

namespace {

using nlohmann::json;
using test_support::ReconcileFixture;

test_support::CommandResult run(ReconcileFixture& f, const std::vector<std::string>& args) {
  return test_support::run_process(test_support::ascsync_binary(), args, f.dir);
}

void send_ok(ReconcileFixture& f, const std::string& method, const std::string& path, const json& body) {
  auto reply = test_support::send(f.fx, method, path, body);
  REQUIRE_MESSAGE(reply.status / 100 == 2, (method + " " + path + " -> " + std::to_string(reply.status)));
}

const json* find_by(const json& list, const char* field, const std::string& value) {
  for (const auto& e : list)
    if (e.value(field, "") == value) return &e;
  return nullptr;
}

struct Seeded {
  std::string shop_id;
  std::string dev_id;
  std::string qa_id;
};

// A team as someone built it by hand: the owner, a developer who may provision and sees one app,
// and an external group with feedback off and a capped public link.
Seeded seed(ReconcileFixture& f) {
  f.add_apps({"com.acme.shop", "com.acme.chat"});
  Seeded s;
  s.shop_id = f.app_ids["com.acme.shop"];
  f.sim().add_user("owner@acme.example", "Olive", "Owner", {"ACCOUNT_HOLDER", "ADMIN"});
  s.dev_id = f.sim().add_user("dev@acme.example", "Dev", "One", {"DEVELOPER"}, false, {s.shop_id});
  send_ok(f, "PATCH", "/v1/users/" + s.dev_id,
          {{"data", {{"type", "users"}, {"id", s.dev_id}, {"attributes", {{"provisioningAllowed", true}}}}}});
  s.qa_id = f.sim().add_beta_group(s.shop_id, "QA", false);
  send_ok(f, "PATCH", "/v1/betaGroups/" + s.qa_id,
          {{"data",
            {{"type", "betaGroups"},
             {"id", s.qa_id},
             {"attributes",
              {{"feedbackEnabled", false},
               {"publicLinkEnabled", true},
               {"publicLinkLimitEnabled", true},
               {"publicLinkLimit", 30}}}}}});
  return s;
}

constexpr const char* k_by_name_only = R"(team: acme
policy:
  prune: {groups: true, group_memberships: true}
users:
  - {email: owner@acme.example, first_name: Olive, last_name: Owner, roles: [ADMIN]}
  - {email: dev@acme.example, first_name: Dev, last_name: One, roles: [DEVELOPER]}
apps:
  - bundle_id: com.acme.shop
    groups:
      - name: QA
        members: [robin@example.org]
      - name: Fresh
        members: [robin@example.org]
)";

}  // namespace

TEST_CASE("issue 12.3: adopting changes no undeclared attribute; defaults only for what ascsync creates") {
  ReconcileFixture f;
  const Seeded s = seed(f);
  (void)f.desired(k_by_name_only);
  const std::string cfg = f.write_daemon_config();

  const auto applied = run(f, {"-c", cfg, "apply"});
  REQUIRE_MESSAGE(applied.exit_code == 0, (applied.out + applied.err));

  const json state = f.sim().dump_state();
  const json* qa = find_by(state["betaGroups"], "id", s.qa_id);
  REQUIRE(qa != nullptr);
  CHECK((*qa)["feedback_enabled"] == false);
  CHECK((*qa)["public_link_enabled"] == true);
  CHECK((*qa)["public_link_limit_enabled"] == true);
  CHECK((*qa)["public_link_limit"] == 30);
  const json* fresh = find_by(state["betaGroups"], "name", "Fresh");
  REQUIRE(fresh != nullptr);
  CHECK((*fresh)["feedback_enabled"] == true);  // the documented creation default
  CHECK((*fresh)["public_link_enabled"] == false);
  CHECK((*fresh)["is_internal"] == false);
  const json* dev = find_by(state["users"], "id", s.dev_id);
  REQUIRE(dev != nullptr);
  CHECK((*dev)["provisioning_allowed"] == true);
  CHECK((*dev)["all_apps_visible"] == false);
  CHECK((*dev)["visible_apps"] == json::array({s.shop_id}));
  CHECK(f.world().members("com.acme.shop/QA") == std::vector<std::string>{"robin@example.org"});

  // The account holder declared with the other roles: nothing to do, nothing blocked.
  f.sim().reset_counters();
  const auto again = run(f, {"-c", cfg, "plan"});
  CHECK_MESSAGE(again.exit_code == 0, (again.out + again.err));
  CHECK(again.out.find("No changes. App Store Connect matches the desired state.") != std::string::npos);
  CHECK(again.out.find("blocked") == std::string::npos);
  CHECK(f.sim().write_count() == 0);

  // Declared attributes are still managed.
  (void)f.desired(std::string(k_by_name_only) + "        feedback: false\n");  // on Fresh
  const auto declared = run(f, {"-c", cfg, "plan", "--json"});
  CHECK(declared.exit_code == 2);
  const json j = json::parse(declared.out);
  REQUIRE(j["teams"].size() == 1);
  const auto& changes = j["teams"][0]["changes"];
  REQUIRE(changes.size() == 1);
  CHECK(changes[0]["key"] == "group:com.acme.shop/Fresh");
  CHECK(changes[0]["payload"]["attributes"] == json{{"feedbackEnabled", false}});
}

TEST_CASE("issue 12.3: a list section with every entry commented out is refused, pointing at it") {
  ReconcileFixture f;
  (void)seed(f);
  (void)f.desired("team: acme\nusers: []\n");
  const std::string cfg = f.write_daemon_config();
  ReconcileFixture::write_text(f.desired_path,
                               "team: acme\npolicy:\n  prune: {users: true}\nusers:\n"
                               "#  - {email: dev@acme.example, first_name: Dev, last_name: One, "
                               "roles: [DEVELOPER]}\n");
  const auto plan = run(f, {"-c", cfg, "plan"});
  CHECK(plan.exit_code == 1);
  CHECK(plan.err.find("desired.yaml:4:1: error: 'users' has no value") != std::string::npos);
  CHECK(plan.err.find("write users: [] for an empty list") != std::string::npos);
  const auto apply = run(f, {"-c", cfg, "apply"});
  CHECK(apply.exit_code == 1);
  CHECK(f.sim().write_count() == 2);  // the two PATCHes of seed(); ascsync sent none
  CHECK(f.world().users.count("dev@acme.example") == 1);
}

TEST_CASE("issue 12.5: a plan whose only changes are blocked exits 1 and never says it matches") {
  ReconcileFixture f;
  (void)seed(f);
  (void)f.desired(R"(team: acme
users:
  - {email: owner@acme.example, first_name: Olive, last_name: Owner, roles: [DEVELOPER]}
)");
  const std::string cfg = f.write_daemon_config();
  const auto text = run(f, {"-c", cfg, "plan"});
  CHECK(text.exit_code == 1);
  CHECK(text.out.find("matches the desired state") == std::string::npos);
  CHECK(text.out.find("does not match the desired state") != std::string::npos);
  CHECK(text.out.find("ACCOUNT_HOLDER is never changed") != std::string::npos);

  const auto j = run(f, {"-c", cfg, "plan", "--json"});
  CHECK(j.exit_code == 1);
  const json out = json::parse(j.out);
  REQUIRE(out["teams"].size() == 1);
  CHECK(out["teams"][0]["outcome"] == "blocked");
  CHECK(out["teams"][0]["summary"]["blocked"] == 1);

  const auto apply = run(f, {"-c", cfg, "apply"});
  CHECK(apply.exit_code == 1);
  CHECK(f.sim().write_count() == 2);  // seed() only
}

TEST_CASE("issue 12.5: plan --json is always {\"teams\": [...]}; a team whose refresh failed is listed") {
  ReconcileFixture f;
  (void)seed(f);
  (void)f.desired(
      "team: acme\nusers:\n  - {email: new@acme.example, first_name: N, last_name: U, roles: [SALES]}\n");
  const std::string beta_desired = f.dir + "/beta.yaml";
  ReconcileFixture::write_text(beta_desired, "team: beta\nusers: []\n");
  const std::string cfg = f.write_daemon_config();
  // A second team whose key App Store Connect does not know: its refresh fails.
  std::string text = test_support::read_text(cfg);
  text += "  - name: beta\n    issuer_id: " + f.fx.issuer_id +
          "\n    key_id: UNKNOWN001\n    private_key_file: " + f.fx.key_path +
          "\n    desired_state: " + beta_desired + "\n    base_url: " + f.fx.base_url + "\n";
  ReconcileFixture::write_text(cfg, text);

  const auto both = run(f, {"-c", cfg, "plan", "--json"});
  CHECK(both.exit_code == 1);
  const json j = json::parse(both.out);
  REQUIRE(j.contains("teams"));
  REQUIRE(j["teams"].size() == 2);
  CHECK(j["teams"][0]["team"] == "acme");
  CHECK(j["teams"][0]["outcome"] == "changes");
  CHECK(j["teams"][1]["team"] == "beta");
  CHECK(j["teams"][1]["outcome"] == "error");
  CHECK_FALSE(j["teams"][1]["error"].get<std::string>().empty());

  // One team: the same shape.
  const auto one = run(f, {"-c", cfg, "--team", "acme", "plan", "--json"});
  CHECK(one.exit_code == 2);
  const json o = json::parse(one.out);
  REQUIRE(o["teams"].size() == 1);
  CHECK(o["teams"][0]["team"] == "acme");

  // A team whose desired state is invalid is listed too.
  ReconcileFixture::write_text(beta_desired, "team: beta\nusers:\n");
  const auto invalid = run(f, {"-c", cfg, "--team", "beta", "plan", "--json"});
  CHECK(invalid.exit_code == 1);
  const json i = json::parse(invalid.out);
  REQUIRE(i["teams"].size() == 1);
  CHECK(i["teams"][0]["outcome"] == "error");
  CHECK(i["teams"][0]["error"].get<std::string>().find("'users' has no value") != std::string::npos);
}
