#include "util/result.hpp"

namespace util {

const char* to_string(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::network:
      return "network";
    case ErrorKind::timeout:
      return "timeout";
    case ErrorKind::rate_limited:
      return "rate_limited";
    case ErrorKind::auth:
      return "auth";
    case ErrorKind::conflict:
      return "conflict";
    case ErrorKind::not_found:
      return "not_found";
    case ErrorKind::client:
      return "client";
    case ErrorKind::server:
      return "server";
    case ErrorKind::internal:
      return "internal";
    case ErrorKind::cancelled:
      return "cancelled";
  }
  return "unknown";
}

bool is_retryable(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::network:
    case ErrorKind::timeout:
    case ErrorKind::rate_limited:
    case ErrorKind::server:
      return true;
    default:
      return false;
  }
}

std::string Error::describe() const {
  std::string out = to_string(kind);
  out += ": ";
  out += message;
  if (http_status != 0 || !code.empty()) {
    out += " [";
    if (http_status != 0) out += "HTTP " + std::to_string(http_status);
    if (!code.empty()) out += (http_status != 0 ? " " : "") + code;
    if (!detail.empty())
      out += ": " + detail;
    else if (!title.empty())
      out += ": " + title;
    out += "]";
  }
  return out;
}

Error make_error(ErrorKind kind, std::string message) {
  Error e;
  e.kind = kind;
  e.message = std::move(message);
  return e;
}

}  // namespace util
