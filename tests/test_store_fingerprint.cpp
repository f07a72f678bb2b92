// The fingerprint a saved plan carries: order-independent, and it names exactly the collections
// that changed.
#include <doctest/doctest.h>

#include "store/snapshot_fingerprint.hpp"

namespace {

core::Snapshot fingerprint_snapshot() {
  core::Snapshot s;
  s.apps = {{"a1", "com.x", "X", "sku1"}, {"a2", "com.y", "Y", "sku2"}};
  core::BetaTester t1;
  t1.id = "t1";
  t1.email = "one@x.com";
  t1.group_ids = {"g1", "g2"};
  core::BetaTester t2;
  t2.id = "t2";
  t2.email = "two@x.com";
  s.testers = {t1, t2};
  return s;
}

}  // namespace

TEST_CASE("snapshot fingerprint: equal states fingerprint alike whatever the order") {
  const auto a = fingerprint_snapshot();
  auto b = a;
  std::swap(b.apps[0], b.apps[1]);
  std::swap(b.testers[0], b.testers[1]);
  std::swap(b.testers[1].group_ids[0], b.testers[1].group_ids[1]);
  const auto fa = store::snapshot_fingerprint(a, {"group:com.x/QA", "tester:one@x.com"});
  const auto fb = store::snapshot_fingerprint(b, {"tester:one@x.com", "group:com.x/QA"});
  CHECK(fa == fb);
  CHECK(fa.digest() == fb.digest());
  CHECK(store::changed_collections(fa, fb).empty());
  CHECK(fa.collections.size() == 9);
}

TEST_CASE("snapshot fingerprint: names the collections that moved") {
  const auto base = store::snapshot_fingerprint(fingerprint_snapshot(), {});

  auto renamed = fingerprint_snapshot();
  renamed.testers[1].first_name = "Two";
  CHECK(store::changed_collections(base, store::snapshot_fingerprint(renamed, {})) ==
        std::vector<std::string>{"testers"});

  auto moved = fingerprint_snapshot();
  moved.testers[0].group_ids = {"g1"};
  CHECK(store::changed_collections(base, store::snapshot_fingerprint(moved, {})) ==
        std::vector<std::string>{"memberships"});

  CHECK(
      store::changed_collections(base, store::snapshot_fingerprint(fingerprint_snapshot(), {"app:com.x"})) ==
      std::vector<std::string>{"managed"});

  // Field boundaries count: "ab"+"c" is not "a"+"bc".
  auto a = fingerprint_snapshot();
  a.apps[0].name = "ab";
  a.apps[0].sku = "c";
  auto b = fingerprint_snapshot();
  b.apps[0].name = "a";
  b.apps[0].sku = "bc";
  CHECK(store::snapshot_fingerprint(a, {}).collections.at("apps") !=
        store::snapshot_fingerprint(b, {}).collections.at("apps"));
}
