// Crash recovery of pending journal entries: read back from the fresh snapshot, and an entry that
// cannot be decoded blocks the team instead of being closed unread.
#include <doctest/doctest.h>

#include "kinds/plan_json.hpp"
#include "reconcile/executor.hpp"
#include "reconcile/recover.hpp"
#include "store/database.hpp"
#include "store/journal.hpp"
#include "store/managed.hpp"
#include "support/reconcile_fixture.hpp"
#include "support/temp_dir.hpp"
#include "util/time.hpp"

namespace {

struct RecoverFixture {
  RecoverFixture() {
    store::OpenOptions options;
    options.migrations_dir = std::string(ASCSYNC_TEST_SOURCE_DIR) + "/migrations";
    auto opened = store::Database::open((dir.path / "state.db").string(), options);
    REQUIRE(opened.ok());
    db.emplace(std::move(opened).value());
  }

  int64_t pending(const std::string& kind, const std::string& action, const std::string& key,
                  const nlohmann::json& request) {
    store::JournalEntry e;
    e.kind = kind;
    e.action = action;
    e.natural_key = key;
    e.request = request;
    store::Journal journal(*db);
    auto id = journal.record_pending("acme", e, clock.now());
    REQUIRE(id.ok());
    return *id;
  }

  std::vector<int64_t> pending_ids() {
    store::Journal journal(*db);
    auto p = journal.pending("acme");
    REQUIRE(p.ok());
    std::vector<int64_t> ids;
    for (const auto& e : *p) ids.push_back(e.id);
    return ids;
  }

  test_support::TempDir dir;
  std::optional<store::Database> db;
  util::ManualClock clock{*util::parse_rfc3339("2026-03-01T10:00:00Z")};
};

core::Change invitation_create(const std::string& email) {
  core::Change c;
  c.action = core::Action::create;
  c.key = "invitation:" + email;
  c.payload =
      core::InvitationPayload{"", email, core::InvitationTerms{"A", "B", {"DEVELOPER"}, true, false, {}}};
  c.manage = {c.key};
  return c;
}

}  // namespace

TEST_CASE("recovery: a readable pending create is settled by read-back") {
  RecoverFixture f;
  const auto id = f.pending("invitation", "create", "invitation:ann@x.com",
                            kinds::change_to_json(invitation_create("ann@x.com")));
  core::Snapshot fresh;
  fresh.invitations.push_back({"i1", "Ann@X.com", "A", "B", {"DEVELOPER"}, false, false, "", {}});
  auto r = reconcile::resolve_pending("acme", *f.db, fresh, f.clock);
  REQUIRE(r.ok());
  CHECK(r->resolved_present == 1);
  CHECK(f.pending_ids().empty());
  store::ManagedObjects managed(*f.db);
  auto keys = managed.load_managed("acme");
  REQUIRE(keys.ok());
  CHECK(keys->count("invitation:ann@x.com") == 1);
  (void)id;
}

TEST_CASE("recovery: an undecodable pending entry stays pending and blocks the team") {
  struct Case {
    const char* name;
    nlohmann::json request;
  };
  nlohmann::json no_email = kinds::change_to_json(invitation_create("bob@x.com"));
  no_email["payload"].erase("email");
  nlohmann::json wrong_type = kinds::change_to_json(invitation_create("bob@x.com"));
  wrong_type["payload"]["allAppsVisible"] = "yes";
  nlohmann::json unknown_kind = kinds::change_to_json(invitation_create("bob@x.com"));
  unknown_kind["kind"] = "certificate";
  nlohmann::json unknown_action = kinds::change_to_json(invitation_create("bob@x.com"));
  unknown_action["action"] = "renew";
  for (const auto& tc : std::vector<Case>{{"unknown kind", unknown_kind},
                                          {"unknown action", unknown_action},
                                          {"payload without the read-back identity", no_email},
                                          {"payload member of the wrong type", wrong_type},
                                          {"not a change at all", nlohmann::json::array({1, 2})}}) {
    CAPTURE(tc.name);
    RecoverFixture f;
    // A readable entry before it is still settled; the undecodable one is left alone.
    f.pending("invitation", "create", "invitation:ann@x.com",
              kinds::change_to_json(invitation_create("ann@x.com")));
    const auto bad = f.pending("invitation", "create", "invitation:bob@x.com", tc.request);
    core::Snapshot fresh;  // neither object exists: a blind close would let the next plan create bob again
    auto r = reconcile::resolve_pending("acme", *f.db, fresh, f.clock);
    REQUIRE_FALSE(r.ok());
    const std::string msg = r.error().message;
    CHECK(msg.find("journal entry " + std::to_string(bad)) != std::string::npos);
    CHECK(msg.find("invitation:bob@x.com") != std::string::npos);
    CHECK(msg.find("stays pending") != std::string::npos);
    CHECK(msg.find("nothing is planned or applied") != std::string::npos);
    CHECK(f.pending_ids() == std::vector<int64_t>{bad});
    // The next cycle is refused the same way until someone settles it.
    auto again = reconcile::resolve_pending("acme", *f.db, fresh, f.clock);
    CHECK_FALSE(again.ok());
    CHECK(f.pending_ids() == std::vector<int64_t>{bad});
  }
}

namespace {

// A create-before-destroy replace of the group `old_id` by a group named `new_name` (no kind plans
// one yet; certificates and profiles will, issue 10). The executor supports it for groups.
core::Change group_create_first(const std::string& app_id, const std::string& old_id,
                                const std::string& new_name) {
  core::Change c;
  c.action = core::Action::replace;
  c.order = core::ReplaceOrder::create_before_destroy;
  c.key = "group:com.acme.shop/" + new_name;
  c.reason = "test";
  core::GroupPayload p;
  p.group_id = old_id;
  p.app_id = app_id;
  p.bundle_id = "com.acme.shop";
  p.name = new_name;
  p.attributes = {false, false, false, false, std::nullopt, true};
  c.payload = p;
  c.manage = {c.key};
  return c;
}

reconcile::ApplyReport apply_one(test_support::ReconcileFixture& f, const core::Change& c,
                                 const core::Snapshot& snapshot) {
  core::Plan plan;
  plan.team = test_support::ReconcileFixture::k_team;
  plan.changes.push_back(c);
  reconcile::ApplyContext ctx;
  ctx.team = plan.team;
  ctx.api = f.api.get();
  ctx.db = &*f.db;
  ctx.clock = &f.clock;
  ctx.snapshot = &snapshot;
  return reconcile::apply_plan(plan, ctx);
}

std::vector<store::JournalEntry> oldest_first(test_support::ReconcileFixture& f) {
  store::Journal j(*f.db);
  auto all = j.recent(test_support::ReconcileFixture::k_team, 100);
  REQUIRE(all.ok());
  std::vector<store::JournalEntry> out(all->rbegin(), all->rend());
  return out;
}

}  // namespace

TEST_CASE(
    "create_before_destroy: the executor creates the new object, then deletes the old, one journal entry per "
    "half") {
  test_support::ReconcileFixture f;
  f.add_apps({"com.acme.shop"});
  const std::string app = f.app_ids["com.acme.shop"];
  const std::string old_id = f.sim().add_beta_group(app, "QA", false);
  const core::Snapshot snapshot;

  SUBCASE("both halves succeed") {
    const auto report = apply_one(f, group_create_first(app, old_id, "QA2"), snapshot);
    CHECK(report.ok());
    CHECK(report.applied == 1);
    CHECK(report.writes == 2);
    const auto w = f.world();
    CHECK(w.groups.count("com.acme.shop/QA2") == 1);
    CHECK(w.groups.count("com.acme.shop/QA") == 0);
    const auto entries = oldest_first(f);
    REQUIRE(entries.size() == 2);
    CHECK(entries[0].request["half"] == "create");
    CHECK(entries[0].state == "done");
    CHECK(entries[1].request["half"] == "delete");
    CHECK(entries[1].state == "done");
    CHECK(entries[0].request["order"] == "create_before_destroy");
  }

  SUBCASE("the delete half fails: the new object exists and the old one is still there") {
    sim::FaultRule refuse_delete;
    refuse_delete.route = "DELETE /v1/betaGroups/*";
    refuse_delete.fail_nth = 1;
    refuse_delete.error_status = 422;
    f.sim().add_fault(refuse_delete);
    const auto report = apply_one(f, group_create_first(app, old_id, "QA2"), snapshot);
    CHECK(report.failed == 1);
    const auto w = f.world();
    CHECK(w.groups.count("com.acme.shop/QA2") == 1);  // created first
    CHECK(w.groups.count("com.acme.shop/QA") == 1);   // the old one stays until a later delete
    const auto entries = oldest_first(f);
    REQUIRE(entries.size() == 2);
    CHECK(entries[0].request["half"] == "create");
    CHECK(entries[0].state == "done");
    CHECK(entries[1].request["half"] == "delete");
    CHECK(entries[1].state == "failed");
    store::ManagedObjects managed(*f.db);
    auto keys = managed.load_managed(test_support::ReconcileFixture::k_team);
    REQUIRE(keys.ok());
    CHECK(keys->count("group:com.acme.shop/QA2") == 1);
  }

  SUBCASE("the create half fails: nothing is deleted") {
    sim::FaultRule refuse_create;
    refuse_create.route = "POST /v1/betaGroups";
    refuse_create.fail_nth = 1;
    refuse_create.error_status = 422;
    f.sim().add_fault(refuse_create);
    const auto report = apply_one(f, group_create_first(app, old_id, "QA2"), snapshot);
    CHECK(report.failed == 1);
    const auto w = f.world();
    CHECK(w.groups.count("com.acme.shop/QA2") == 0);
    CHECK(w.groups.count("com.acme.shop/QA") == 1);
    const auto entries = oldest_first(f);
    REQUIRE(entries.size() == 1);
    CHECK(entries[0].request["half"] == "create");
    CHECK(entries[0].state == "failed");
  }
}

TEST_CASE("create_before_destroy: a crash between the halves is read back half by half") {
  RecoverFixture f;
  core::Change c = group_create_first("app-1", "g-old", "QA2");
  nlohmann::json create_half = kinds::change_to_json(c);
  create_half["half"] = "create";
  nlohmann::json delete_half = kinds::change_to_json(c);
  delete_half["half"] = "delete";
  core::BetaGroup old_group;
  old_group.id = "g-old";
  old_group.app_id = "app-1";
  old_group.name = "QA2";  // same identity as the new one: only the id tells them apart
  core::BetaGroup new_group = old_group;
  new_group.id = "g-new";

  SUBCASE("create half pending, only the old object exists: it did not happen") {
    f.pending("group", "replace", c.key, create_half);
    core::Snapshot fresh;
    fresh.groups = {old_group};
    auto r = reconcile::resolve_pending("acme", *f.db, fresh, f.clock);
    REQUIRE(r.ok());
    CHECK(r->resolved_absent == 1);
  }
  SUBCASE("create half pending, the new object exists: it happened and is managed") {
    f.pending("group", "replace", c.key, create_half);
    core::Snapshot fresh;
    fresh.groups = {old_group, new_group};
    auto r = reconcile::resolve_pending("acme", *f.db, fresh, f.clock);
    REQUIRE(r.ok());
    CHECK(r->resolved_present == 1);
    store::ManagedObjects managed(*f.db);
    auto keys = managed.load_managed("acme");
    REQUIRE(keys.ok());
    CHECK(keys->count(c.key) == 1);
  }
  SUBCASE("delete half pending, the old id is still there: it did not happen") {
    f.pending("group", "replace", c.key, delete_half);
    core::Snapshot fresh;
    fresh.groups = {old_group, new_group};
    auto r = reconcile::resolve_pending("acme", *f.db, fresh, f.clock);
    REQUIRE(r.ok());
    CHECK(r->resolved_absent == 1);
    CHECK(f.pending_ids().empty());
  }
  SUBCASE("delete half pending, the old id is gone: it happened") {
    f.pending("group", "replace", c.key, delete_half);
    core::Snapshot fresh;
    fresh.groups = {new_group};
    auto r = reconcile::resolve_pending("acme", *f.db, fresh, f.clock);
    REQUIRE(r.ok());
    CHECK(r->resolved_present == 1);
  }
  SUBCASE("an entry that names no half blocks") {
    const auto id = f.pending("group", "replace", c.key, kinds::change_to_json(c));
    auto r = reconcile::resolve_pending("acme", *f.db, core::Snapshot{}, f.clock);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find("journal entry " + std::to_string(id)) != std::string::npos);
    CHECK(f.pending_ids() == std::vector<int64_t>{id});
  }
}

// A change's payload is typed, so the executor cannot be handed one it cannot read: the JSON
// boundary (a saved plan, a journal entry) refuses it, before anything is journaled or sent.
TEST_CASE("executor: a change whose payload does not decode fails before anything is journaled or sent") {
  test_support::ReconcileFixture f;
  f.add_apps({"com.acme.shop"});
  // One request first: the simulator's stop() hangs when its server thread has not started
  // listening yet (cpp-httplib's stop() before listen), and this test sends nothing else.
  REQUIRE(f.api->find_beta_group(f.app_ids["com.acme.shop"], "QA").ok());
  core::Change c = group_create_first(f.app_ids["com.acme.shop"], "unused", "QA");
  c.action = core::Action::create;
  c.order = core::ReplaceOrder::destroy_before_create;
  nlohmann::json saved = kinds::change_to_json(c);
  saved["payload"].erase("group_id");
  saved["payload"]["attributes"].erase("feedbackEnabled");  // the old executor would have sent `true`
  const auto read = kinds::change_from_json(saved);
  REQUIRE_FALSE(read.ok());
  CHECK(read.error().message.find("payload member \"attributes.feedbackEnabled\" is missing") !=
        std::string::npos);
  CHECK(oldest_first(f).empty());
  CHECK(f.world().groups.empty());
}
