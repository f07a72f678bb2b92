#include "alerts/service.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <random>

#include "store/journal.hpp"
#include "store/mirror.hpp"
#include "store/signing.hpp"

namespace alerts {

namespace {

Notification from_instance(const Instance& inst) {
  nlohmann::json j = inst.alert.to_json();
  j["starts_at"] = util::format_rfc3339(inst.started_at);
  j["ends_at"] = nullptr;
  return Notification{"firing", j};
}

}  // namespace

std::chrono::milliseconds backoff_delay(int attempts, const DeliveryOptions& options, double random01) {
  double d = static_cast<double>(options.backoff_initial.count());
  for (int i = 1; i < attempts && d < static_cast<double>(options.backoff_max.count()); ++i) d *= 2;
  d = std::min(d, static_cast<double>(options.backoff_max.count()));
  d -= d * 0.5 * std::clamp(random01, 0.0, 1.0);
  return std::chrono::milliseconds(static_cast<long long>(d));
}

AlertService::AlertService(std::string database, config::AlertsConfig cfg, std::shared_ptr<util::Clock> clock,
                           DeliveryOptions options)
    : m_database(std::move(database)),
      m_cfg(std::move(cfg)),
      m_clock(std::move(clock)),
      m_options(std::move(options)) {}

AlertService::~AlertService() {
  stop();
}

template <typename F>
auto AlertService::with_engine(F&& f) -> decltype(f(std::declval<AlertEngine&>())) {
  std::lock_guard lock(m_engine_mutex);
  if (!m_db) {
    auto db = store::Database::open(m_database);
    if (!db) return db.error();
    m_db.emplace(std::move(*db));
  }
  AlertEngine engine(*m_db, m_cfg, *m_clock);
  return f(engine);
}

void AlertService::start() {
  if (!m_workers.empty()) return;
  // Why: open (and so migrate) the database once before the workers open their own connections;
  // concurrent first opens of a new file would race on the migration.
  if (auto opened = with_engine([](AlertEngine&) { return util::ok_status(); }); !opened)
    spdlog::error("alerts: {}", opened.error().describe());
  for (const auto& ch : m_cfg.channels)
    m_workers.emplace_back([this, ch](std::stop_token stop) { deliver_loop(ch, stop); });
  m_workers.emplace_back([this](std::stop_token stop) { stale_loop(stop); });
}

void AlertService::stop() {
  for (auto& w : m_workers) w.request_stop();
  wake();
  m_workers.clear();  // joins
}

void AlertService::wake() {
  {
    std::lock_guard lock(m_wake_mutex);
    ++m_wake_seq;
  }
  m_wake_cv.notify_all();
}

void AlertService::set_delivery_observer(std::function<void(const std::string&, const std::string&)> fn) {
  std::lock_guard lock(m_observer_mutex);
  m_observer = std::move(fn);
}

void AlertService::set_teams(const std::vector<std::pair<std::string, std::chrono::seconds>>& teams) {
  {
    std::lock_guard lock(m_teams_mutex);
    m_teams.emplace();
    for (const auto& [name, interval] : teams) m_teams->push_back(name);
  }
  auto st = with_engine([&](AlertEngine& engine) -> util::Status {
    for (const auto& [name, interval] : teams)
      if (auto ok = engine.register_team(name, interval); !ok) return ok;
    return util::ok_status();
  });
  if (!st) spdlog::error("alerts: {}", st.error().describe());
}

util::Result<Changes> AlertService::after_cycle(TeamFacts facts, bool success,
                                                std::chrono::seconds interval) {
  auto result = with_engine([&](AlertEngine& engine) -> util::Result<Changes> {
    if (auto ok = engine.record_cycle(facts.team, success, interval); !ok) return ok.error();
    store::Database& db = *m_db;
    store::Mirror mirror(db);
    if (auto has = mirror.has_snapshot(facts.team); has && *has) {
      if (auto snap = mirror.load_snapshot(facts.team)) {
        facts.certificates = snap->certificates;
        facts.profiles = snap->profiles;
      }
    }
    if (auto records = store::SigningRecords(db).list(facts.team)) {
      for (const auto& r : *records)
        if (r.state == "replaced" && !r.certificate_id.empty())
          facts.replaced_certificate_ids.insert(r.certificate_id);
    } else {
      spdlog::warn("team {}: alerts: signing records not read: {}", facts.team, records.error().describe());
    }
    store::Journal journal(db);
    if (auto pending = journal.pending(facts.team)) {
      facts.pending_journal_entries = static_cast<long long>(pending->size());
      facts.oldest_pending_journal = pending->empty()
                                         ? std::optional<util::TimePoint>()
                                         : std::optional<util::TimePoint>(pending->front().created_at);
    }
    auto h = engine.health(facts.team);
    if (h && *h) {
      facts.first_seen = (*h)->first_seen;
      facts.last_success = (*h)->last_success;
      facts.interval = (*h)->interval;
    }
    return engine.apply(facts.team, evaluate(facts, rules_from(m_cfg)));
  });
  if (result && result->notifications > 0) wake();
  return result;
}

util::Result<Changes> AlertService::raise(const Alert& alert) {
  auto r = with_engine([&](AlertEngine& e) { return e.raise(alert); });
  if (r && r->notifications > 0) wake();
  return r;
}

util::Result<Changes> AlertService::resolve(const std::string& team, const std::string& alertname,
                                            const std::string& object) {
  auto r = with_engine([&](AlertEngine& e) { return e.resolve(team, alertname, object); });
  if (r && r->notifications > 0) wake();
  return r;
}

util::Status AlertService::check_stale() {
  std::optional<std::vector<std::string>> configured;
  {
    std::lock_guard lock(m_teams_mutex);
    configured = m_teams;
  }
  bool notified = false;
  auto st = with_engine([&](AlertEngine& engine) -> util::Status {
    auto teams = engine.known_teams();
    if (!teams) return teams.error();
    for (const auto& team : *teams) {
      if (configured && std::find(configured->begin(), configured->end(), team) == configured->end())
        continue;
      auto h = engine.health(team);
      if (!h) return h.error();
      if (!*h) continue;
      TeamFacts f;
      f.team = team;
      f.now = m_clock->now();
      f.first_seen = (*h)->first_seen;
      f.last_success = (*h)->last_success;
      f.interval = (*h)->interval;
      auto changes = engine.apply(team, evaluate(f, rules_from(m_cfg)));
      if (!changes) return changes.error();
      notified = notified || changes->notifications > 0;
    }
    return util::ok_status();
  });
  if (notified) wake();
  return st;
}

nlohmann::json AlertService::status() {
  nlohmann::json firing = nlohmann::json::array();
  auto r = with_engine([&](AlertEngine&) -> util::Status {
    auto list = load_instances(*m_db, true);
    if (!list) return list.error();
    for (const auto& i : *list) {
      auto j = i.to_json();
      j.erase("details");
      firing.push_back(std::move(j));
    }
    return util::ok_status();
  });
  if (!r) return {{"error", r.error().describe()}};
  return firing;
}

std::map<std::pair<std::string, std::string>, long long> AlertService::firing_counts() {
  std::map<std::pair<std::string, std::string>, long long> out;
  (void)with_engine([&](AlertEngine&) -> util::Status {
    auto list = load_instances(*m_db, true);
    if (!list) return list.error();
    for (const auto& i : *list) ++out[{i.alert.name, to_string(i.alert.severity)}];
    return util::ok_status();
  });
  return out;
}

void AlertService::deliver_loop(const config::AlertChannelConfig& cfg, std::stop_token stop) {
  std::mt19937_64 rng(std::random_device{}());
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  auto channel = make_channel(cfg, m_options.channel, m_clock);
  std::optional<store::Database> db;
  auto next_repost = std::chrono::steady_clock::now();
  const Severity min = parse_severity(cfg.min_severity).value_or(Severity::info);
  auto observe = [&](const char* outcome) {
    std::lock_guard lock(m_observer_mutex);
    if (m_observer) m_observer(cfg.name, outcome);
  };
  while (!stop.stop_requested()) {
    long long seen;
    {
      std::lock_guard lock(m_wake_mutex);
      seen = m_wake_seq;
    }
    if (!db) {
      auto opened = store::Database::open(m_database);
      if (opened)
        db.emplace(std::move(*opened));
      else
        spdlog::error("alert channel {}: {}", cfg.name, opened.error().describe());
    }
    bool healthy = true;
    if (db) {
      auto rows = due_outbox(*db, cfg.name, unix_ms(m_clock->now()), 20);
      if (!rows) spdlog::error("alert channel {}: {}", cfg.name, rows.error().describe());
      for (const auto& row : rows ? *rows : std::vector<OutboxRow>{}) {
        if (stop.stop_requested()) break;
        auto sent = channel->send(Notification{row.event, row.alert});
        if (sent) {
          if (auto ok = mark_sent(*db, row.id, m_clock->now()); !ok)
            spdlog::error("alert channel {}: {}", cfg.name, ok.error().describe());
          observe("sent");
          spdlog::info("alert channel {}: delivered {} {}", cfg.name, row.event, row.dedup_key);
          continue;
        }
        healthy = false;
        const auto delay = backoff_delay(row.attempts + 1, m_options, uniform(rng));
        if (auto ok =
                mark_failed(*db, row.id, sent.error().describe(), unix_ms(m_clock->now()) + delay.count());
            !ok)
          spdlog::error("alert channel {}: {}", cfg.name, ok.error().describe());
        observe("failed");
        spdlog::warn("alert channel {}: delivery of {} {} failed (attempt {}), retrying in {} ms: {}",
                     cfg.name, row.event, row.dedup_key, row.attempts + 1, delay.count(),
                     sent.error().describe());
        break;  // keep the channel's order; the rest waits for this row
      }
      if (healthy && channel->wants_active_reposts() && std::chrono::steady_clock::now() >= next_repost) {
        std::vector<Notification> firing;
        if (auto list = load_instances(*db, true))
          for (const auto& i : *list)
            if (i.alert.severity >= min) firing.push_back(from_instance(i));
        auto posted = channel->post_active(firing);
        if (!posted) {
          observe("failed");
          spdlog::warn("alert channel {}: re-posting {} firing alerts failed: {}", cfg.name, firing.size(),
                       posted.error().describe());
        }
        next_repost = std::chrono::steady_clock::now() +
                      (posted ? std::chrono::duration_cast<std::chrono::milliseconds>(
                                    m_options.channel.alertmanager_resend)
                              : m_options.backoff_initial);
      }
    }
    std::unique_lock lock(m_wake_mutex);
    m_wake_cv.wait_for(lock, stop, m_options.poll, [&] { return m_wake_seq != seen; });
  }
}

void AlertService::stale_loop(std::stop_token stop) {
  while (!stop.stop_requested()) {
    {
      std::unique_lock lock(m_wake_mutex);
      m_wake_cv.wait_for(lock, stop, m_options.stale_check, [] { return false; });
    }
    if (stop.stop_requested()) break;
    if (auto st = check_stale(); !st) spdlog::error("alerts: stale check: {}", st.error().describe());
  }
}

}  // namespace alerts
