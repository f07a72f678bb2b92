// Compile-time contract of a resource kind (kinds/handler.hpp): built on demand by
// tests/contract/kinds_contract.sh, once complete (must compile) and once with one part left out
// (must not compile, naming kinds::Handler). src/kinds/table.hpp asserts the same concept for
// every entry of the kind table, so a kind missing a part cannot be listed.
#include "kinds/handler.hpp"

namespace {

struct ExampleKind {
  static constexpr core::ChangeKind kind = core::ChangeKind::user;
  using Payload = core::UserPayload;

  static nlohmann::json to_json(const core::Change&, const Payload&) { return nullptr; }
  static util::Result<Payload> from_json(const core::Change&, const nlohmann::json&) { return Payload{}; }
  static kinds::Wording wording(const core::Change&, const Payload&) { return {}; }
  static util::Result<kinds::Done> apply(kinds::ApplyEnv&, const core::Change&, const Payload&, kinds::Half) {
    return kinds::Done{};
  }
#ifndef ASCSYNC_CONTRACT_DROP_EXISTS
  static util::Result<std::optional<bool>> exists(const core::Change&, const Payload&, const core::Snapshot&,
                                                  kinds::Half) {
    return std::optional<bool>();
  }
#endif
  static std::string replaced_id(const Payload&) {
    return {};
  }
};

static_assert(kinds::Handler<ExampleKind>, "ExampleKind must satisfy kinds::Handler");

}  // namespace
