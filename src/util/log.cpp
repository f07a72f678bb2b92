#include "util/log.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <mutex>
#include <nlohmann/json.hpp>
#include <regex>

namespace util {

std::string redact(std::string_view text) {
  static const std::regex k_bearer(R"((Bearer|bearer)\s+[A-Za-z0-9._~+/=-]+)");
  static const std::regex k_jwt(R"(eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]+)");
  static const std::regex k_pem(R"(-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----)");
  std::string out(text);
  if (out.find("PRIVATE KEY") != std::string::npos) out = std::regex_replace(out, k_pem, "[REDACTED KEY]");
  if (out.find("earer") != std::string::npos) out = std::regex_replace(out, k_bearer, "Bearer [REDACTED]");
  if (out.find("eyJ") != std::string::npos) out = std::regex_replace(out, k_jwt, "[REDACTED JWT]");
  return out;
}

namespace {

// Formats the (already redacted) payload as a JSON string value.
class JsonPayloadFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
    const std::string s = nlohmann::json(std::string(msg.payload.data(), msg.payload.size())).dump();
    dest.append(s.data(), s.data() + s.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<JsonPayloadFlag>(); }
};

// journald's <N> priority prefix for each level.
class PriorityFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
    int prio = 6;
    switch (msg.level) {
      case spdlog::level::trace:
      case spdlog::level::debug: prio = 7; break;
      case spdlog::level::info: prio = 6; break;
      case spdlog::level::warn: prio = 4; break;
      case spdlog::level::err: prio = 3; break;
      case spdlog::level::critical: prio = 2; break;
      default: break;
    }
    // "<N>" built in a fixed buffer (GCC 12 -O3 misreports -Wrestrict on the string version).
    const char s[3] = {'<', static_cast<char>('0' + prio), '>'};
    dest.append(s, s + sizeof s);
  }
  std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<PriorityFlag>(); }
};

// Redacts every message before it reaches the real sink, whatever logged it.
class RedactingSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit RedactingSink(spdlog::sink_ptr inner) : m_inner(std::move(inner)) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    const std::string clean = redact(std::string_view(msg.payload.data(), msg.payload.size()));
    spdlog::details::log_msg copy(msg.time, msg.source, msg.logger_name, msg.level, clean);
    m_inner->log(copy);
  }
  void flush_() override { m_inner->flush(); }
  void set_pattern_(const std::string& pattern) override { m_inner->set_pattern(pattern); }
  void set_formatter_(std::unique_ptr<spdlog::formatter> f) override { m_inner->set_formatter(std::move(f)); }

 private:
  spdlog::sink_ptr m_inner;
};

}  // namespace

void setup_logging(std::string_view level, LogFormat format) {
  spdlog::sink_ptr inner;
  if (format == LogFormat::text)
    inner = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  else
    inner = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  auto sink = std::make_shared<RedactingSink>(inner);
  auto formatter = std::make_unique<spdlog::pattern_formatter>(
      format == LogFormat::json ? spdlog::pattern_time_type::utc : spdlog::pattern_time_type::local);
  switch (format) {
    case LogFormat::text:
      formatter->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%-5l%$ %v");
      break;
    case LogFormat::json:
      formatter->add_flag<JsonPayloadFlag>('*').set_pattern(
          R"({"time":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l","msg":%*})");
      break;
    case LogFormat::journal:
      formatter->add_flag<PriorityFlag>('*').set_pattern("%*%v");
      break;
  }
  sink->set_formatter(std::move(formatter));
  auto logger = std::make_shared<spdlog::logger>("ascsync", sink);
  logger->set_level(spdlog::level::from_str(std::string(level)));
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

}  // namespace util
