#pragma once
// Logging through spdlog. Secrets never reach a sink: redact() strips bearer tokens, JWTs and
// PEM blocks from any text that could carry them.
#include <string>
#include <string_view>

#include <spdlog/spdlog.h>

namespace util {

enum class LogFormat { text, json, journal };

// Configures the default logger: level ("trace".."off"), format. journal = no timestamps
// (journald adds them) with <N> syslog priority prefixes.
void setup_logging(std::string_view level, LogFormat format);

// Returns text with "Bearer <token>", anything shaped like a JWT and PEM blocks replaced by
// "[REDACTED]".
std::string redact(std::string_view text);

}  // namespace util
