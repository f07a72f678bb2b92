#include "store/signing.hpp"

#include <sqlite3.h>

#include "util/time.hpp"

namespace store {

namespace {

void bind_signing_time(Statement& s, int index, const std::optional<util::TimePoint>& t) {
  if (t)
    s.bind_text(index, util::format_rfc3339(*t));
  else
    s.bind_null(index);
}

std::optional<util::TimePoint> signing_time_column(const Statement& s, int index) {
  if (s.column_is_null(index)) return std::nullopt;
  return column_time(s.column_text(index));
}

constexpr const char* k_signing_columns =
    "id, name, certificate_type, origin, state, fingerprint, certificate_id, serial_number, expires_at, "
    "requested_at, activated_at, replaced_at, replaced_by, revoke_after, revoked_at, lifetime_seconds";

SigningRecord signing_row(const Statement& s) {
  SigningRecord r;
  r.id = s.column_int(0);
  r.name = s.column_text(1);
  r.certificate_type = s.column_text(2);
  r.origin = s.column_text(3);
  r.state = s.column_text(4);
  r.fingerprint = s.column_text(5);
  r.certificate_id = s.column_text(6);
  r.serial_number = s.column_text(7);
  r.expires_at = signing_time_column(s, 8);
  r.requested_at = column_time(s.column_text(9));
  r.activated_at = signing_time_column(s, 10);
  r.replaced_at = signing_time_column(s, 11);
  r.replaced_by = s.column_text(12);
  r.revoke_after = signing_time_column(s, 13);
  r.revoked_at = signing_time_column(s, 14);
  if (auto l = s.column_opt_int(15)) r.lifetime = std::chrono::seconds(*l);
  return r;
}

util::Result<std::vector<SigningRecord>> signing_rows(Statement& s) {
  std::vector<SigningRecord> out;
  while (true) {
    auto row = s.step();
    if (!row) return std::move(row).error();
    if (!*row) return out;
    out.push_back(signing_row(s));
  }
}

}  // namespace

util::Result<int64_t> SigningRecords::add_requested(const std::string& team, const std::string& name,
                                                    const std::string& certificate_type,
                                                    const std::string& fingerprint, util::TimePoint at) {
  auto s = m_db->prepare(
      "INSERT INTO signing_certificates (team, name, certificate_type, origin, state, fingerprint, "
      "requested_at) VALUES (?1, ?2, ?3, 'owned', 'requested', ?4, ?5)");
  if (!s) return std::move(s).error();
  s->bind_text(1, team)
      .bind_text(2, name)
      .bind_text(3, certificate_type)
      .bind_text(4, fingerprint)
      .bind_text(5, util::format_rfc3339(at));
  if (auto st = s->run(); !st) return std::move(st).error();
  return static_cast<int64_t>(sqlite3_last_insert_rowid(m_db->handle()));
}

util::Status SigningRecords::activate(const std::string& team, const std::string& fingerprint,
                                      const CertificateFacts& facts, util::TimePoint at,
                                      std::optional<util::TimePoint> revoke_after,
                                      const std::optional<CertificateFacts>& adopted_predecessor) {
  auto tx = WriteTransaction::begin(*m_db);
  if (!tx) return std::move(tx).error();
  auto found = find_by_fingerprint(team, fingerprint);
  if (!found) return std::move(found).error();
  if (!*found || ((*found)->state != "requested" && (*found)->state != "active"))
    return util::make_error(util::ErrorKind::internal,
                            "no certificate request with key " + fingerprint + " to activate (a bug)");
  const SigningRecord& self = **found;
  const std::string when = util::format_rfc3339(at);
  if (adopted_predecessor && !adopted_predecessor->certificate_id.empty() &&
      adopted_predecessor->certificate_id != facts.certificate_id) {
    auto ins = m_db->prepare(
        "INSERT INTO signing_certificates (team, name, certificate_type, origin, state, certificate_id, "
        "serial_number, expires_at, requested_at, activated_at) VALUES (?1, ?2, ?3, 'adopted', 'active', ?4, "
        "?5, ?6, ?7, ?7) ON CONFLICT DO NOTHING");
    if (!ins) return std::move(ins).error();
    ins->bind_text(1, team)
        .bind_text(2, self.name)
        .bind_text(3, self.certificate_type)
        .bind_text(4, adopted_predecessor->certificate_id)
        .bind_text(5, adopted_predecessor->serial_number);
    bind_signing_time(*ins, 6, adopted_predecessor->expires_at);
    ins->bind_text(7, when);
    if (auto st = ins->run(); !st) return st;
  }
  {
    auto rep = m_db->prepare(
        "UPDATE signing_certificates SET state = 'replaced', replaced_at = ?3, replaced_by = ?4, "
        "revoke_after = ?5 WHERE team = ?1 AND name = ?2 AND state = 'active' AND fingerprint <> ?6");
    if (!rep) return std::move(rep).error();
    rep->bind_text(1, team).bind_text(2, self.name).bind_text(3, when).bind_text(4, facts.certificate_id);
    bind_signing_time(*rep, 5, revoke_after);
    rep->bind_text(6, fingerprint);
    if (auto st = rep->run(); !st) return st;
  }
  {
    auto act = m_db->prepare(
        "UPDATE signing_certificates SET state = 'active', certificate_id = ?3, serial_number = ?4, "
        "expires_at = ?5, activated_at = coalesce(activated_at, ?6), lifetime_seconds = ?7 "
        "WHERE team = ?1 AND fingerprint = ?2");
    if (!act) return std::move(act).error();
    act->bind_text(1, team)
        .bind_text(2, fingerprint)
        .bind_text(3, facts.certificate_id)
        .bind_text(4, facts.serial_number);
    bind_signing_time(*act, 5, facts.expires_at);
    act->bind_text(6, when);
    act->bind_opt_int(7, facts.lifetime ? std::optional<int64_t>(facts.lifetime->count()) : std::nullopt);
    if (auto st = act->run(); !st) return st;
  }
  return tx->commit();
}

util::Status SigningRecords::abandon(const std::string& team, const std::string& fingerprint,
                                     util::TimePoint at) {
  auto s = m_db->prepare(
      "UPDATE signing_certificates SET state = 'abandoned', revoked_at = ?3 "
      "WHERE team = ?1 AND fingerprint = ?2 AND state = 'requested'");
  if (!s) return std::move(s).error();
  s->bind_text(1, team).bind_text(2, fingerprint).bind_text(3, util::format_rfc3339(at));
  return s->run();
}

util::Status SigningRecords::mark_revoked(const std::string& team, const std::string& certificate_id,
                                          util::TimePoint at) {
  auto s = m_db->prepare(
      "UPDATE signing_certificates SET state = 'revoked', revoked_at = ?3 "
      "WHERE team = ?1 AND certificate_id = ?2 AND state <> 'revoked'");
  if (!s) return std::move(s).error();
  s->bind_text(1, team).bind_text(2, certificate_id).bind_text(3, util::format_rfc3339(at));
  return s->run();
}

util::Status SigningRecords::learn_slot_limit(const std::string& team, const std::string& certificate_type,
                                              int slot_limit, util::TimePoint at) {
  auto s = m_db->prepare(
      "INSERT INTO signing_slot_limits (team, certificate_type, slot_limit, learned_at) VALUES (?1, ?2, ?3, "
      "?4) "
      "ON CONFLICT (team, certificate_type) DO UPDATE SET slot_limit = excluded.slot_limit, "
      "learned_at = excluded.learned_at");
  if (!s) return std::move(s).error();
  s->bind_text(1, team)
      .bind_text(2, certificate_type)
      .bind_int(3, slot_limit)
      .bind_text(4, util::format_rfc3339(at));
  return s->run();
}

util::Result<std::map<std::string, int>> SigningRecords::learned_slot_limits(const std::string& team) {
  auto s = m_db->prepare("SELECT certificate_type, slot_limit FROM signing_slot_limits WHERE team = ?1");
  if (!s) return std::move(s).error();
  s->bind_text(1, team);
  std::map<std::string, int> out;
  while (true) {
    auto row = s->step();
    if (!row) return std::move(row).error();
    if (!*row) return out;
    out[s->column_text(0)] = static_cast<int>(s->column_int(1));
  }
}

util::Result<std::vector<SigningRecord>> SigningRecords::list(const std::string& team) {
  auto s = m_db->prepare(std::string("SELECT ") + k_signing_columns +
                         " FROM signing_certificates WHERE team = ?1 ORDER BY name, id");
  if (!s) return std::move(s).error();
  s->bind_text(1, team);
  return signing_rows(*s);
}

util::Result<std::optional<SigningRecord>> SigningRecords::find_by_fingerprint(
    const std::string& team, const std::string& fingerprint) {
  auto s = m_db->prepare(std::string("SELECT ") + k_signing_columns +
                         " FROM signing_certificates WHERE team = ?1 AND fingerprint = ?2");
  if (!s) return std::move(s).error();
  s->bind_text(1, team).bind_text(2, fingerprint);
  auto rows = signing_rows(*s);
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return std::optional<SigningRecord>{};
  return std::optional<SigningRecord>{std::move(rows->front())};
}

}  // namespace store
