#include <doctest/doctest.h>

#include "store/audit.hpp"
#include "store/conditions.hpp"
#include "store/database.hpp"
#include "store/journal.hpp"
#include "store/keys.hpp"
#include "store/managed.hpp"
#include "test_store_support.hpp"

using store_test::at;
using store_test::StoreDir;

namespace {

store::Database open_db(const std::string& path) {
  store::OpenOptions options;
  options.migrations_dir = store_test::source_migrations();
  auto db = store::Database::open(path, options);
  REQUIRE(db.ok());
  return std::move(db).value();
}

store::JournalEntry add_tester_intent(const std::string& email,
                                      std::optional<int64_t> plan_id = std::nullopt) {
  store::JournalEntry e;
  e.kind = "tester";
  e.action = "create";
  e.natural_key = store::tester_key(email);
  e.request = {{"email", email}, {"groups", {"g1"}}};
  e.plan_id = plan_id;
  return e;
}

}  // namespace

TEST_CASE("keys are kind-prefixed with lower-cased emails") {
  CHECK(store::user_key(" Ann@Example.COM") == "user:ann@example.com");
  CHECK(store::invitation_key("Bob@x.io") == "invitation:bob@x.io");
  CHECK(store::tester_key("Eve@X.io") == "tester:eve@x.io");
  CHECK(store::group_key("com.x.app", "Beta Friends") == "group:com.x.app/Beta Friends");
  CHECK(store::membership_key("com.x.app", "Beta", "Eve@X.io") == "membership:com.x.app/Beta/eve@x.io");
  CHECK(store::certificate_key("ABC123") == "certificate:ABC123");
}

TEST_CASE("journal: pending entries survive a crash and complete once") {
  StoreDir dir;
  const auto path = dir.file("ascsync.db");
  int64_t done_id = 0;
  int64_t crashed_id = 0;
  {
    auto db = open_db(path);
    store::Journal journal(db);
    store::AuditTrail audit(db);
    auto plan = audit.record_plan("acme", {{"changes", 2}}, at("2026-03-14T09:00:00Z"));
    REQUIRE(plan.ok());
    auto a = journal.record_pending("acme", add_tester_intent("ann@example.com", *plan),
                                    at("2026-03-14T09:00:01Z"));
    auto b = journal.record_pending("acme", add_tester_intent("bob@example.com", *plan),
                                    at("2026-03-14T09:00:02Z"));
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    done_id = *a;
    crashed_id = *b;
    REQUIRE(journal.complete(done_id, "done", {{"id", "t1"}}, "", at("2026-03-14T09:00:03Z")).ok());
    // The process dies here: bob's write may or may not have reached Apple.
  }
  auto db = open_db(path);
  store::Journal journal(db);
  auto pending = journal.pending("acme");
  REQUIRE(pending.ok());
  REQUIRE(pending->size() == 1);
  const auto& entry = pending->front();
  CHECK(entry.id == crashed_id);
  CHECK(entry.team == "acme");
  CHECK(entry.kind == "tester");
  CHECK(entry.action == "create");
  CHECK(entry.natural_key == "tester:bob@example.com");
  CHECK(entry.request["email"] == "bob@example.com");
  CHECK(entry.plan_id.has_value());
  CHECK(entry.state == "pending");
  CHECK(entry.created_at == at("2026-03-14T09:00:02Z"));
  CHECK_FALSE(entry.completed_at.has_value());
  CHECK(journal.pending("other")->empty());

  // Recovery read back bob as a tester: resolved.
  REQUIRE(journal.complete(crashed_id, "resolved", {{"found", "t2"}}, "", at("2026-03-14T09:05:00Z")).ok());
  CHECK(journal.pending("acme")->empty());
  auto again = journal.complete(crashed_id, "done", nullptr, "", at("2026-03-14T09:06:00Z"));
  REQUIRE_FALSE(again.ok());
  CHECK(again.error().message.find("not pending") != std::string::npos);
  CHECK_FALSE(journal.complete(999, "done", nullptr, "", at("2026-03-14T09:06:00Z")).ok());

  auto recent = journal.recent("acme", 10);
  REQUIRE(recent->size() == 2);
  CHECK((*recent)[0].id == crashed_id);
  CHECK((*recent)[0].state == "resolved");
  CHECK((*recent)[0].result["found"] == "t2");
  CHECK((*recent)[0].completed_at == at("2026-03-14T09:05:00Z"));
  CHECK((*recent)[1].state == "done");
  CHECK((*recent)[1].result["id"] == "t1");
}

TEST_CASE("journal: failures carry their error, bad outcomes are refused") {
  StoreDir dir;
  auto db = open_db(dir.file("ascsync.db"));
  store::Journal journal(db);
  auto id = journal.record_pending("acme", add_tester_intent("x@example.com"), at("2026-03-14T09:00:00Z"));
  REQUIRE(id.ok());
  CHECK_FALSE(journal.complete(*id, "maybe", nullptr, "", at("2026-03-14T09:00:01Z")).ok());
  REQUIRE(
      journal.complete(*id, "failed", nullptr, "client: HTTP 409 ENTITY_ERROR", at("2026-03-14T09:00:01Z"))
          .ok());
  auto recent = journal.recent("acme", 1);
  CHECK(recent->front().state == "failed");
  CHECK(recent->front().error == "client: HTTP 409 ENTITY_ERROR");
  CHECK_FALSE(recent->front().plan_id.has_value());
}

TEST_CASE("managed objects: mark, keep the first how, unmark") {
  StoreDir dir;
  auto db = open_db(dir.file("ascsync.db"));
  store::ManagedObjects managed(db);
  CHECK(managed.load_managed("acme")->empty());
  REQUIRE(managed.mark_managed("acme", "tester:ann@example.com", "created", at("2026-03-14T09:00:00Z")).ok());
  REQUIRE(managed.mark_managed("acme", "group:com.x/Beta", "adopted", at("2026-03-14T09:00:00Z")).ok());
  REQUIRE(managed.mark_managed("acme", "tester:ann@example.com", "adopted", at("2026-03-15T09:00:00Z")).ok());
  REQUIRE(managed.mark_managed("other", "user:bob@example.com", "created", at("2026-03-14T09:00:00Z")).ok());
  CHECK_FALSE(
      managed.mark_managed("acme", "user:x@example.com", "borrowed", at("2026-03-14T09:00:00Z")).ok());

  CHECK(*managed.load_managed("acme") == std::set<std::string>{"group:com.x/Beta", "tester:ann@example.com"});
  auto list = managed.list_managed("acme");
  REQUIRE(list->size() == 2);
  CHECK((*list)[1].key == "tester:ann@example.com");
  CHECK((*list)[1].how == "created");
  CHECK((*list)[1].since == at("2026-03-14T09:00:00Z"));

  REQUIRE(managed.unmark_managed("acme", "tester:ann@example.com").ok());
  REQUIRE(managed.unmark_managed("acme", "never:there").ok());
  CHECK(*managed.load_managed("acme") == std::set<std::string>{"group:com.x/Beta"});
  CHECK(*managed.load_managed("other") == std::set<std::string>{"user:bob@example.com"});
}

TEST_CASE("conditions: upsert keeps the last transition time until the type changes") {
  StoreDir dir;
  auto db = open_db(dir.file("ascsync.db"));
  store::Conditions conditions(db);
  const std::string key = "tester:ann@example.com";
  REQUIRE(conditions
              .set_condition("acme", key, "drifted", "MissingFromGroup", "not in Beta",
                             at("2026-03-14T09:00:00Z"))
              .ok());
  REQUIRE(conditions
              .set_condition("acme", key, "drifted", "MissingFromGroup", "still not in Beta",
                             at("2026-03-14T10:00:00Z"))
              .ok());
  auto list = conditions.conditions("acme");
  REQUIRE(list->size() == 1);
  CHECK((*list)[0].type == "drifted");
  CHECK((*list)[0].message == "still not in Beta");
  CHECK((*list)[0].last_transition_at == at("2026-03-14T09:00:00Z"));
  CHECK((*list)[0].updated_at == at("2026-03-14T10:00:00Z"));

  REQUIRE(conditions.set_condition("acme", key, "ready", "InSync", "", at("2026-03-14T11:00:00Z")).ok());
  list = conditions.conditions("acme");
  CHECK((*list)[0].type == "ready");
  CHECK((*list)[0].reason == "InSync");
  CHECK((*list)[0].last_transition_at == at("2026-03-14T11:00:00Z"));

  CHECK_FALSE(conditions.set_condition("acme", key, "happy", "", "", at("2026-03-14T11:00:00Z")).ok());
  REQUIRE(conditions
              .set_condition("acme", "group:com.x/Beta", "blocked", "DeletionCapExceeded", "12 > 10",
                             at("2026-03-14T11:00:00Z"))
              .ok());
  list = conditions.conditions("acme");
  REQUIRE(list->size() == 2);
  CHECK((*list)[0].key == "group:com.x/Beta");
  REQUIRE(conditions.clear_condition("acme", "group:com.x/Beta").ok());
  CHECK(conditions.conditions("acme")->size() == 1);
  CHECK(conditions.conditions("other")->empty());
}

TEST_CASE("audit trail and plans") {
  StoreDir dir;
  auto db = open_db(dir.file("ascsync.db"));
  store::AuditTrail audit(db);
  CHECK_FALSE(audit.latest_plan("acme")->has_value());
  auto plan = audit.record_plan("acme", {{"add", 1}, {"destroy", 0}}, at("2026-03-14T09:00:00Z"));
  REQUIRE(plan.ok());
  auto stored = audit.plan(*plan);
  REQUIRE(stored->has_value());
  CHECK((*stored)->team == "acme");
  CHECK((*stored)->plan["add"] == 1);
  CHECK((*stored)->created_at == at("2026-03-14T09:00:00Z"));
  CHECK((*audit.latest_plan("acme"))->id == *plan);
  CHECK_FALSE(audit.plan(*plan + 100)->has_value());

  store::AuditRecord r;
  r.plan_id = *plan;
  r.at = at("2026-03-14T09:00:05Z");
  r.change_kind = "tester";
  r.change_key = "tester:ann@example.com";
  r.action = "create";
  r.after = {{"email", "ann@example.com"}};
  r.outcome = "applied";
  REQUIRE(audit.record_audit("acme", r).ok());
  r.change_key = "tester:bob@example.com";
  r.outcome = "failed";
  r.error = "conflict: already exists";
  r.at = at("2026-03-14T09:00:06Z");
  REQUIRE(audit.record_audit("acme", r).ok());

  auto records = audit.audit("acme", 10);
  REQUIRE(records->size() == 2);
  CHECK((*records)[0].change_key == "tester:bob@example.com");
  CHECK((*records)[0].error == "conflict: already exists");
  CHECK((*records)[1].outcome == "applied");
  CHECK((*records)[1].before.is_null());
  CHECK((*records)[1].after["email"] == "ann@example.com");
  CHECK((*records)[1].plan_id == *plan);
  CHECK((*records)[1].at == at("2026-03-14T09:00:05Z"));
  CHECK(audit.audit("acme", 1)->size() == 1);
  CHECK(audit.audit("other", 10)->empty());
}
