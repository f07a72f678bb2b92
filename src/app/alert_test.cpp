#include "app/alert_test.hpp"

#include "alerts/alert.hpp"
#include "alerts/channels.hpp"
#include "app/command_error.hpp"
#include "util/clock.hpp"
#include "util/time.hpp"

namespace app {

util::Status send_test_notification(const config::DaemonConfig& config, const std::string& channel) {
  const config::AlertChannelConfig* ch = nullptr;
  std::string known;
  for (const auto& c : config.alerts.channels) {
    known += (known.empty() ? "" : ", ") + c.name;
    if (c.name == channel) ch = &c;
  }
  if (!ch)
    return util::make_error(
        util::ErrorKind::client,
        "no alert channel named '" + channel + "' (configured: " + (known.empty() ? "none" : known) + ")");
  auto clock = util::system_clock();
  const auto now = clock->now();
  alerts::Alert a;
  a.name = "AscsyncTest";
  a.team = "-";
  a.object = "channel/" + ch->name;
  a.severity = alerts::Severity::info;
  a.summary = "ascsync test notification for channel " + ch->name;
  a.description = "Sent by `ascsync alerts test --channel " + ch->name +
                  "`; nothing is wrong. No action is needed: the channel works.";
  nlohmann::json j = a.to_json();
  j["starts_at"] = util::format_rfc3339(now);
  j["ends_at"] = util::format_rfc3339(now + std::chrono::minutes(5));
  auto sender = alerts::make_channel(*ch, alerts::ChannelOptions{}, clock);
  if (auto sent = sender->send(alerts::Notification{"test", j}); !sent)
    return command_error(sent.error(), sent.error().describe());
  return util::ok_status();
}

}  // namespace app
