#pragma once
// Receivers, each in its documented format (docs/alerts.md "Channels"):
// - Alertmanager API v2: POST {url}/api/v2/alerts with [{labels, annotations, startsAt, endsAt,
//   generatorURL}]; firing alerts are re-posted periodically (as Prometheus does) with endsAt
//   a few resend periods ahead, a resolved one with endsAt = when it resolved.
// - PagerDuty Events API v2: POST {url}/v2/enqueue {routing_key, event_action trigger|resolve,
//   dedup_key, payload{summary, source, severity, timestamp, component, group, class,
//   custom_details}}.
// - Slack incoming webhook: POST the webhook URL {text, blocks}.
// - Generic webhook: POST JSON; X-Ascsync-Timestamp and X-Ascsync-Signature:
//   sha256=hex(HMAC-SHA256(secret, timestamp + "." + body)).
// - E-mail: an RFC 5322 message piped to a sendmail-compatible program (`prog -i -- to...`).
// Secrets (routing keys, webhook URLs, HMAC secrets) are read from their files at send time and
// never logged; errors name the channel, never the URL.
#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "config/daemon_config.hpp"
#include "util/clock.hpp"
#include "util/result.hpp"

namespace alerts {

// One notification as stored in the outbox: event (firing|repeat|resolved|test) and the alert
// JSON (Alert::to_json() plus starts_at and ends_at).
struct Notification {
  std::string event;
  nlohmann::json alert;
  bool resolved() const { return event == "resolved"; }
};

struct ChannelOptions {
  std::chrono::milliseconds timeout{std::chrono::seconds(10)};
  std::chrono::seconds alertmanager_resend{60};  // Prometheus' resend delay
  std::string generator_url;                     // e.g. the admin endpoint's /status
  std::string source = "ascsync";                // PagerDuty payload.source (host name)
};

class Channel {
 public:
  virtual ~Channel() = default;
  virtual util::Status send(const Notification& n) = 0;
  // Alertmanager only: re-post the firing set (as Prometheus does). Others ignore it.
  virtual util::Status post_active(const std::vector<Notification>& firing) {
    (void)firing;
    return util::ok_status();
  }
  virtual bool wants_active_reposts() const { return false; }
};

std::unique_ptr<Channel> make_channel(const config::AlertChannelConfig& cfg, const ChannelOptions& options,
                                      const std::shared_ptr<util::Clock>& clock);

// Payload builders (pure; tested against the documented formats).
nlohmann::json alertmanager_alert(const Notification& n, util::TimePoint now, const ChannelOptions& options);
nlohmann::json pagerduty_event(const Notification& n, const std::string& routing_key,
                               const ChannelOptions& options);
nlohmann::json slack_message(const Notification& n);
nlohmann::json webhook_body(const Notification& n);
std::string hmac_sha256_hex(const std::string& key, const std::string& message);
std::string email_message(const Notification& n, const std::string& from, const std::vector<std::string>& to);

}  // namespace alerts
