// The alerts: section of the daemon config: the issue's example loads, secrets resolve (also
// under $CREDENTIALS_DIRECTORY), mistakes are reported with file:line:col, and the JSON Schema
// accepts exactly the loader's keys.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>

#include "config/daemon_config.hpp"
#include "support/temp_dir.hpp"

using test_support::TempDir;

namespace {

std::string base(const TempDir& dir) {
  dir.write("key.p8", "unused");
  dir.write("team.yaml", "users: []\n");
  return "teams:\n"
         "  - name: acme\n"
         "    issuer_id: 69a6de70-0000-47e3-e053-5b8c7c11a4d1\n"
         "    key_id: ABCDEFGHIJ\n"
         "    private_key_file: key.p8\n"
         "    desired_state: team.yaml\n";
}

util::Result<config::DaemonConfig> parse(const TempDir& dir, const std::string& text,
                                         const std::string& credentials = {}) {
  config::Environment env;
  env.credentials_directory = credentials;
  return config::parse_daemon_config(text, dir.str("ascsync.yaml"), env);
}

std::vector<std::string> names(const nlohmann::json& schema) {
  std::vector<std::string> out;
  CHECK(schema.at("additionalProperties") == false);
  for (const auto& [k, v] : schema.at("properties").items()) out.push_back(k);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

}  // namespace

TEST_CASE("the issue's alerts example loads, secrets from files or systemd credentials") {
  TempDir dir;
  TempDir creds("ascsync-creds");
  dir.write("pd-routing-key", "key");
  creds.write("slack-webhook", "https://hooks.slack.invalid/x");
  dir.write("hook-secret", "s");
  auto cfg = parse(dir, base(dir) + R"(alerts:
  certificate_expiry_days: [30, 14, 7, 3, 1]
  repeat: 24h
  channels:
    - name: am
      alertmanager: {url: http://127.0.0.1:9093}
    - name: pager
      pagerduty: {routing_key_file: pd-routing-key}
      min_severity: critical
    - name: chat
      slack: {webhook_url_file: slack-webhook}
    - name: hook
      webhook: {url: https://ops.example/hook, secret_file: hook-secret}
    - name: mail
      email: {to: [oncall@acme.example], sendmail: /usr/sbin/sendmail}
)",
                   creds.path.string());
  REQUIRE_MESSAGE(cfg.ok(), (cfg.ok() ? "" : cfg.error().message));
  const auto& a = cfg->alerts;
  CHECK(a.certificate_expiry_days == std::vector<int>{30, 14, 7, 3, 1});
  CHECK(a.repeat == std::chrono::hours(24));
  REQUIRE(a.channels.size() == 5);
  using K = config::AlertChannelConfig::Kind;
  CHECK(a.channels[0].kind == K::alertmanager);
  CHECK(a.channels[0].url == "http://127.0.0.1:9093");
  CHECK(a.channels[1].kind == K::pagerduty);
  CHECK(a.channels[1].url == "https://events.pagerduty.com");
  CHECK(a.channels[1].secret_file == dir.str("pd-routing-key"));
  CHECK(a.channels[1].min_severity == "critical");
  CHECK(a.channels[2].secret_file == (creds.path / "slack-webhook").string());
  CHECK(a.channels[3].kind == K::webhook);
  CHECK(a.channels[4].to == std::vector<std::string>{"oncall@acme.example"});
  CHECK(a.channels[4].sendmail == "/usr/sbin/sendmail");
}

TEST_CASE("alerts config mistakes: file:line:col, never the secret") {
  TempDir dir;
  auto bad = parse(dir, base(dir) + R"(alerts:
  certificate_expiry_days: [30, 0]
  repeat: 10s
  channels:
    - name: pager
      pagerduty: {routing_key_file: missing-key}
    - name: pager
      slack: {webhook_url_file: missing-url}
      min_severity: urgent
    - name: both
      alertmanager: {url: http://127.0.0.1:9093}
      webhook: {url: http://127.0.0.1:1, secret_file: x}
    - name: none
)");
  REQUIRE_FALSE(bad.ok());
  const auto& msg = bad.error().message;
  CHECK(msg.find("ascsync.yaml:8:28: error: 'certificate_expiry_days'") != std::string::npos);
  CHECK(msg.find("'repeat' must be at least 1m") != std::string::npos);
  CHECK(msg.find("routing_key_file not found") != std::string::npos);
  CHECK(msg.find("channel 'pager' is declared twice") != std::string::npos);
  CHECK(msg.find("unknown severity 'urgent'") != std::string::npos);
  CHECK(msg.find("more than one kind") != std::string::npos);
  CHECK(msg.find("needs a kind") != std::string::npos);
}

TEST_CASE("no alerts: section means no channels and the default tiers") {
  TempDir dir;
  auto cfg = parse(dir, base(dir));
  REQUIRE(cfg.ok());
  CHECK(cfg->alerts.channels.empty());
  CHECK(cfg->alerts.certificate_expiry_days == std::vector<int>{30, 14, 7, 3, 1});
}

TEST_CASE("the daemon config schema's alerts section matches the loader's keys") {
  std::ifstream in(std::string(ASCSYNC_TEST_SOURCE_DIR) + "/docs/schema/ascsync-config.schema.json");
  REQUIRE(in.good());
  const auto schema = nlohmann::json::parse(in);
  const auto& keys = config::daemon_config_keys();
  CHECK(names(schema.at("properties").at("alerts")) == sorted(keys.alerts));
  const auto& channel = schema.at("$defs").at("alert_channel");
  CHECK(names(channel) == sorted(keys.channel));
  for (const auto& [kind, kind_keys] : keys.channel_kinds) {
    CAPTURE(kind);
    CHECK(names(channel.at("properties").at(kind)) == sorted(kind_keys));
  }
  CHECK(channel.at("properties").at("min_severity").at("enum") ==
        nlohmann::json::array({"info", "warning", "critical"}));
}
