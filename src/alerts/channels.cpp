#include "alerts/channels.hpp"

#include <fcntl.h>
#include <httplib.h>
#include <openssl/evp.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <thread>

#include "config/values.hpp"
#include "util/files.hpp"
#include "util/strings.hpp"
#include "util/time.hpp"

namespace alerts {

namespace {

using Kind = config::AlertChannelConfig::Kind;

std::string str(const nlohmann::json& j, const char* key) {
  return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : std::string();
}

std::string status_word(const Notification& n) {
  if (n.event == "resolved") return "RESOLVED";
  if (n.event == "test") return "TEST";
  return "FIRING";
}

// POSTs `body` to `url`; an error never contains the URL (it may be a secret).
util::Status http_post(const std::string& channel, const std::string& url, const std::string& body,
                       const httplib::Headers& headers, const ChannelOptions& options) {
  auto parsed = config::parse_url(url);
  if (!parsed)
    return util::make_error(util::ErrorKind::client,
                            "channel " + channel + ": the configured URL is not http(s)");
  std::string origin =
      parsed->scheme + "://" +
      (parsed->host.find(':') != std::string::npos ? "[" + parsed->host + "]" : parsed->host);
  if (parsed->port) origin += ":" + std::to_string(parsed->port);
  std::string path = parsed->path.empty() ? "/" : parsed->path;
  httplib::Client client(origin);
  const auto secs = std::chrono::duration_cast<std::chrono::seconds>(options.timeout).count();
  client.set_connection_timeout(static_cast<time_t>(secs), 0);
  client.set_read_timeout(static_cast<time_t>(secs), 0);
  client.set_write_timeout(static_cast<time_t>(secs), 0);
  client.set_follow_location(false);
  auto res = client.Post(path, headers, body, "application/json");
  if (!res)
    return util::make_error(util::ErrorKind::network,
                            "channel " + channel + ": " + httplib::to_string(res.error()));
  if (res->status / 100 != 2) {
    util::Error e = util::make_error(
        res->status >= 500 || res->status == 429 ? util::ErrorKind::server : util::ErrorKind::client,
        "channel " + channel + ": HTTP " + std::to_string(res->status) + " " +
            util::escape_control(res->body.substr(0, 200)));
    e.http_status = res->status;
    return e;
  }
  return util::ok_status();
}

util::Result<std::string> secret(const std::string& channel, const std::string& path) {
  auto text = util::read_secret_file(path);
  if (!text)
    return util::make_error(util::ErrorKind::client, "channel " + channel + ": " + text.error().message);
  std::string s = util::trim(*text);
  if (s.empty())
    return util::make_error(util::ErrorKind::client, "channel " + channel + ": secret file is empty");
  return s;
}

class AlertmanagerChannel final : public Channel {
 public:
  AlertmanagerChannel(config::AlertChannelConfig cfg, ChannelOptions o, std::shared_ptr<util::Clock> c)
      : m_cfg(std::move(cfg)), m_options(std::move(o)), m_clock(std::move(c)) {}
  util::Status send(const Notification& n) override { return post({n}); }
  util::Status post_active(const std::vector<Notification>& firing) override {
    if (firing.empty()) return util::ok_status();
    return post(firing);
  }
  bool wants_active_reposts() const override { return true; }

 private:
  util::Status post(const std::vector<Notification>& ns) {
    nlohmann::json body = nlohmann::json::array();
    const auto now = m_clock->now();
    for (const auto& n : ns) body.push_back(alertmanager_alert(n, now, m_options));
    return http_post(m_cfg.name, m_cfg.url + "/api/v2/alerts", body.dump(), {}, m_options);
  }
  config::AlertChannelConfig m_cfg;
  ChannelOptions m_options;
  std::shared_ptr<util::Clock> m_clock;
};

class PagerDutyChannel final : public Channel {
 public:
  PagerDutyChannel(config::AlertChannelConfig cfg, ChannelOptions o)
      : m_cfg(std::move(cfg)), m_options(std::move(o)) {}
  util::Status send(const Notification& n) override {
    auto key = secret(m_cfg.name, m_cfg.secret_file);
    if (!key) return key.error();
    return http_post(m_cfg.name, m_cfg.url + "/v2/enqueue", pagerduty_event(n, *key, m_options).dump(), {},
                     m_options);
  }

 private:
  config::AlertChannelConfig m_cfg;
  ChannelOptions m_options;
};

class SlackChannel final : public Channel {
 public:
  SlackChannel(config::AlertChannelConfig cfg, ChannelOptions o)
      : m_cfg(std::move(cfg)), m_options(std::move(o)) {}
  util::Status send(const Notification& n) override {
    auto url = secret(m_cfg.name, m_cfg.secret_file);
    if (!url) return url.error();
    return http_post(m_cfg.name, *url, slack_message(n).dump(), {}, m_options);
  }

 private:
  config::AlertChannelConfig m_cfg;
  ChannelOptions m_options;
};

class WebhookChannel final : public Channel {
 public:
  WebhookChannel(config::AlertChannelConfig cfg, ChannelOptions o, std::shared_ptr<util::Clock> c)
      : m_cfg(std::move(cfg)), m_options(std::move(o)), m_clock(std::move(c)) {}
  util::Status send(const Notification& n) override {
    auto key = secret(m_cfg.name, m_cfg.secret_file);
    if (!key) return key.error();
    const std::string body = webhook_body(n).dump();
    const std::string stamp = std::to_string(util::to_unix(m_clock->now()));
    httplib::Headers headers{{"X-Ascsync-Timestamp", stamp},
                             {"X-Ascsync-Signature", "sha256=" + hmac_sha256_hex(*key, stamp + "." + body)}};
    return http_post(m_cfg.name, m_cfg.url, body, headers, m_options);
  }

 private:
  config::AlertChannelConfig m_cfg;
  ChannelOptions m_options;
  std::shared_ptr<util::Clock> m_clock;
};

// Runs `argv` with `input` on stdin; kills it after `timeout`.
util::Status run_program(const std::string& channel, const std::vector<std::string>& argv,
                         const std::string& input, std::chrono::milliseconds timeout) {
  int in[2];
  if (::pipe2(in, O_CLOEXEC) != 0)
    return util::make_error(util::ErrorKind::internal,
                            "channel " + channel + ": pipe: " + std::strerror(errno));
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in[0], 0);
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, args[0], &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  ::close(in[0]);
  if (rc != 0) {
    ::close(in[1]);
    return util::make_error(util::ErrorKind::client,
                            "channel " + channel + ": cannot run " + argv[0] + ": " + std::strerror(rc));
  }
  // Why: a sendmail that exits early must not kill the daemon with SIGPIPE.
  ::signal(SIGPIPE, SIG_IGN);
  size_t off = 0;
  while (off < input.size()) {
    const ssize_t w = ::write(in[1], input.data() + off, input.size() - off);
    if (w <= 0) break;
    off += static_cast<size_t>(w);
  }
  ::close(in[1]);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  for (;;) {
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) break;
    if (r < 0) return util::make_error(util::ErrorKind::internal, "channel " + channel + ": waitpid failed");
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return util::make_error(util::ErrorKind::timeout, "channel " + channel + ": " + argv[0] + " timed out");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return util::make_error(util::ErrorKind::server,
                            "channel " + channel + ": " + argv[0] + " exited with status " +
                                std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1));
  return util::ok_status();
}

class EmailChannel final : public Channel {
 public:
  EmailChannel(config::AlertChannelConfig cfg, ChannelOptions o)
      : m_cfg(std::move(cfg)), m_options(std::move(o)) {
    if (m_cfg.from.empty()) {
      char host[256] = {};
      ::gethostname(host, sizeof host - 1);
      m_cfg.from = std::string("ascsync@") + (host[0] ? host : "localhost");
    }
  }
  util::Status send(const Notification& n) override {
    std::vector<std::string> argv{m_cfg.sendmail, "-i", "-f", m_cfg.from, "--"};
    for (const auto& to : m_cfg.to) argv.push_back(to);
    return run_program(m_cfg.name, argv, email_message(n, m_cfg.from, m_cfg.to), m_options.timeout * 3);
  }

 private:
  config::AlertChannelConfig m_cfg;
  ChannelOptions m_options;
};

std::string one_line(std::string s) {
  for (auto& c : s)
    if (c == '\r' || c == '\n') c = ' ';
  return s;
}

}  // namespace

nlohmann::json alertmanager_alert(const Notification& n, util::TimePoint now, const ChannelOptions& options) {
  const auto& a = n.alert;
  nlohmann::json labels = {{"alertname", str(a, "name")},
                           {"team", str(a, "team")},
                           {"severity", str(a, "severity")},
                           {"object", str(a, "object")}};
  nlohmann::json annotations = {{"summary", str(a, "summary")},
                                {"description", str(a, "description")},
                                {"dedup_key", str(a, "dedup_key")}};
  if (a.contains("tier") && a["tier"].is_number_integer())
    annotations["tier_days"] = std::to_string(a["tier"].get<int>());
  std::string ends = str(a, "ends_at");
  if (ends.empty() || n.event == "firing" || n.event == "repeat") {
    // As Prometheus does: valid for four resend periods, re-posted long before that.
    if (ends.empty()) ends = util::format_rfc3339(now + 4 * options.alertmanager_resend);
  }
  nlohmann::json out = {
      {"labels", labels}, {"annotations", annotations}, {"startsAt", str(a, "starts_at")}, {"endsAt", ends}};
  if (!options.generator_url.empty()) out["generatorURL"] = options.generator_url;
  return out;
}

nlohmann::json pagerduty_event(const Notification& n, const std::string& routing_key,
                               const ChannelOptions& options) {
  const auto& a = n.alert;
  nlohmann::json ev = {{"routing_key", routing_key},
                       {"event_action", n.resolved() ? "resolve" : "trigger"},
                       {"dedup_key", str(a, "dedup_key")}};
  if (n.resolved()) return ev;
  // PagerDuty severities: critical, error, warning, info.
  ev["payload"] = {
      {"summary", str(a, "summary").substr(0, 1024)},
      {"source", options.source},
      {"severity", str(a, "severity").empty() ? "warning" : str(a, "severity")},
      {"timestamp", str(a, "starts_at")},
      {"component", str(a, "object")},
      {"group", str(a, "team")},
      {"class", str(a, "name")},
      {"custom_details",
       {{"description", str(a, "description")}, {"details", a.value("details", nlohmann::json::object())}}}};
  ev["client"] = "ascsync";
  return ev;
}

nlohmann::json slack_message(const Notification& n) {
  const auto& a = n.alert;
  const std::string head = "[" + status_word(n) + "] " + str(a, "name") + " (" + str(a, "severity") +
                           ", team " + str(a, "team") + ")";
  const std::string text = head + ": " + str(a, "summary");
  nlohmann::json blocks = nlohmann::json::array();
  blocks.push_back({{"type", "section"},
                    {"text", {{"type", "mrkdwn"}, {"text", "*" + head + "*\n" + str(a, "summary")}}}});
  if (!n.resolved())
    blocks.push_back({{"type", "section"}, {"text", {{"type", "mrkdwn"}, {"text", str(a, "description")}}}});
  blocks.push_back({{"type", "context"},
                    {"elements", nlohmann::json::array({{{"type", "mrkdwn"},
                                                         {"text", "dedup key: " + str(a, "dedup_key")}}})}});
  return {{"text", text}, {"blocks", blocks}};
}

nlohmann::json webhook_body(const Notification& n) {
  const auto& a = n.alert;
  return {{"version", "1"},
          {"status", n.resolved() ? "resolved" : "firing"},
          {"event", n.event},
          {"dedup_key", str(a, "dedup_key")},
          {"labels",
           {{"alertname", str(a, "name")},
            {"team", str(a, "team")},
            {"severity", str(a, "severity")},
            {"object", str(a, "object")}}},
          {"summary", str(a, "summary")},
          {"description", str(a, "description")},
          {"details", a.value("details", nlohmann::json::object())},
          {"tier_days", a.value("tier", nlohmann::json(nullptr))},
          {"starts_at", str(a, "starts_at")},
          {"ends_at", a.value("ends_at", nlohmann::json(nullptr))}};
}

std::string hmac_sha256_hex(const std::string& key, const std::string& message) {
  unsigned char out[EVP_MAX_MD_SIZE];
  size_t len = 0;
  if (!EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, key.data(), key.size(),
                 reinterpret_cast<const unsigned char*>(message.data()), message.size(), out, sizeof out,
                 &len))
    return {};
  static const char* hex = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < len; ++i) {
    s += hex[out[i] >> 4];
    s += hex[out[i] & 15];
  }
  return s;
}

std::string email_message(const Notification& n, const std::string& from,
                          const std::vector<std::string>& to) {
  const auto& a = n.alert;
  std::string msg;
  msg += "From: " + one_line(from) + "\r\n";
  msg += "To: " + one_line(util::join(to, ", ")) + "\r\n";
  msg += "Subject: " +
         one_line("[" + status_word(n) + "] " + str(a, "name") + " " + str(a, "team") + ": " +
                  str(a, "summary")) +
         "\r\n";
  msg += "X-Ascsync-Dedup-Key: " + one_line(str(a, "dedup_key")) + "\r\n";
  msg += "Content-Type: text/plain; charset=utf-8\r\n\r\n";
  msg += (n.resolved() ? "Resolved: " : "") + str(a, "summary") + "\r\n\r\n";
  if (!n.resolved()) msg += str(a, "description") + "\r\n\r\n";
  msg += "alertname: " + str(a, "name") + "\r\nteam: " + str(a, "team") +
         "\r\nseverity: " + str(a, "severity") + "\r\nobject: " + str(a, "object") +
         "\r\nsince: " + str(a, "starts_at") + "\r\ndedup key: " + str(a, "dedup_key") + "\r\n";
  return msg;
}

std::unique_ptr<Channel> make_channel(const config::AlertChannelConfig& cfg, const ChannelOptions& options,
                                      const std::shared_ptr<util::Clock>& clock) {
  switch (cfg.kind) {
    case Kind::alertmanager:
      return std::make_unique<AlertmanagerChannel>(cfg, options, clock);
    case Kind::pagerduty:
      return std::make_unique<PagerDutyChannel>(cfg, options);
    case Kind::slack:
      return std::make_unique<SlackChannel>(cfg, options);
    case Kind::webhook:
      return std::make_unique<WebhookChannel>(cfg, options, clock);
    case Kind::email:
      return std::make_unique<EmailChannel>(cfg, options);
  }
  return nullptr;
}

}  // namespace alerts
