#pragma once
// The kind table: every managed resource kind, in core::ChangeKind order. Adding a kind means a
// folder src/kinds/<kind>/ with its handler (kinds/handler.hpp), its payload struct in
// core/payloads.hpp (core::Payload's alternative) and its ChangeKind value, and one entry here.
// The checks below make a missing or misplaced part a compile error.
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>

#include "kinds/group/group.hpp"
#include "kinds/handler.hpp"
#include "kinds/invitation/invitation.hpp"
#include "kinds/membership/membership.hpp"
#include "kinds/tester/tester.hpp"
#include "kinds/user/user.hpp"

namespace kinds {

using KindTable = std::tuple<UserKind, InvitationKind, GroupKind, TesterKind, MembershipKind>;

namespace detail {
template <size_t... I>
constexpr bool table_matches_payloads(std::index_sequence<I...>) {
  return ((Handler<std::tuple_element_t<I, KindTable>> &&
           std::is_same_v<typename std::tuple_element_t<I, KindTable>::Payload,
                          std::variant_alternative_t<I, core::Payload>> &&
           std::tuple_element_t<I, KindTable>::kind == static_cast<core::ChangeKind>(I)) &&
          ...);
}
}  // namespace detail

static_assert(std::tuple_size_v<KindTable> == std::variant_size_v<core::Payload>,
              "every alternative of core::Payload needs its handler in the kind table, and no more");
static_assert(detail::table_matches_payloads(std::make_index_sequence<std::tuple_size_v<KindTable>>{}),
              "kind table entry I must satisfy kinds::Handler, carry core::Payload's alternative I and serve "
              "core::ChangeKind value I");

// The handler of a payload type.
template <class P, size_t I = 0>
struct HandlerOf {
  using type = std::conditional_t<std::is_same_v<typename std::tuple_element_t<I, KindTable>::Payload, P>,
                                  std::tuple_element_t<I, KindTable>, typename HandlerOf<P, I + 1>::type>;
};
template <class P>
struct HandlerOf<P, std::tuple_size_v<KindTable>> {
  using type = void;
};

// Calls f.template operator()<Handler>(payload) for the change's kind.
template <class F>
decltype(auto) visit(const core::Change& c, F&& f) {
  return std::visit(
      [&](const auto& payload) -> decltype(auto) {
        using H = typename HandlerOf<std::decay_t<decltype(payload)>>::type;
        return f.template operator()<H>(payload);
      },
      c.payload);
}

}  // namespace kinds
