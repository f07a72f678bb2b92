#include "asc/token_provider.hpp"

#include <algorithm>

#include "asc/jwt.hpp"

namespace asc {

namespace {
constexpr std::chrono::seconds k_max_validity{19 * 60};
}

TokenProvider::TokenProvider(Credentials credentials, std::shared_ptr<util::Clock> clock,
                             TokenOptions options)
    : m_credentials(std::move(credentials)), m_clock(std::move(clock)), m_options(options) {
  m_options.backdate = std::clamp(m_options.backdate, std::chrono::seconds(0), std::chrono::seconds(5 * 60));
  m_options.lifetime =
      std::clamp(m_options.lifetime, std::chrono::seconds(60), k_max_validity - m_options.backdate);
  m_options.renew_before =
      std::clamp(m_options.renew_before, std::chrono::seconds(0), m_options.lifetime / 2);
}

util::Result<std::string> TokenProvider::token() {
  std::lock_guard lock(m_mutex);
  const util::TimePoint now = m_clock->now();
  if (!m_token.empty() && now + m_options.renew_before < m_expires_at) return m_token;
  TokenRequest request;
  request.issuer_id = m_credentials.issuer_id;
  request.key_id = m_credentials.key_id;
  request.issued_at = now - m_options.backdate;
  // exp = now + lifetime; the backdated iat only widens the window towards the past.
  request.lifetime = m_options.lifetime + m_options.backdate;
  auto signed_token = make_token(m_credentials.private_key.get(), request);
  if (!signed_token)
    return util::make_error(util::ErrorKind::auth,
                            "cannot sign an API token with key " + m_credentials.key_id);
  m_token = std::move(*signed_token);
  m_expires_at = std::chrono::time_point_cast<std::chrono::seconds>(now) + m_options.lifetime;
  ++m_signed;
  return m_token;
}

void TokenProvider::invalidate() {
  std::lock_guard lock(m_mutex);
  m_token.clear();
}

long long TokenProvider::tokens_signed() const {
  std::lock_guard lock(m_mutex);
  return m_signed;
}

}  // namespace asc
