// Typed payloads: a change's JSON payload (a saved plan, a journal entry) is read strictly by its
// kind's handler; a missing or mistyped member is an error naming the change and the member,
// never a default.
#include <doctest/doctest.h>

#include "support/plan_json_view.hpp"

namespace {

nlohmann::json group_create_doc() {
  return test_support::change_doc("group", "create", "group:com.acme.app/QA",
                                  {{"app_id", "app-1"},
                                   {"bundle_id", "com.acme.app"},
                                   {"name", "QA"},
                                   {"attributes",
                                    {{"name", "QA"},
                                     {"isInternalGroup", false},
                                     {"hasAccessToAllBuilds", true},
                                     {"publicLinkEnabled", true},
                                     {"publicLinkLimitEnabled", true},
                                     {"publicLinkLimit", 100},
                                     {"feedbackEnabled", false}}}});
}

template <class P>
util::Result<P> decode(const nlohmann::json& doc) {
  auto c = kinds::change_from_json(doc);
  if (!c) return std::move(c).error();
  const P* p = std::get_if<P>(&c->payload);
  REQUIRE(p != nullptr);
  return *p;
}

}  // namespace

TEST_CASE("payload decode: a group create reads every attribute") {
  const auto p = decode<core::GroupPayload>(group_create_doc());
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
    auto doc = group_create_doc();
    doc["payload"].merge_patch(tc.patch);
    const auto p = decode<core::GroupPayload>(doc);
    REQUIRE_FALSE(p.ok());
    CHECK(p.error().message.find(tc.message) != std::string::npos);
    CHECK(p.error().message.find("change group:com.acme.app/QA (create group)") != std::string::npos);
    CHECK_FALSE(kinds::change_from_json(doc).ok());
  }
}

TEST_CASE("payload decode: tester group references and membership batches") {
  auto t = test_support::change_doc(
      "tester", "create", "tester:a@x.com",
      {{"email", "a@x.com"},
       {"firstName", "A"},
       {"lastName", "B"},
       {"groups",
        {{{"key", "group:com.acme.app/QA"}, {"id", nullptr}}, {{"key", "group:x/Y"}, {"id", "g2"}}}}});
  const auto tp = decode<core::TesterPayload>(t);
  REQUIRE(tp.ok());
  REQUIRE(tp->groups.size() == 2);
  CHECK_FALSE(tp->groups[0].id.has_value());
  CHECK(tp->groups[1].id == "g2");
  t["payload"]["groups"][1].erase("key");
  const auto bad = decode<core::TesterPayload>(t);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message.find("payload member \"groups[1].key\" is missing") != std::string::npos);

  auto m = test_support::change_doc("membership", "add_members", "membership:com.acme.app/QA",
                                    {{"group_id", "g1"},
                                     {"group_key", "group:com.acme.app/QA"},
                                     {"testers", {{{"id", "t1"}, {"email", "a@x.com"}}}}});
  const auto mp = decode<core::MembershipPayload>(m);
  REQUIRE(mp.ok());
  CHECK(mp->group.id == "g1");
  REQUIRE(mp->testers.size() == 1);
  CHECK(mp->testers[0].id == "t1");

  // An action the kind has no rule for is refused, not guessed.
  m["action"] = "update";
  CHECK_FALSE(decode<core::MembershipPayload>(m).ok());
}

TEST_CASE("payload encode: every kind writes back exactly what it reads") {
  const auto doc = group_create_doc();
  auto c = kinds::change_from_json(doc);
  REQUIRE(c.ok());
  CHECK(kinds::change_to_json(*c)["payload"] == doc["payload"]);
}
