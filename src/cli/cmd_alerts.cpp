// `ascsync alerts [--json] [--limit N]`: firing and recent alerts, and the notification outbox,
// from the database (works with or without a running daemon).
// `ascsync alerts test --channel NAME`: sends a test notification through that channel now.
#include <cstdio>

#include "alerts/engine.hpp"
#include "app/alert_test.hpp"
#include "cli/cli.hpp"
#include "cli/commands.hpp"
#include "cli/table.hpp"
#include "util/clock.hpp"
#include "util/time.hpp"

namespace cli {

namespace {

struct AlertsOptions {
  bool json = false;
  int limit = 50;
  std::string channel;
};

int list_alerts(const GlobalOptions& global, const AlertsOptions& opts) {
  auto cfg = load_config(global);
  if (!cfg) return k_exit_error;
  auto db = open_database(*cfg);
  if (!db) return k_exit_error;
  std::optional<std::string> team;
  if (global.teams.size() == 1) team = global.teams[0];
  auto firing = alerts::load_instances(*db, true, team, opts.limit);
  auto all = alerts::load_instances(*db, false, team, opts.limit);
  auto outbox = alerts::recent_outbox(*db, opts.limit);
  for (const auto* r : {&firing, &all})
    if (!*r) {
      std::fprintf(stderr, "error: %s\n", r->error().describe().c_str());
      return k_exit_error;
    }
  if (!outbox) {
    std::fprintf(stderr, "error: %s\n", outbox.error().describe().c_str());
    return k_exit_error;
  }
  if (opts.json) {
    nlohmann::json out = {{"firing", nlohmann::json::array()},
                          {"recent", nlohmann::json::array()},
                          {"notifications", nlohmann::json::array()}};
    for (const auto& i : *firing) out["firing"].push_back(i.to_json());
    for (const auto& i : *all)
      if (i.state != "firing") out["recent"].push_back(i.to_json());
    for (const auto& r : *outbox)
      out["notifications"].push_back({{"id", r.id},
                                      {"channel", r.channel},
                                      {"event", r.event},
                                      {"dedup_key", r.dedup_key},
                                      {"created_at", util::format_rfc3339(r.created_at)},
                                      {"attempts", r.attempts},
                                      {"delivered", r.sent_at.has_value()},
                                      {"sent_at", r.sent_at ? nlohmann::json(util::format_rfc3339(*r.sent_at))
                                                            : nlohmann::json(nullptr)},
                                      {"last_error", r.last_error}});
    std::printf("%s\n", out.dump(2).c_str());
    return k_exit_ok;
  }
  std::printf("firing: %zu\n", firing->size());
  if (!firing->empty()) {
    Table t({"SEVERITY", "ALERT", "TEAM", "OBJECT", "SINCE", "SUMMARY"});
    for (const auto& i : *firing)
      t.add({alerts::to_string(i.alert.severity), i.alert.name, i.alert.team, i.alert.object,
             util::format_rfc3339(i.started_at), i.alert.summary});
    std::printf("%s", t.render().c_str());
  }
  Table recent({"RESOLVED", "ALERT", "TEAM", "OBJECT", "SUMMARY"});
  for (const auto& i : *all)
    if (i.state != "firing")
      recent.add({i.resolved_at ? util::format_rfc3339(*i.resolved_at) : "-", i.alert.name, i.alert.team,
                  i.alert.object, i.alert.summary});
  std::printf("\nrecently resolved: %zu\n%s", recent.size(), recent.size() ? recent.render().c_str() : "");
  Table notes({"ID", "CHANNEL", "EVENT", "ALERT", "STATE", "ATTEMPTS", "LAST ERROR"});
  long long undelivered = 0;
  for (const auto& r : *outbox) {
    if (!r.sent_at) ++undelivered;
    notes.add({std::to_string(r.id), r.channel, r.event, r.dedup_key, r.sent_at ? "sent" : "pending",
               std::to_string(r.attempts), r.last_error});
  }
  std::printf("\nnotifications (latest %zu, %lld undelivered):\n%s", notes.size(), undelivered,
              notes.size() ? notes.render().c_str() : "");
  return k_exit_ok;
}

int test_channel(const GlobalOptions& global, const AlertsOptions& opts) {
  auto cfg = load_config(global);
  if (!cfg) return k_exit_error;
  if (auto sent = app::send_test_notification(*cfg, opts.channel); !sent) {
    std::fprintf(stderr, "error: %s\n", sent.error().message.c_str());
    return k_exit_error;
  }
  std::printf("sent a test notification to channel %s\n", opts.channel.c_str());
  return k_exit_ok;
}

}  // namespace

Runner add_alerts(CLI::App& app, GlobalOptions& global) {
  auto opts = std::make_shared<AlertsOptions>();
  auto* sub =
      app.add_subcommand("alerts",
                         "List firing and recently resolved alerts and recent notifications (from the "
                         "database). `alerts test --channel NAME` sends a test notification.");
  sub->add_flag("--json", opts->json, "print JSON");
  sub->add_option("--limit", opts->limit, "at most this many of each list")->check(CLI::Range(1, 10000));
  auto* test = sub->add_subcommand("test", "Send a test notification through one channel now.");
  test->add_option("--channel", opts->channel, "the channel's name (alerts.channels[].name)")->required();
  return [&global, opts, test]() {
    if (test->parsed()) return test_channel(global, *opts);
    return list_alerts(global, *opts);
  };
}

}  // namespace cli
