// Replace order: destroy-then-create ("-/+", the default) and create-before-destroy ("+/-"), in
// the text plan, in the JSON plan and through a JSON round trip.
#include <doctest/doctest.h>

#include "kinds/plan_json.hpp"
#include "kinds/render.hpp"
#include "support/plan_json_view.hpp"

namespace {

core::Change group_replace(core::ReplaceOrder order) {
  core::Change c;
  c.action = core::Action::replace;
  c.order = order;
  c.key = "group:com.acme.app/QA";
  c.reason = "isInternalGroup is fixed at creation";
  c.before = core::Attributes{{"isInternalGroup", false}};
  c.after = core::Attributes{{"isInternalGroup", true}};
  core::GroupPayload p;
  p.app_id = "app-1";
  p.name = "QA";
  p.group_id = "g1";
  p.attributes = {true, false, false, false, std::nullopt, true};
  c.payload = p;
  c.manage = {c.key};
  return c;
}

}  // namespace

TEST_CASE(
    "replace order: the text plan shows -/+ for destroy-then-create and +/- for create-before-destroy") {
  core::Plan p;
  p.team = "acme";
  p.changes = {group_replace(core::ReplaceOrder::destroy_before_create),
               group_replace(core::ReplaceOrder::create_before_destroy)};
  const std::string text = kinds::render_text(p, nullptr);
  CHECK(text.find(
            "  -/+ group \"com.acme.app/QA\" will be replaced (isInternalGroup is fixed at creation)\n") !=
        std::string::npos);
  CHECK(
      text.find("  +/- group \"com.acme.app/QA\" will be replaced, the new one created before the old one is "
                "destroyed (isInternalGroup is fixed at creation)\n") != std::string::npos);
  CHECK(text.find("~ isInternalGroup: false -> true") != std::string::npos);
  // Both count as one to add and one to destroy, as Terraform counts replacements.
  CHECK(p.summary() == core::PlanSummary{0, 2, 0, 2, 0});
}

TEST_CASE("replace order: the JSON plan names it and reads it back") {
  for (const auto order :
       {core::ReplaceOrder::destroy_before_create, core::ReplaceOrder::create_before_destroy}) {
    CAPTURE(core::to_string(order));
    core::Plan p;
    p.team = "acme";
    p.changes = {group_replace(order)};
    const auto j = kinds::plan_to_json(p);
    CHECK(j["changes"][0]["action"] == "replace");
    CHECK(j["changes"][0]["order"] == core::to_string(order));
    const auto back = kinds::plan_from_json(nlohmann::json::parse(j.dump()));
    REQUIRE(back.ok());
    REQUIRE(back->changes.size() == 1);
    CHECK(back->changes[0].order == order);
    CHECK(kinds::change_to_json(back->changes[0]) == kinds::change_to_json(p.changes[0]));
  }
  CHECK(core::to_string(core::ReplaceOrder::create_before_destroy) == std::string("create_before_destroy"));
  CHECK(core::to_string(core::ReplaceOrder::destroy_before_create) == std::string("destroy_before_create"));
}

TEST_CASE("replace order: only replaces carry one; a replace without one is destroy-then-create") {
  core::Change create;
  create.payload = core::TesterPayload{};
  create.action = core::Action::create;
  create.key = "tester:a@x.com";
  CHECK_FALSE(kinds::change_to_json(create).contains("order"));

  // A replace journaled or saved before "order" existed.
  auto legacy = kinds::change_to_json(group_replace(core::ReplaceOrder::create_before_destroy));
  legacy.erase("order");
  auto read = kinds::change_from_json(legacy);
  REQUIRE(read.ok());
  CHECK(read->order == core::ReplaceOrder::destroy_before_create);

  auto unknown = kinds::change_to_json(group_replace(core::ReplaceOrder::create_before_destroy));
  unknown["order"] = "sideways";
  auto bad = kinds::change_from_json(unknown);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message.find("unknown order") != std::string::npos);

  auto misplaced = kinds::change_to_json(create);
  misplaced["order"] = "create_before_destroy";
  auto refused = kinds::change_from_json(misplaced);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().message.find("only valid for a replace") != std::string::npos);
}

TEST_CASE("kind, action and order names read back from their to_string, with no list to keep") {
  for (const auto k : {core::ChangeKind::user, core::ChangeKind::invitation, core::ChangeKind::group,
                       core::ChangeKind::tester, core::ChangeKind::membership})
    CHECK(kinds::change_kind_from_string(core::to_string(k)) == k);
  for (const auto a :
       {core::Action::adopt, core::Action::create, core::Action::replace, core::Action::add_members,
        core::Action::update, core::Action::blocked, core::Action::remove_members, core::Action::destroy})
    CHECK(kinds::action_from_string(core::to_string(a)) == a);
  CHECK(kinds::action_from_string("delete") == core::Action::destroy);
  CHECK_FALSE(kinds::change_kind_from_string("robot").has_value());
  CHECK_FALSE(kinds::change_kind_from_string("?").has_value());
  CHECK_FALSE(kinds::action_from_string("").has_value());
  CHECK(kinds::replace_order_from_string("create_before_destroy") ==
        core::ReplaceOrder::create_before_destroy);
}
