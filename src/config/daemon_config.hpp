#pragma once
// The daemon configuration file (/etc/ascsync/ascsync.yaml; docs/configuration.md): where the
// database lives, logging, the admin endpoint, scheduling defaults and one entry per App Store
// Connect team. Every path in the result is absolute (resolved against the config file's
// directory) and every default is filled in.
#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "config/diagnostics.hpp"
#include "config/paths.hpp"
#include "core/desired.hpp"
#include "util/log.hpp"
#include "util/result.hpp"

namespace config::yaml {
class Node;
}

namespace config {

inline constexpr const char* k_default_base_url = "https://api.appstoreconnect.apple.com";
inline constexpr const char* k_default_admin_listen = "127.0.0.1:9469";
// The longest interval (and jitter) a config may set: a week. Longer is a typo (`999999999h`),
// and a certificate's expiry warnings need cycles far more often than that anyway.
inline constexpr std::chrono::seconds k_max_interval{7 * 24 * 3600};

struct LogConfig {
  std::string level = "info";  // trace | debug | info | warn | error | critical | off
  util::LogFormat format = util::LogFormat::text;
};

struct AdminConfig {
  std::string listen = k_default_admin_listen;  // as written: "host:port" or "[v6]:port"
  std::string host = "127.0.0.1";
  int port = 9469;
  std::string token_file;  // absolute; empty when none. Required when host is not loopback.
};

struct Defaults {
  std::chrono::seconds interval{15 * 60};
  std::chrono::seconds jitter{60};  // each cycle starts up to this much later, at random
  int reserve_percent = 10;         // share of Apple's hourly budget kept for humans and retries
  // Read bounds (invariant 8; docs/configuration.md "Limits").
  std::chrono::seconds request_timeout{120};    // one HTTP exchange, start to last byte
  std::chrono::seconds cycle_timeout{30 * 60};  // one whole cycle; hitting it stops the cycle cleanly
  long long max_response_mib = 64;              // largest response body accepted
  long long max_pages = 10'000;                 // pages of one listing, at most
};

// alerts: (docs/alerts.md). A channel is one receiver; exactly one of the kinds is set.
struct AlertChannelConfig {
  enum class Kind { alertmanager, pagerduty, slack, webhook, email };
  std::string name;  // unique, [a-z0-9-_]
  Kind kind = Kind::alertmanager;
  std::string min_severity = "info";  // info | warning | critical
  std::string url;  // alertmanager/webhook: required; pagerduty: Events API base (default PagerDuty's)
  std::string
      secret_file;  // absolute: pagerduty routing_key_file, slack webhook_url_file, webhook secret_file
  std::vector<std::string> to;                  // email recipients
  std::string sendmail = "/usr/sbin/sendmail";  // email: a sendmail-compatible program
  std::string from;                             // email: From: (default ascsync@<hostname>)
  core::SourceLoc loc;
};

struct AlertsConfig {
  std::vector<int> certificate_expiry_days{30, 14, 7, 3, 1};  // descending, each 1..365
  std::chrono::seconds repeat{24 * 3600};                     // re-notify a still-firing alert
  int team_stale_intervals = 3;                               // AscsyncTeamStale after this many intervals
  std::chrono::seconds journal_stuck_after{3600};             // AscsyncJournalStuck: pending longer than this
  std::vector<AlertChannelConfig> channels;
};

// retention: (docs/configuration.md "Retention"). Each cycle of a team ends by deleting its rows
// beyond these limits, at most `batch` rows per table per cycle.
struct RetentionConfig {
  int days = 90;                        // sync runs, events, plans, audit, finished journal: 0 = no age limit
  long long max_runs_per_team = 10000;  // newest sync runs (with their events) kept; 0 = no limit
  long long max_plans_per_team = 1000;  // newest plans (with their audit/journal rows) kept; 0 = no limit
  long long batch = 5000;               // rows per table per cycle, so a backlog is worked off gradually
};

struct TeamConfig {
  std::string name;  // unique, [a-z0-9-_]
  std::string issuer_id;
  std::string key_id;
  std::string private_key_file;  // absolute; exists (possibly under $CREDENTIALS_DIRECTORY)
  std::string base_url = k_default_base_url;
  std::string ca_file;        // absolute; empty = system trust store
  std::string desired_state;  // absolute; a file or a directory of *.yaml
  // absolute; empty = certificate keys are kept unencrypted (0600 in a 0700 directory). The
  // passphrase that encrypts the keys in the custody directory (docs/certificates.md).
  std::string custody_passphrase_file;
  std::chrono::seconds interval{15 * 60};  // effective: the team override or defaults.interval
  int max_parallel = 1;                    // 1..4 concurrent requests to Apple
  bool enabled = true;
  core::SourceLoc loc;  // where the team entry starts
};

struct DaemonConfig {
  std::string path;        // the config file, absolute
  std::string config_dir;  // its directory
  std::string database;    // absolute unless defaulted to ./ascsync.db
  LogConfig log;
  AdminConfig admin;
  Defaults defaults;
  AlertsConfig alerts;
  RetentionConfig retention;
  std::vector<TeamConfig> teams;  // in file order

  // The team with that name, or nullptr.
  const TeamConfig* find_team(const std::string& name) const;
};

// Top-level keys of the daemon config, for "did you mean" and for telling a daemon config apart
// from a desired-state file.
extern const std::vector<std::string> k_daemon_config_keys;

// The keys each mapping accepts; docs/schema/ascsync-config.schema.json must match (tested).
struct DaemonConfigKeys {
  std::vector<std::string> top;
  std::vector<std::string> log;
  std::vector<std::string> admin;
  std::vector<std::string> defaults;
  std::vector<std::string> team;
  std::vector<std::string> alerts;
  std::vector<std::string> retention;
  std::vector<std::string> channel;
  std::map<std::string, std::vector<std::string>> channel_kinds;  // "alertmanager" -> its keys
};
const DaemonConfigKeys& daemon_config_keys();

// Loads and validates the daemon config at path. On failure the error message lists every
// problem ("file:line:col: error: ... (hint: ...)", one per line). `diagnostics`, when given,
// receives every diagnostic, warnings included, also on success.
util::Result<DaemonConfig> load_daemon_config(const std::string& path,
                                              const Environment& env = Environment::from_process(),
                                              Diagnostics* diagnostics = nullptr);

// Same, from text already in memory; `path` names it in diagnostics and anchors relative paths.
util::Result<DaemonConfig> parse_daemon_config(const std::string& text, const std::string& path,
                                               const Environment& env = Environment::from_process(),
                                               Diagnostics* diagnostics = nullptr);

// Same, from a YAML document already parsed (validate reads each file once to tell a daemon
// config from a desired state).
util::Result<DaemonConfig> daemon_config_from_yaml(const yaml::Node& root, const std::string& path,
                                                   const Environment& env = Environment::from_process(),
                                                   Diagnostics* diagnostics = nullptr);

}  // namespace config
