#include "kinds/dispatch.hpp"

#include "kinds/table.hpp"

namespace kinds {
namespace {

template <size_t I = 0>
util::Status read_payload(size_t index, const nlohmann::json& j, core::Change& c) {
  if constexpr (I == std::tuple_size_v<KindTable>) {
    return util::make_error(util::ErrorKind::client,
                            "change " + c.key + ": no handler for kind number " + std::to_string(index));
  } else {
    if (index != I) return read_payload<I + 1>(index, j, c);
    using H = std::tuple_element_t<I, KindTable>;
    c.payload.emplace<I>();  // the kind, for the reader's messages
    auto p = H::from_json(c, j);
    if (!p) return std::move(p).error();
    c.payload.emplace<I>(std::move(*p));
    return util::ok_status();
  }
}

}  // namespace

nlohmann::json payload_to_json(const core::Change& c) {
  return visit(c, [&]<class H>(const auto& p) { return H::to_json(c, p); });
}

util::Status payload_from_json(core::ChangeKind kind, const nlohmann::json& j, core::Change& c) {
  return read_payload(static_cast<size_t>(kind), j, c);
}

Wording wording(const core::Change& c) {
  return visit(c, [&]<class H>(const auto& p) { return H::wording(c, p); });
}

util::Result<Done> apply(ApplyEnv& env, const core::Change& c, Half half) {
  return visit(c, [&]<class H>(const auto& p) { return H::apply(env, c, p, half); });
}

util::Result<std::optional<bool>> exists(const core::Change& c, const core::Snapshot& s, Half half) {
  return visit(c, [&]<class H>(const auto& p) { return H::exists(c, p, s, half); });
}

std::string replaced_id(const core::Change& c) {
  return visit(c, [&]<class H>(const auto& p) { return H::replaced_id(p); });
}

}  // namespace kinds
