// Typed payloads: a change's JSON payload is read strictly; a missing or mistyped member is an
// error naming the change and the member, never a default.
#include <doctest/doctest.h>

#include "core/payload_json.hpp"

namespace {

core::Change group_create_change() {
  core::Change c;
  c.kind = core::ChangeKind::group;
  c.action = core::Action::create;
  c.key = "group:com.acme.app/QA";
  c.payload = {{"app_id", "app-1"},
               {"bundle_id", "com.acme.app"},
               {"name", "QA"},
               {"attributes",
                {{"name", "QA"},
                 {"isInternalGroup", false},
                 {"hasAccessToAllBuilds", true},
                 {"publicLinkEnabled", true},
                 {"publicLinkLimitEnabled", true},
                 {"publicLinkLimit", 100},
                 {"feedbackEnabled", false}}}};
  return c;
}

}  // namespace

TEST_CASE("payload decode: a group create reads every attribute") {
  const auto p = core::decode_group(group_create_change());
  REQUIRE(p.ok());
  CHECK(p->app_id == "app-1");
  CHECK(p->name == "QA");
  CHECK(p->attributes.has_access_to_all_builds == true);
  CHECK(p->attributes.public_link_limit == 100);
  CHECK(p->attributes.feedback_enabled == false);
}

TEST_CASE("payload decode: a missing or mistyped member is an error naming it") {
  struct Case {
    const char* name;
    nlohmann::json patch;  // merged into the payload (null removes a member)
    const char* message;
  };
  const Case cases[] = {
      {"missing name", {{"name", nullptr}}, "payload member \"name\" is missing"},
      {"mistyped app id", {{"app_id", 7}}, "payload member \"app_id\" must be a string, found number"},
      {"missing attribute",
       {{"attributes", {{"feedbackEnabled", nullptr}}}},
       "payload member \"attributes.feedbackEnabled\" is missing"},
      {"mistyped limit",
       {{"attributes", {{"publicLinkLimit", "100"}}}},
       "payload member \"attributes.publicLinkLimit\" must be an integer, found string"},
  };
  for (const auto& tc : cases) {
    CAPTURE(tc.name);
    auto c = group_create_change();
    c.payload.merge_patch(tc.patch);
    const auto p = core::decode_group(c);
    REQUIRE_FALSE(p.ok());
    CHECK(p.error().message.find(tc.message) != std::string::npos);
    CHECK(p.error().message.find("change group:com.acme.app/QA (create group)") != std::string::npos);
    CHECK_FALSE(core::check_payload(c).ok());
  }
}

TEST_CASE("payload decode: tester group references and membership batches") {
  core::Change t;
  t.kind = core::ChangeKind::tester;
  t.action = core::Action::create;
  t.key = "tester:a@x.com";
  t.payload = {{"email", "a@x.com"},
               {"firstName", "A"},
               {"lastName", "B"},
               {"groups",
                {{{"key", "group:com.acme.app/QA"}, {"id", nullptr}}, {{"key", "group:x/Y"}, {"id", "g2"}}}}};
  const auto tp = core::decode_tester(t);
  REQUIRE(tp.ok());
  REQUIRE(tp->groups.size() == 2);
  CHECK_FALSE(tp->groups[0].id.has_value());
  CHECK(tp->groups[1].id == "g2");
  t.payload["groups"][1].erase("key");
  const auto bad = core::decode_tester(t);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message.find("payload member \"groups[1].key\" is missing") != std::string::npos);

  core::Change m;
  m.kind = core::ChangeKind::membership;
  m.action = core::Action::add_members;
  m.key = "membership:com.acme.app/QA";
  m.payload = {{"group_id", "g1"},
               {"group_key", "group:com.acme.app/QA"},
               {"testers", {{{"id", "t1"}, {"email", "a@x.com"}}}}};
  const auto mp = core::decode_membership(m);
  REQUIRE(mp.ok());
  CHECK(mp->group.id == "g1");
  REQUIRE(mp->testers.size() == 1);
  CHECK(mp->testers[0].id == "t1");

  // An action the kind has no rule for is refused, not guessed.
  m.action = core::Action::update;
  CHECK_FALSE(core::decode_membership(m).ok());
}
