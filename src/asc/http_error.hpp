#pragma once
// Turns an HTTP error response from App Store Connect into a util::Error value.
#include <string>
#include <string_view>

#include "util/result.hpp"

namespace asc {

// The kind for an HTTP status: 401/403 auth, 404/410 not_found, 409 conflict, 429
// rate_limited, 5xx server, other 4xx client.
util::ErrorKind kind_for_status(int status);

// What a route needs from the key's role (Apple's rules; see docs/SIMULATOR.md "Roles").
struct AccessNeed {
  std::string kind;  // "users", "beta testers", "certificates", ...
  std::string role;  // "Admin", "App Manager or Admin", "Admin, or Access to Certificates"
};
AccessNeed access_for_route(std::string_view route);
// The hint a 403 carries: the kind and the role its route needs.
std::string forbidden_hint(std::string_view route);

// Builds the error for a non-2xx response to `what` ("GET /v1/users"): kind from the status,
// Apple's code/title/detail from the first entry of an ErrorResponse body (tolerating bodies
// that are not JSON), and Retry-After in seconds when the header holds a number.
util::Error error_from_response(std::string_view what, int status, std::string_view body,
                                std::string_view retry_after_header);

}  // namespace asc
