#include "config/daemon_config.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <functional>
#include <map>
#include <system_error>

#include "config/values.hpp"
#include "config/yaml_reader.hpp"
#include "util/files.hpp"
#include "util/strings.hpp"

namespace config {

const std::vector<std::string> k_daemon_config_keys = {"database", "log",       "admin", "defaults",
                                                       "alerts",   "retention", "teams"};

namespace {

namespace fs = std::filesystem;

// What a base_url has beyond scheme://host[:port] ("a path '/v1'", "a query", ...), or "".
std::string url_extra(const Url& url) {
  if (url.host.find_first_of("?#") != std::string::npos) return "a query or fragment";
  if (url.path.find_first_of("?#") != std::string::npos) return "a query or fragment";
  if (url.path.find_first_not_of('/') != std::string::npos) return "a path '" + url.path + "'";
  return {};
}

const std::vector<std::string> k_log_keys = {"level", "format"};
const std::vector<std::string> k_admin_keys = {"listen", "token_file"};
const std::vector<std::string> k_defaults_keys = {"interval",        "jitter",        "reserve_percent",
                                                  "request_timeout", "cycle_timeout", "max_response_mib",
                                                  "max_pages"};
const std::vector<std::string> k_team_keys = {
    "name",     "issuer_id",    "key_id",  "private_key_file",       "base_url", "ca_file", "desired_state",
    "interval", "max_parallel", "enabled", "custody_passphrase_file"};
const std::vector<std::string> k_alerts_keys = {"certificate_expiry_days", "repeat", "team_stale_intervals",
                                                "journal_stuck_after", "channels"};
const std::vector<std::string> k_retention_keys = {"days", "max_runs_per_team", "max_plans_per_team",
                                                   "batch"};
const std::vector<std::string> k_channel_keys = {"name",  "min_severity", "alertmanager", "pagerduty",
                                                 "slack", "webhook",      "email"};
const std::map<std::string, std::vector<std::string>> k_channel_kind_keys = {
    {"alertmanager", {"url"}},
    {"pagerduty", {"routing_key_file", "url"}},
    {"slack", {"webhook_url_file"}},
    {"webhook", {"url", "secret_file"}},
    {"email", {"to", "sendmail", "from"}}};
const std::vector<std::string> k_severities = {"info", "warning", "critical"};
const std::vector<std::string> k_log_levels = {"trace", "debug", "info", "warn", "error", "critical", "off"};
const std::vector<std::string> k_log_formats = {"text", "json", "journal"};

// Loads one daemon config; holds what every section needs.
class Loader {
 public:
  Loader(std::string path, const Environment& env, Diagnostics& diags)
      : m_path(std::move(path)), m_dir(directory_of(m_path)), m_env(env), m_diags(diags) {}

  DaemonConfig load(const yaml::Node& root) {
    DaemonConfig cfg;
    cfg.path = resolve_path(m_path, fs::current_path().string());
    cfg.config_dir = m_dir;
    cfg.database = default_database();
    const core::SourceLoc top = yaml::loc_of(m_path, root, core::SourceLoc{m_path, 1, 1});
    yaml::MapReader map(m_path, root, top, "the daemon config", k_daemon_config_keys, m_diags);
    if (!map.is_map()) return cfg;
    if (auto db = map.string("database")) {
      if (db->empty())
        m_diags.error(map.field("database")->value_loc, "'database' is empty",
                      "remove it to use the default");
      else
        cfg.database = resolve_path(*db, m_dir);
    }
    if (const auto* f = map.field("log")) load_log(*f, cfg.log);
    if (const auto* f = map.field("admin")) load_admin(*f, cfg.admin);
    if (const auto* f = map.field("defaults")) load_defaults(*f, cfg.defaults);
    if (const auto* f = map.field("alerts")) load_alerts(*f, cfg.alerts);
    if (const auto* f = map.field("retention")) load_retention(*f, cfg.retention);
    const yaml::Field* teams = map.field("teams");
    if (!teams || teams->value.is_null() || (teams->value.is_sequence() && teams->value.size() == 0)) {
      m_diags.error(teams ? teams->key_loc : top, "no teams configured",
                    "add a 'teams:' list with one entry per App Store Connect team");
    } else if (!teams->value.is_sequence()) {
      m_diags.error(teams->value_loc, "'teams' must be a list, not " + yaml::describe(teams->value),
                    "start each team with '- name: ...'");
    } else {
      for (const auto& item : teams->value) load_team(item, teams->value_loc, cfg);
    }
    return cfg;
  }

 private:
  std::string default_database() const {
    if (!m_env.state_directory.empty()) {
      // Why: systemd passes every StateDirectory= entry, colon-separated; ours is the first.
      const std::string first = util::split(m_env.state_directory, ':').front();
      return (fs::path(first) / "ascsync.db").lexically_normal().string();
    }
    return "./ascsync.db";
  }

  void load_log(const yaml::Field& f, LogConfig& log) {
    yaml::MapReader map(m_path, f.value, f.value_loc, "'log'", k_log_keys, m_diags);
    if (auto level = map.string("level")) {
      if (std::find(k_log_levels.begin(), k_log_levels.end(), *level) == k_log_levels.end())
        m_diags.error(map.field("level")->value_loc, "unknown log level '" + *level + "'",
                      "use one of " + util::join(k_log_levels, ", "));
      else
        log.level = *level;
    }
    if (auto format = map.string("format")) {
      if (*format == "text")
        log.format = util::LogFormat::text;
      else if (*format == "json")
        log.format = util::LogFormat::json;
      else if (*format == "journal")
        log.format = util::LogFormat::journal;
      else
        m_diags.error(map.field("format")->value_loc, "unknown log format '" + *format + "'",
                      "use one of " + util::join(k_log_formats, ", "));
    }
  }

  void load_admin(const yaml::Field& f, AdminConfig& admin) {
    yaml::MapReader map(m_path, f.value, f.value_loc, "'admin'", k_admin_keys, m_diags);
    if (auto listen = map.string("listen")) {
      if (auto hp = parse_host_port(*listen)) {
        admin.listen = *listen;
        admin.host = hp->host;
        admin.port = hp->port;
      } else {
        m_diags.error(map.field("listen")->value_loc, "'listen' is not host:port: '" + *listen + "'",
                      "write e.g. 127.0.0.1:9469 or [::1]:9469");
      }
    }
    if (auto token = map.string("token_file")) {
      std::vector<std::string> tried;
      if (auto found = find_config_file(*token, m_dir, m_env.credentials_directory, &tried))
        admin.token_file = *found;
      else
        m_diags.error(map.field("token_file")->value_loc,
                      "token file not found (looked at " + util::join(tried, ", ") + ")",
                      "create it (mode 0600) or fix the path; relative paths are relative to " + m_dir);
    }
    if (!admin.token_file.empty()) check_token_file(map, admin);
    if (!is_loopback_host(admin.host) && admin.token_file.empty() && !map.has("token_file")) {
      const core::SourceLoc where = map.has("listen") ? map.field("listen")->value_loc : f.value_loc;
      m_diags.error(where, "the admin endpoint listens on " + admin.host + " without a token",
                    "set admin.token_file, or listen on 127.0.0.1 / [::1]");
    }
  }

  // The token file must be a regular file; with a non-loopback listen address it must hold a
  // token, or `run` would refuse to start. A file this user cannot read is left to `run`.
  void check_token_file(const yaml::MapReader& map, AdminConfig& admin) {
    const core::SourceLoc loc = map.field("token_file")->value_loc;
    if (auto st = util::check_regular_file(admin.token_file); !st) {
      m_diags.error(loc, "token file: " + st.error().message, "name a file holding the token");
      admin.token_file.clear();
      return;
    }
    if (is_loopback_host(admin.host)) return;
    auto text = util::read_file(admin.token_file, util::k_max_secret_file_bytes);
    if (text && util::trim(*text).empty())
      m_diags.error(
          loc,
          "token file " + admin.token_file + " is empty, and the admin endpoint listens on " + admin.host,
          "write a token into it (e.g. openssl rand -hex 32 > FILE; chmod 600 FILE)");
  }

  // Reads a duration key; reports bad text and values above `max`. Returns std::nullopt when
  // absent or bad.
  std::optional<std::chrono::seconds> duration(const yaml::MapReader& map, const std::string& key,
                                               std::chrono::seconds max = k_max_interval) {
    auto text = map.string(key);
    if (!text) return std::nullopt;
    std::string why;
    auto d = parse_duration(*text, &why);
    if (!d && why != "too long") {
      m_diags.error(map.field(key)->value_loc, "'" + key + "' is not a duration: '" + *text + "'",
                    "write e.g. 30s, 15m, 1h or 1h30m");
      return std::nullopt;
    }
    if (!d || *d > max) {
      // Why: the scheduler adds the interval to a clock; a bounded value keeps that finite.
      m_diags.error(map.field(key)->value_loc,
                    "'" + key + "' is " + (text->size() > 24 ? text->substr(0, 24) + "..." : *text) +
                        ", longer than the maximum of " + format_duration(max),
                    "use at most " + format_duration(max) + " (7 days)");
      return std::nullopt;
    }
    return d;
  }

  void load_defaults(const yaml::Field& f, Defaults& defaults) {
    yaml::MapReader map(m_path, f.value, f.value_loc, "'defaults'", k_defaults_keys, m_diags);
    if (auto interval = duration(map, "interval")) {
      if (interval->count() < 1)
        m_diags.error(map.field("interval")->value_loc, "'interval' must be at least 1s");
      else
        defaults.interval = *interval;
    }
    if (auto jitter = duration(map, "jitter")) defaults.jitter = *jitter;
    if (defaults.jitter >= defaults.interval && map.is_map())
      m_diags.error(map.has("jitter") ? map.field("jitter")->value_loc : map.loc(),
                    "jitter " + format_duration(defaults.jitter) + " is not shorter than the interval " +
                        format_duration(defaults.interval),
                    "keep jitter well below the interval, e.g. a tenth of it");
    if (auto reserve = map.integer("reserve_percent", 0, 90))
      defaults.reserve_percent = static_cast<int>(*reserve);
    for (const auto& [key, into] : {std::pair{"request_timeout", &defaults.request_timeout},
                                    std::pair{"cycle_timeout", &defaults.cycle_timeout}})
      if (auto d = duration(map, key)) {
        if (d->count() < 1)
          m_diags.error(map.field(key)->value_loc, "'" + std::string(key) + "' must be at least 1s");
        else
          *into = *d;
      }
    if (auto mib = map.integer("max_response_mib", 1, 4096)) defaults.max_response_mib = *mib;
    if (auto pages = map.integer("max_pages", 1, 1'000'000)) defaults.max_pages = *pages;
  }

  // retention: (docs/configuration.md "Retention"). 0 turns a limit off.
  void load_retention(const yaml::Field& f, RetentionConfig& retention) {
    yaml::MapReader map(m_path, f.value, f.value_loc, "'retention'", k_retention_keys, m_diags);
    if (auto d = map.integer("days", 0, 36500)) retention.days = static_cast<int>(*d);
    if (auto n = map.integer("max_runs_per_team", 0, 100'000'000)) retention.max_runs_per_team = *n;
    if (auto n = map.integer("max_plans_per_team", 0, 100'000'000)) retention.max_plans_per_team = *n;
    if (auto n = map.integer("batch", 1, 1'000'000)) retention.batch = *n;
  }

  // alerts: (docs/alerts.md "Configuration").
  void load_alerts(const yaml::Field& f, AlertsConfig& alerts) {
    yaml::MapReader map(m_path, f.value, f.value_loc, "'alerts'", k_alerts_keys, m_diags);
    if (!map.is_map()) return;
    if (const auto* days = map.field("certificate_expiry_days")) {
      std::vector<int> tiers;
      bool ok = days->value.is_sequence() && days->value.size() > 0;
      if (ok)
        for (const auto& item : days->value) {
          long long v = 0;
          const std::string text(item.scalar());
          const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
          if (text.empty() || ec != std::errc() || end != text.data() + text.size() || v < 1 || v > 365) {
            ok = false;
            break;
          }
          tiers.push_back(static_cast<int>(v));
        }
      std::sort(tiers.begin(), tiers.end(), std::greater<>());
      if (ok && std::adjacent_find(tiers.begin(), tiers.end()) != tiers.end()) ok = false;
      if (ok)
        alerts.certificate_expiry_days = tiers;
      else
        m_diags.error(days->value_loc,
                      "'certificate_expiry_days' must be a list of distinct days, each 1..365",
                      "write e.g. [30, 14, 7, 3, 1]");
    }
    if (auto repeat = duration(map, "repeat")) {
      if (repeat->count() < 60)
        m_diags.error(map.field("repeat")->value_loc, "'repeat' must be at least 1m");
      else
        alerts.repeat = *repeat;
    }
    if (auto n = map.integer("team_stale_intervals", 1, 1000))
      alerts.team_stale_intervals = static_cast<int>(*n);
    if (auto d = duration(map, "journal_stuck_after")) {
      if (d->count() < 60)
        m_diags.error(map.field("journal_stuck_after")->value_loc,
                      "'journal_stuck_after' must be at least 1m");
      else
        alerts.journal_stuck_after = *d;
    }
    const yaml::Field* channels = map.field("channels");
    if (!channels || channels->value.is_null()) return;
    if (!channels->value.is_sequence()) {
      m_diags.error(channels->value_loc, "'channels' must be a list, not " + yaml::describe(channels->value),
                    "start each channel with '- name: ...'");
      return;
    }
    std::map<std::string, core::SourceLoc> names;
    for (const auto& item : channels->value) {
      AlertChannelConfig ch;
      ch.loc = yaml::loc_of(m_path, item, channels->value_loc);
      yaml::MapReader cm(m_path, item, ch.loc, "an alert channel", k_channel_keys, m_diags);
      if (!cm.is_map()) continue;
      if (auto name = cm.string("name", true)) {
        const core::SourceLoc loc = cm.field("name")->value_loc;
        if (!is_team_name(*name))
          m_diags.error(loc, "channel name '" + *name + "' is not valid",
                        "use 1-64 characters from a-z, 0-9, '-' and '_'");
        else if (auto it = names.find(*name); it != names.end())
          m_diags.duplicate(loc, it->second, "channel '" + *name + "' is declared twice",
                            "names must be unique");
        else
          names.emplace(*name, loc);
        ch.name = *name;
      }
      if (auto sev = cm.string("min_severity")) {
        if (std::find(k_severities.begin(), k_severities.end(), *sev) == k_severities.end())
          m_diags.error(cm.field("min_severity")->value_loc, "unknown severity '" + *sev + "'",
                        "use one of " + util::join(k_severities, ", "));
        else
          ch.min_severity = *sev;
      }
      std::vector<std::string> kinds;
      for (const auto& [kind, keys] : k_channel_kind_keys)
        if (cm.has(kind)) kinds.push_back(kind);
      if (kinds.size() != 1) {
        m_diags.error(
            ch.loc,
            kinds.empty() ? "an alert channel needs a kind" : "an alert channel has more than one kind",
            "give exactly one of alertmanager, pagerduty, slack, webhook, email");
        continue;
      }
      load_channel_kind(cm, kinds[0], ch);
      alerts.channels.push_back(std::move(ch));
    }
  }

  void load_channel_kind(const yaml::MapReader& cm, const std::string& kind, AlertChannelConfig& ch) {
    const yaml::Field& f = *cm.field(kind);
    yaml::MapReader km(m_path, f.value, f.value_loc, "'" + kind + "'", k_channel_kind_keys.at(kind), m_diags);
    auto secret = [&](const std::string& key) {
      km.require(key);
      auto declared = km.string(key);
      if (!declared) return std::string();
      std::vector<std::string> tried;
      if (auto found = find_config_file(*declared, m_dir, m_env.credentials_directory, &tried)) {
        if (auto st = util::check_regular_file(*found); !st) {
          m_diags.error(km.field(key)->value_loc, key + ": " + st.error().message,
                        "name a file holding the secret");
          return std::string();
        }
        return *found;
      }
      m_diags.error(km.field(key)->value_loc, key + " not found (looked at " + util::join(tried, ", ") + ")",
                    "create it (mode 0600), fix the path, or provide it with systemd LoadCredential=");
      return std::string();
    };
    auto url = [&](bool required) {
      if (required) km.require("url");
      auto text = km.string("url");
      if (!text) return std::string();
      auto parsed = parse_url(*text);
      if (!parsed) {
        m_diags.error(km.field("url")->value_loc, "'url' is not an http(s) URL",
                      "write e.g. http://127.0.0.1:9093");
        return std::string();
      }
      std::string u = *text;
      while (!u.empty() && u.back() == '/') u.pop_back();
      return u;
    };
    using K = AlertChannelConfig::Kind;
    if (kind == "alertmanager") {
      ch.kind = K::alertmanager;
      ch.url = url(true);
    } else if (kind == "pagerduty") {
      ch.kind = K::pagerduty;
      ch.secret_file = secret("routing_key_file");
      ch.url = url(false);
      if (ch.url.empty()) ch.url = "https://events.pagerduty.com";
    } else if (kind == "slack") {
      ch.kind = K::slack;
      ch.secret_file = secret("webhook_url_file");
    } else if (kind == "webhook") {
      ch.kind = K::webhook;
      ch.url = url(true);
      ch.secret_file = secret("secret_file");
    } else {
      ch.kind = K::email;
      km.require("to");
      if (auto to = km.string_list("to"))
        for (const auto& [addr, loc] : *to) {
          if (addr.find('@') == std::string::npos || addr.front() == '-' ||
              addr.find_first_of(" \t\r\n<>,") != std::string::npos)
            m_diags.error(loc, "'" + addr + "' is not an e-mail address", "write e.g. oncall@example.com");
          else
            ch.to.push_back(addr);
        }
      if (auto prog = km.string("sendmail")) ch.sendmail = resolve_path(*prog, m_dir);
      if (auto from = km.string("from")) ch.from = *from;
    }
  }

  // A file the team needs; missing files are errors, or warnings for disabled teams.
  std::string team_file(const yaml::MapReader& map, const std::string& key, bool enabled,
                        const std::string& what, bool credentials_fallback) {
    auto declared = map.string(key);
    if (!declared) return {};
    std::vector<std::string> tried;
    const std::string cred = credentials_fallback ? m_env.credentials_directory : std::string();
    if (auto found = find_config_file(*declared, m_dir, cred, &tried)) {
      // Why: what `run` would refuse, validate refuses: a key or CA bundle must be a regular
      // file (a directory reads as empty, a FIFO hangs); a desired state is a file or directory.
      std::error_code ec;
      const auto status = fs::status(*found, ec);
      const bool dir_ok = !credentials_fallback && fs::is_directory(status);
      if (!ec && !fs::is_regular_file(status) && !dir_ok) {
        struct stat st {};
        const std::string type = ::stat(found->c_str(), &st) == 0 ? util::describe_file_type(st.st_mode)
                                                                  : std::string("not a file");
        const std::string msg = what + " " + *found + " is " + type + ", not a " +
                                (credentials_fallback ? "regular file" : "file or directory");
        const std::string hint =
            credentials_fallback ? "name the file itself" : "name a YAML file or a directory";
        if (enabled)
          m_diags.error(map.field(key)->value_loc, msg, hint);
        else
          m_diags.warning(map.field(key)->value_loc, msg + "; ignored while the team is disabled", hint);
        return {};
      }
      return *found;
    }
    std::string hint = "fix the path; relative paths are relative to " + m_dir;
    if (credentials_fallback) hint += ", or provide it with systemd LoadCredential=";
    const core::SourceLoc loc = map.field(key)->value_loc;
    const std::string msg = what + " not found (looked at " + util::join(tried, ", ") + ")";
    if (enabled)
      m_diags.error(loc, msg, hint);
    else
      m_diags.warning(loc, msg + "; ignored while the team is disabled", hint);
    return {};
  }

  void load_team(const yaml::Node& node, const core::SourceLoc& list_loc, DaemonConfig& cfg) {
    TeamConfig team;
    team.loc = yaml::loc_of(m_path, node, list_loc);
    team.interval = cfg.defaults.interval;
    yaml::MapReader map(m_path, node, team.loc, "a team", k_team_keys, m_diags);
    if (!map.is_map()) return;

    if (auto enabled = map.boolean("enabled")) team.enabled = *enabled;
    if (auto name = map.string("name", true)) {
      const core::SourceLoc loc = map.field("name")->value_loc;
      if (!is_team_name(*name)) {
        m_diags.error(loc, "team name '" + *name + "' is not valid",
                      "use 1-64 characters from a-z, 0-9, '-' and '_'");
      } else if (auto it = m_team_locs.find(*name); it != m_team_locs.end()) {
        m_diags.duplicate(loc, it->second, "team '" + *name + "' is declared twice",
                          "team names must be unique");
      } else {
        m_team_locs.emplace(*name, loc);
      }
      team.name = *name;
    }
    if (auto issuer = map.string("issuer_id", true)) {
      if (!is_uuid(*issuer))
        m_diags.error(map.field("issuer_id")->value_loc, "issuer_id '" + *issuer + "' is not a UUID",
                      "copy the Issuer ID from App Store Connect > Users and Access > Integrations");
      team.issuer_id = *issuer;
    }
    if (auto key_id = map.string("key_id", true)) {
      const core::SourceLoc loc = map.field("key_id")->value_loc;
      if (!is_key_id(*key_id)) {
        m_diags.error(loc, "key_id '" + *key_id + "' is not 10 characters from A-Z and 0-9",
                      "copy the Key ID shown next to the key in App Store Connect");
      } else if (auto it = m_key_locs.find(*key_id); it != m_key_locs.end()) {
        // Why: one key means one rate budget; two teams on it would starve each other.
        m_diags.duplicate(loc, it->second, "key_id " + *key_id + " is used by two teams",
                          "give each team its own API key");
      } else {
        m_key_locs.emplace(*key_id, loc);
      }
      team.key_id = *key_id;
    }
    map.require("private_key_file");
    team.private_key_file = team_file(map, "private_key_file", team.enabled, "private key file", true);
    if (map.has("ca_file")) team.ca_file = team_file(map, "ca_file", team.enabled, "CA file", true);
    if (map.has("custody_passphrase_file"))
      team.custody_passphrase_file =
          team_file(map, "custody_passphrase_file", team.enabled, "custody passphrase file", true);
    map.require("desired_state");
    team.desired_state = team_file(map, "desired_state", team.enabled, "desired state", false);

    if (auto url = map.string("base_url")) {
      const core::SourceLoc loc = map.field("base_url")->value_loc;
      const auto parsed = parse_url(*url);
      if (!parsed) {
        m_diags.error(loc, "base_url '" + *url + "' is not an http(s) URL",
                      "write e.g. " + std::string(k_default_base_url));
      } else if (parsed->scheme == "http" && !is_loopback_host(parsed->host)) {
        m_diags.error(loc, "base_url uses plain http to " + parsed->host,
                      "use https; http is only allowed for 127.0.0.1, ::1 and localhost (the simulator)");
      } else if (const auto extra = url_extra(*parsed); !extra.empty()) {
        // Why: the API client appends /v1/... to the origin and refuses a base_url with a path.
        m_diags.error(loc, "base_url '" + *url + "' has " + extra,
                      "write only scheme://host[:port], e.g. " + std::string(k_default_base_url));
      } else {
        team.base_url = *url;
        while (!team.base_url.empty() && team.base_url.back() == '/') team.base_url.pop_back();
      }
    }
    if (auto interval = duration(map, "interval")) {
      if (interval->count() < 1)
        m_diags.error(map.field("interval")->value_loc, "'interval' must be at least 1s");
      else
        team.interval = *interval;
    }
    if (auto parallel = map.integer("max_parallel", 1, 4)) team.max_parallel = static_cast<int>(*parallel);
    cfg.teams.push_back(std::move(team));
  }

  std::string m_path;
  std::string m_dir;
  const Environment& m_env;
  Diagnostics& m_diags;
  std::map<std::string, core::SourceLoc> m_team_locs;
  std::map<std::string, core::SourceLoc> m_key_locs;
};

}  // namespace

const DaemonConfigKeys& daemon_config_keys() {
  static const DaemonConfigKeys keys{k_daemon_config_keys, k_log_keys,     k_admin_keys,
                                     k_defaults_keys,      k_team_keys,    k_alerts_keys,
                                     k_retention_keys,     k_channel_keys, k_channel_kind_keys};
  return keys;
}

const TeamConfig* DaemonConfig::find_team(const std::string& name) const {
  for (const auto& t : teams)
    if (t.name == name) return &t;
  return nullptr;
}

util::Result<DaemonConfig> daemon_config_from_yaml(const yaml::Node& root, const std::string& path,
                                                   const Environment& env, Diagnostics* diagnostics) {
  Diagnostics local;
  Diagnostics& diags = diagnostics ? *diagnostics : local;
  const size_t before = diags.error_count();
  Loader loader(path, env, diags);
  DaemonConfig cfg = loader.load(root);
  if (diags.error_count() > before) {
    diags.sort();
    return diags.to_error("invalid daemon config " + path);
  }
  return cfg;
}

util::Result<DaemonConfig> parse_daemon_config(const std::string& text, const std::string& path,
                                               const Environment& env, Diagnostics* diagnostics) {
  Diagnostics local;
  Diagnostics& diags = diagnostics ? *diagnostics : local;
  auto root = yaml::parse_text(text, path, diags);
  if (!root) {
    diags.sort();
    return diags.to_error("invalid daemon config " + path);
  }
  return daemon_config_from_yaml(root->root(), path, env, &diags);
}

util::Result<DaemonConfig> load_daemon_config(const std::string& path, const Environment& env,
                                              Diagnostics* diagnostics) {
  auto text = util::read_file(path);
  if (!text) {
    Diagnostics local;
    Diagnostics& diags = diagnostics ? *diagnostics : local;
    diags.error(
        core::SourceLoc{path, 0, 0}, "cannot read the daemon config",
        text.error().message +
            "; check the path (default /etc/ascsync/ascsync.yaml), that it is a regular file, and its "
            "permissions");
    return diags.to_error("invalid daemon config " + path);
  }
  return parse_daemon_config(*text, path, env, diagnostics);
}

}  // namespace config
