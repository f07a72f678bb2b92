#pragma once
// Parsers for the scalar value types the configuration files use. Each returns std::nullopt
// on bad input; the caller turns that into a located Diagnostic.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace config {

// The longest duration parse_duration accepts (a year); settings have their own, lower maximum.
inline constexpr std::chrono::seconds k_max_duration{366LL * 24 * 3600};

// "30s", "15m", "1h", "1h30m", "90s": one or more <digits><s|m|h> groups. Zero is allowed.
// Overflow-safe: a total above k_max_duration (however many digits) is refused. `why`, when
// given, receives "syntax", "too long" or "empty" on failure.
std::optional<std::chrono::seconds> parse_duration(std::string_view text, std::string* why = nullptr);
// The same with days as well: "30d", "7d12h". For the desired state's certificate timings.
std::optional<std::chrono::seconds> parse_duration_days(std::string_view text, std::string* why = nullptr);
// "15m" style rendering: the largest units that divide the value exactly ("1h30m", "45s").
std::string format_duration(std::chrono::seconds d);

// A deliberately plain email check: one '@', a non-empty local part, a domain with a dot and no
// empty labels, no whitespace or control characters. Apple performs the real validation.
bool is_valid_email(std::string_view email);

// An App Store Connect bundle id: letters, digits, '.', '-' and '*' (wildcard ids), no spaces.
bool is_valid_bundle_id(std::string_view bundle_id);

// Apple's issuer id: a UUID "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" (hex digits).
bool is_uuid(std::string_view text);

// Apple's API key id: exactly 10 characters from [A-Z0-9].
bool is_key_id(std::string_view text);

// A team name: 1..64 characters from [a-z0-9-_].
bool is_team_name(std::string_view text);

// True for hosts that never leave the machine: 127.0.0.1 (any 127/8), ::1, localhost.
bool is_loopback_host(std::string_view host);

struct Url {
  std::string scheme;  // "http" | "https"
  std::string host;    // without brackets for IPv6
  int port = 0;        // 0 when not given
  std::string path;    // "" or starting with '/'
};
// Parses "scheme://host[:port][/path]" with scheme http or https; IPv6 hosts in brackets.
std::optional<Url> parse_url(std::string_view text);

struct HostPort {
  std::string host;
  int port = 0;
};
// Parses "host:port" or "[v6]:port"; port 0..65535 (0 = any free port, for tests).
std::optional<HostPort> parse_host_port(std::string_view text);

}  // namespace config
