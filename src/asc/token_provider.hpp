#pragma once
// Signs App Store Connect tokens and caches them until shortly before they expire.
#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include "asc/credentials.hpp"
#include "util/clock.hpp"
#include "util/result.hpp"

namespace asc {

struct TokenOptions {
  // How long a token stays valid from the moment it is signed. Apple refuses tokens that
  // expire more than 20 minutes ahead, so lifetime + backdate is capped at 19 minutes.
  std::chrono::seconds lifetime{15 * 60};
  // iat is set this far in the past so that a server clock slightly behind ours accepts it.
  std::chrono::seconds backdate{60};
  // A cached token is replaced this long before it expires, so none expires in flight.
  std::chrono::seconds renew_before{120};
};

class TokenProvider {
 public:
  TokenProvider(Credentials credentials, std::shared_ptr<util::Clock> clock, TokenOptions options = {});

  // A token valid for at least `renew_before`; signs a new one when the cached one is too old
  // or was invalidated. Thread-safe.
  util::Result<std::string> token();
  // Drops the cached token (after a 401) so the next token() signs a fresh one.
  void invalidate();
  long long tokens_signed() const;
  const std::string& key_id() const { return m_credentials.key_id; }

 private:
  Credentials m_credentials;
  std::shared_ptr<util::Clock> m_clock;
  TokenOptions m_options;
  mutable std::mutex m_mutex;
  std::string m_token;
  util::TimePoint m_expires_at{};
  long long m_signed = 0;
};

}  // namespace asc
