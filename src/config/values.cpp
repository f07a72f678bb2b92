#include "config/values.hpp"

#include <cctype>
#include <charconv>

#include "util/strings.hpp"

namespace config {

namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_hex(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

std::optional<int> parse_port(std::string_view text) {
  if (text.empty() || text.size() > 5) return std::nullopt;
  int port = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
  if (ec != std::errc() || end != text.data() + text.size() || port < 0 || port > 65535) return std::nullopt;
  return port;
}

}  // namespace

namespace {

// parse_duration, with 'd' (a day of 24 hours) as a unit when allow_days.
std::optional<std::chrono::seconds> parse_duration_units(std::string_view text, std::string* why,
                                                         bool allow_days) {
  const auto is_unit = [&](char c) { return c == 's' || c == 'm' || c == 'h' || (allow_days && c == 'd'); };
  const auto fail = [&](const char* reason) -> std::optional<std::chrono::seconds> {
    if (why) *why = reason;
    return std::nullopt;
  };
  if (text.empty()) return fail("empty");
  const long long max = k_max_duration.count();
  long long total = 0;
  size_t i = 0;
  while (i < text.size()) {
    const size_t start = i;
    // Why: accumulate with a bound, not from_chars into a fixed width — a long digit string or
    // many groups must fail cleanly instead of overflowing.
    long long n = 0;
    bool too_long = false;
    while (i < text.size() && is_digit(text[i])) {
      if (!too_long) {
        n = n * 10 + (text[i] - '0');
        if (n > max) too_long = true;
      }
      ++i;
    }
    if (i == start || i == text.size()) return fail("syntax");
    long long unit = 0;
    switch (text[i]) {
      case 's':
        unit = 1;
        break;
      case 'm':
        unit = 60;
        break;
      case 'h':
        unit = 3600;
        break;
      case 'd':
        if (!allow_days) return fail("syntax");
        unit = 24 * 3600;
        break;
      default:
        return fail("syntax");
    }
    ++i;
    if (too_long || n > (max - total) / unit) {
      // Keep checking the syntax: "99999999999h x" is a syntax error first.
      while (i < text.size()) {
        const size_t s2 = i;
        while (i < text.size() && is_digit(text[i])) ++i;
        if (i == s2 || i == text.size() || !is_unit(text[i])) return fail("syntax");
        ++i;
      }
      return fail("too long");
    }
    total += n * unit;
  }
  return std::chrono::seconds(total);
}

}  // namespace

std::optional<std::chrono::seconds> parse_duration(std::string_view text, std::string* why) {
  return parse_duration_units(text, why, false);
}

std::optional<std::chrono::seconds> parse_duration_days(std::string_view text, std::string* why) {
  return parse_duration_units(text, why, true);
}

std::string format_duration(std::chrono::seconds d) {
  long long s = d.count();
  if (s == 0) return "0s";
  std::string out;
  if (s >= 3600) {
    out += std::to_string(s / 3600) + "h";
    s %= 3600;
  }
  if (s >= 60) {
    out += std::to_string(s / 60) + "m";
    s %= 60;
  }
  if (s > 0) out += std::to_string(s) + "s";
  return out;
}

bool is_valid_email(std::string_view email) {
  const size_t at = email.find('@');
  if (at == std::string_view::npos || at == 0 || email.find('@', at + 1) != std::string_view::npos)
    return false;
  for (const char c : email) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f || c == ',' || c == ';' || c == '<' || c == '>' || c == '"') return false;
  }
  const std::string_view domain = email.substr(at + 1);
  if (domain.find('.') == std::string_view::npos) return false;
  for (const auto& label : util::split(domain, '.'))
    if (label.empty()) return false;
  return true;
}

bool is_valid_bundle_id(std::string_view bundle_id) {
  if (bundle_id.empty() || bundle_id.size() > 155) return false;
  for (const char c : bundle_id) {
    const bool ok = std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '-' || c == '*';
    if (!ok) return false;
  }
  return true;
}

bool is_uuid(std::string_view text) {
  if (text.size() != 36) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? text[i] != '-' : !is_hex(text[i])) return false;
  }
  return true;
}

bool is_key_id(std::string_view text) {
  if (text.size() != 10) return false;
  for (const char c : text)
    if (!is_digit(c) && !(c >= 'A' && c <= 'Z')) return false;
  return true;
}

bool is_team_name(std::string_view text) {
  if (text.empty() || text.size() > 64) return false;
  for (const char c : text)
    if (!is_digit(c) && !(c >= 'a' && c <= 'z') && c != '-' && c != '_') return false;
  return true;
}

bool is_loopback_host(std::string_view host) {
  if (host == "localhost" || host == "::1" || host == "[::1]") return true;
  if (!util::starts_with(host, "127.")) return false;
  const auto parts = util::split(host, '.');
  if (parts.size() != 4) return false;
  for (const auto& p : parts) {
    if (p.empty() || p.size() > 3) return false;
    for (const char c : p)
      if (!is_digit(c)) return false;
    if (std::stoi(p) > 255) return false;
  }
  return true;
}

std::optional<Url> parse_url(std::string_view text) {
  Url url;
  const size_t sep = text.find("://");
  if (sep == std::string_view::npos) return std::nullopt;
  url.scheme = util::to_lower(text.substr(0, sep));
  if (url.scheme != "http" && url.scheme != "https") return std::nullopt;
  std::string_view rest = text.substr(sep + 3);
  const size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) url.path = std::string(rest.substr(slash));
  if (authority.empty() || authority.find('@') != std::string_view::npos) return std::nullopt;
  std::string_view port_text;
  if (authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    url.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return std::nullopt;
      port_text = after.substr(1);
      if (port_text.empty()) return std::nullopt;
    }
  } else {
    const size_t colon = authority.rfind(':');
    url.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      if (port_text.empty()) return std::nullopt;
    }
  }
  if (url.host.empty()) return std::nullopt;
  if (!port_text.empty()) {
    const auto port = parse_port(port_text);
    if (!port || *port == 0) return std::nullopt;
    url.port = *port;
  }
  return url;
}

std::optional<HostPort> parse_host_port(std::string_view text) {
  HostPort hp;
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find("]:");
    if (close == std::string_view::npos) return std::nullopt;
    hp.host = std::string(text.substr(1, close - 1));
    port_text = text.substr(close + 2);
  } else {
    const size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    hp.host = std::string(text.substr(0, colon));
    if (hp.host.find(':') != std::string::npos) return std::nullopt;  // bare IPv6 needs brackets
    port_text = text.substr(colon + 1);
  }
  if (hp.host.empty()) return std::nullopt;
  const auto port = parse_port(port_text);
  if (!port) return std::nullopt;
  hp.port = *port;
  return hp;
}

}  // namespace config
