#include "util/log.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <cctype>
#include <mutex>
#include <nlohmann/json.hpp>

namespace util {

namespace {

bool is_token_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
         c == '~' || c == '+' || c == '/' || c == '=' || c == '-';
}

bool is_b64url_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

// Length of a base64url run starting at pos.
size_t b64url_run(std::string_view s, size_t pos) {
  size_t n = 0;
  while (pos + n < s.size() && is_b64url_char(s[pos + n])) ++n;
  return n;
}

// Length of a compact JWS ("eyJ….….…") starting at pos, or 0.
size_t jwt_length(std::string_view s, size_t pos) {
  const size_t a = b64url_run(s, pos);
  if (a < 4 || pos + a >= s.size() || s[pos + a] != '.') return 0;
  const size_t b = b64url_run(s, pos + a + 1);
  if (b < 4 || pos + a + 1 + b >= s.size() || s[pos + a + 1 + b] != '.') return 0;
  const size_t c = b64url_run(s, pos + a + b + 2);
  return c == 0 ? 0 : a + b + c + 2;
}

// True when text[pos] is preceded by "Authorization:" (any case, optional blanks): whatever
// follows there is a credential, however it looks.
bool after_authorization(std::string_view text, size_t pos) {
  size_t p = pos;
  while (p > 0 && (text[p - 1] == ' ' || text[p - 1] == '\t')) --p;
  if (p == 0 || text[p - 1] != ':') return false;
  --p;
  constexpr std::string_view k_header = "authorization";
  if (p < k_header.size()) return false;
  const std::string_view word = text.substr(p - k_header.size(), k_header.size());
  for (size_t n = 0; n < word.size(); ++n)
    if (std::tolower(static_cast<unsigned char>(word[n])) != k_header[n]) return false;
  return true;
}

// A word after "Bearer" that is a token rather than prose: long (20+ characters), or 8+ with a
// digit or one of the symbols words do not contain. "token", "tokens", "authentication" are not.
bool looks_like_credential(std::string_view word) {
  if (word.size() >= 20) return true;
  if (word.size() < 8) return false;
  for (const char c : word)
    if ((c >= '0' && c <= '9') || c == '.' || c == '_' || c == '~' || c == '+' || c == '/' || c == '=')
      return true;
  return false;
}

}  // namespace

std::string redact(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const std::string_view rest = text.substr(i);
    // PEM private keys, whole block.
    if (rest.substr(0, 11) == "-----BEGIN ") {
      const size_t header_end = rest.find("-----", 11);
      if (header_end != std::string_view::npos &&
          rest.substr(0, header_end).find("PRIVATE KEY") != std::string_view::npos) {
        const size_t end = rest.find("-----END ", header_end + 5);
        const size_t close =
            end == std::string_view::npos ? std::string_view::npos : rest.find("-----", end + 9);
        out += "[REDACTED KEY]";
        i += close == std::string_view::npos ? rest.size() : close + 5;
        continue;
      }
    }
    // "Bearer <token>" (any case of the B): the credential, not the English word that follows
    // "bearer" in prose ("a bearer token is required").
    if ((rest.substr(0, 6) == "Bearer" || rest.substr(0, 6) == "bearer") && rest.size() > 6 &&
        (rest[6] == ' ' || rest[6] == '\t') && (i == 0 || !is_token_char(text[i - 1]))) {
      size_t j = 6;
      while (j < rest.size() && (rest[j] == ' ' || rest[j] == '\t')) ++j;
      size_t k = j;
      while (k < rest.size() && is_token_char(rest[k])) ++k;
      if (k > j && (after_authorization(text, i) || looks_like_credential(rest.substr(j, k - j)))) {
        out += "Bearer [REDACTED]";
        i += k;
        continue;
      }
    }
    // Bare JWTs.
    if (rest.substr(0, 3) == "eyJ" && (i == 0 || !is_b64url_char(text[i - 1]))) {
      const size_t n = jwt_length(text, i);
      if (n) {
        out += "[REDACTED JWT]";
        i += n;
        continue;
      }
    }
    out += text[i];
    ++i;
  }
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
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<JsonPayloadFlag>();
  }
};

// journald's <N> priority prefix for each level.
class PriorityFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
    int prio = 6;
    switch (msg.level) {
      case spdlog::level::trace:
      case spdlog::level::debug:
        prio = 7;
        break;
      case spdlog::level::info:
        prio = 6;
        break;
      case spdlog::level::warn:
        prio = 4;
        break;
      case spdlog::level::err:
        prio = 3;
        break;
      case spdlog::level::critical:
        prio = 2;
        break;
      default:
        break;
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
