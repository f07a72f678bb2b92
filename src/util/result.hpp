#pragma once
// Expected failures are values (STYLE.md "Errors"): a Result<T> holds either a T or an Error.
#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace util {

// What kind of failure this is; the reconciler maps kind to "retry" or "terminal".
enum class ErrorKind {
  network,       // connect/read/write failed, connection dropped, truncated body
  timeout,       // a deadline passed
  rate_limited,  // HTTP 429
  auth,          // HTTP 401/403, bad or unreadable key
  conflict,      // HTTP 409
  not_found,     // HTTP 404/410
  client,        // other 4xx, malformed response, bad input
  server,        // HTTP 5xx
  internal,      // a bug or local I/O failure (SQLite, filesystem)
  cancelled,     // shutdown requested
};

const char* to_string(ErrorKind kind);

// True for failures that a later attempt may cure.
bool is_retryable(ErrorKind kind);

struct Error {
  ErrorKind kind = ErrorKind::internal;
  std::string message;           // human-readable: what went wrong and what to do
  int http_status = 0;           // 0 when no HTTP response was involved
  std::string code;              // Apple's error code, e.g. "STATE_ERROR"
  std::string title;             // Apple's error title
  std::string detail;            // Apple's error detail
  int retry_after_seconds = -1;  // from Retry-After, -1 when absent

  // One line for logs and users: "<kind>: <message> [HTTP 409 STATE_ERROR: detail]".
  std::string describe() const;
};

Error make_error(ErrorKind kind, std::string message);

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : m_v(std::in_place_index<0>, std::move(value)) {}      // NOLINT(implicit)
  Result(Error error) : m_v(std::in_place_index<1>, std::move(error)) {}  // NOLINT(implicit)

  bool ok() const { return m_v.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<0>(m_v);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(m_v);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(m_v));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const& {
    assert(!ok());
    return std::get<1>(m_v);
  }
  Error&& error() && {
    assert(!ok());
    return std::get<1>(std::move(m_v));
  }

 private:
  std::variant<T, Error> m_v;
};

// Result<void>: success carries nothing.
struct Ok {};
using Status = Result<Ok>;
inline Status ok_status() {
  return Ok{};
}

}  // namespace util
