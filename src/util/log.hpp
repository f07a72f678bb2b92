#pragma once
// Logging through spdlog. Secrets never reach a sink: redact() strips bearer tokens, JWTs and
// PEM blocks from any text that could carry them.
#include <spdlog/spdlog.h>

#include <string>
#include <string_view>

namespace util {

enum class LogFormat { text, json, journal };

// Configures the default logger: level ("trace".."off"), format. journal = no timestamps
// (journald adds them) with <N> syslog priority prefixes.
void setup_logging(std::string_view level, LogFormat format);

// Returns text with credentials replaced by "[REDACTED]": "Bearer <token>" (after
// "Authorization:" always; elsewhere when the word looks like a token — 20+ characters, or 8+
// with a digit or one of . _ ~ + / =, so the phrase "bearer token" in prose stays), anything
// shaped like a JWT, and PEM private-key blocks.
std::string redact(std::string_view text);

}  // namespace util
