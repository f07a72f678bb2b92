#include "reconcile/signing_phase.hpp"

#include <spdlog/spdlog.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>

#include "custody/passphrase.hpp"
#include "signing/report.hpp"
#include "store/journal.hpp"
#include "store/mirror.hpp"
#include "store/signing.hpp"

namespace reconcile {

namespace {

std::string signing_state_dir(store::Database& db, const SigningOptions& options) {
  if (!options.state_dir.empty()) return options.state_dir;
  auto parent = std::filesystem::path(db.path()).parent_path();
  return parent.empty() ? std::string(".") : parent.string();
}

std::string signing_credentials_dir(const SigningOptions& options) {
  if (!options.credentials_directory.empty()) return options.credentials_directory;
  const char* env = std::getenv("CREDENTIALS_DIRECTORY");
  return env ? env : "";
}

[[noreturn]] void signing_crash(const std::string& where) {
  spdlog::critical("crash point reached: {}", where);
  spdlog::default_logger()->flush();
  std::raise(SIGKILL);
  std::abort();
}

}  // namespace

bool SigningReport::has_changes() const {
  for (const auto& c : changes)
    if (c.action != signing::ChangeAction::blocked) return true;
  return false;
}

bool SigningReport::has_blocked() const {
  for (const auto& c : changes)
    if (c.action == signing::ChangeAction::blocked) return true;
  return applied && (applied->blocked > 0);
}

std::string SigningReport::summary() const {
  int renew = 0, profiles = 0, revoke = 0, blocked = 0;
  for (const auto& c : changes) {
    if (c.action == signing::ChangeAction::blocked)
      ++blocked;
    else if (c.action == signing::ChangeAction::revoke)
      ++revoke;
    else if (c.kind == "profile")
      ++profiles;
    else
      ++renew;
  }
  std::string out = "signing: " + std::to_string(renew) + " certificate(s) to issue, " +
                    std::to_string(profiles) + " profile(s) to make, " + std::to_string(revoke) +
                    " to revoke";
  if (blocked) out += ", " + std::to_string(blocked) + " blocked";
  if (applied)
    out += "; applied: " + std::to_string(applied->renewed) + " issued, " +
           std::to_string(applied->profiles) + " profiles, " + std::to_string(applied->revoked) +
           " revoked, " + std::to_string(applied->failed) + " failed, " + std::to_string(applied->unknown) +
           " unknown";
  return out;
}

std::string SigningReport::text() const {
  std::string out;
  for (const auto& s : assessment.slots) out += "  # " + signing::describe_slots(s) + "\n";
  for (const auto& c : changes) out += "  " + c.text() + "\n";
  if (applied)
    for (const auto& m : applied->messages) out += "  = " + m + "\n";
  return out;
}

nlohmann::json SigningReport::to_json() const {
  nlohmann::json changes_json = nlohmann::json::array();
  for (const auto& c : changes)
    changes_json.push_back({{"kind", c.kind},
                            {"key", c.key},
                            {"name", c.name},
                            {"action", signing::symbol(c.action)},
                            {"reason", c.reason},
                            {"text", c.text()}});
  nlohmann::json slots = nlohmann::json::array();
  for (const auto& s : assessment.slots)
    slots.push_back(
        {{"type", s.certificate_type}, {"used", s.used}, {"limit", s.limit}, {"learned", s.learned}});
  nlohmann::json j = {{"changes", changes_json}, {"slots", slots}};
  if (applied)
    j["applied"] = {{"renewed", applied->renewed},  {"profiles", applied->profiles},
                    {"revoked", applied->revoked},  {"blocked", applied->blocked},
                    {"failed", applied->failed},    {"unknown", applied->unknown},
                    {"messages", applied->messages}};
  return j;
}

bool has_signing_intents(const std::string& team, store::Database& db) {
  store::Journal journal(db);
  if (auto pending = journal.pending(team))
    for (const auto& e : *pending)
      if (e.kind == "certificate" || e.kind == "profile") return true;
  store::SigningRecords records(db);
  if (auto rows = records.list(team))
    for (const auto& r : *rows)
      if (r.state == "requested") return true;
  return false;
}

util::Result<custody::KeyStore> open_key_store(const std::string& team, store::Database& db,
                                               const SigningOptions& options) {
  auto dir = custody::custody_directory(signing_state_dir(db, options), team);
  if (!dir) return dir.error();
  if (options.custody_passphrase_file.empty()) return custody::KeyStore::open(*dir);
  auto passphrase =
      custody::read_passphrase(custody::PassphraseSource::file(options.custody_passphrase_file), "");
  if (!passphrase) return passphrase.error();
  return custody::KeyStore::open(*dir, std::move(*passphrase));
}

namespace {

// What every signing step of this team runs with (the plan id and write hook are the apply's).
signing::Context signing_context(const std::string& team, asc::Api& api, store::Database& db,
                                 custody::KeyStore& keys, const util::Clock& clock,
                                 const SigningOptions& options) {
  signing::Context ctx;
  ctx.team = team;
  ctx.api = &api;
  ctx.db = &db;
  ctx.keys = &keys;
  ctx.clock = &clock;
  ctx.credentials_directory = signing_credentials_dir(options);
  return ctx;
}

}  // namespace

util::Result<signing::Settled> settle_signing(const std::string& team, const core::DesiredState& desired,
                                              asc::Api& api, store::Database& db, const util::Clock& clock,
                                              const core::Snapshot& fresh, const SigningOptions& options) {
  auto keys = open_key_store(team, db, options);
  if (!keys) return keys.error();
  signing::Context ctx = signing_context(team, api, db, *keys, clock, options);
  auto settled = signing::settle_requests(ctx, desired, fresh);
  if (settled)
    for (const auto& m : settled->messages) spdlog::info("team {}: recovery: {}", team, m);
  return settled;
}

util::Result<SigningReport> plan_signing(const core::DesiredState& desired, const core::Snapshot& snapshot,
                                         asc::Api* api, store::Database& db, const std::string& team,
                                         const util::Clock& clock) {
  SigningReport report;
  util::Result<signing::View> view =
      api ? signing::read_view(*api, db, team, desired, snapshot) : signing::local_view(db, team);
  if (!view) return view.error();
  report.assessment = signing::assess(desired, snapshot, *view, clock.now());
  // Without Apple (plan --no-refresh) bundle ids and devices are unknown: profiles are not assessed.
  if (!api) report.assessment.profiles.clear();
  report.changes = signing::changes_of(report.assessment);
  return report;
}

util::Status apply_signing(SigningReport& report, const std::string& team, const core::DesiredState& desired,
                           asc::Api& api, store::Database& db, const util::Clock& clock,
                           const SigningOptions& options, std::optional<int64_t> plan_id,
                           long long crash_after_writes, long long writes_so_far) {
  auto keys = open_key_store(team, db, options);
  if (!keys) return keys.error();
  signing::Context ctx = signing_context(team, api, db, *keys, clock, options);
  ctx.plan_id = plan_id;
  long long writes = writes_so_far;
  ctx.on_write = [&writes, crash_after_writes] {
    ++writes;
    if (crash_after_writes > 0 && writes >= crash_after_writes)
      signing_crash("after " + std::to_string(writes) + " writes (ASCSYNC_CRASH_AFTER_WRITES)");
  };
  const std::string crash_at = options.crash_at_step;
  ctx.on_step = [crash_at](const char* step) {
    if (!crash_at.empty() && crash_at == step)
      signing_crash(std::string("step ") + step + " (ASCSYNC_CRASH_AT)");
  };
  report.applied = signing::converge(ctx, desired, report.assessment);
  return util::ok_status();
}

util::Result<nlohmann::json> signing_status(store::Database& db, const std::string& team,
                                            const core::DesiredState& desired, util::TimePoint now) {
  store::Mirror mirror(db);
  auto snapshot = mirror.load_snapshot(team);
  if (!snapshot) return snapshot.error();
  auto view = signing::local_view(db, team);
  if (!view) return view.error();
  return signing::status_json(signing::slot_reports(desired, *snapshot, *view, now),
                              signing::certificate_rows(desired, *snapshot, *view),
                              signing::profile_rows(desired, *snapshot), now);
}

}  // namespace reconcile
