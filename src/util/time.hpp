#pragma once
// RFC 3339 / ISO 8601 timestamps as Apple writes them ("2026-11-21T10:37:11.000+00:00").
#include <optional>
#include <string>
#include <string_view>

#include "util/clock.hpp"

namespace util {

// Formats as "YYYY-MM-DDTHH:MM:SS.mmm+00:00" (UTC), the shape App Store Connect returns.
std::string format_rfc3339(TimePoint t);

// Parses "YYYY-MM-DDTHH:MM:SS[.fff](Z|+HH:MM|-HH:MM)". Returns std::nullopt when malformed.
std::optional<TimePoint> parse_rfc3339(std::string_view s);

// Seconds since the Unix epoch.
long long to_unix(TimePoint t);
TimePoint from_unix(long long seconds);

}  // namespace util
