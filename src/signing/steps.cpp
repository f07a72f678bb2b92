#include "signing/steps.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "custody/certificate.hpp"
#include "custody/csr.hpp"
#include "custody/identity.hpp"
#include "custody/passphrase.hpp"
#include "store/journal.hpp"
#include "store/mirror.hpp"
#include "store/signing.hpp"
#include "util/strings.hpp"
#include "util/time.hpp"

namespace signing {

namespace {

using nlohmann::json;
using util::ErrorKind;

void step(Context& ctx, const char* name) {
  if (ctx.on_step) ctx.on_step(name);
}

void wrote(Context& ctx) {
  if (ctx.on_write) ctx.on_write();
}

util::Result<int64_t> journal_intent(Context& ctx, const char* action, const std::string& key, json request) {
  store::Journal journal(*ctx.db);
  store::JournalEntry e;
  e.kind = util::starts_with(key, "profile:") ? "profile" : "certificate";
  e.action = action;
  e.natural_key = key;
  e.request = std::move(request);
  e.plan_id = ctx.plan_id;
  return journal.record_pending(ctx.team, e, ctx.clock->now());
}

void journal_done(Context& ctx, int64_t id, const char* outcome, const json& result,
                  const std::string& error) {
  store::Journal journal(*ctx.db);
  if (auto st = journal.complete(id, outcome, result, error, ctx.clock->now()); !st)
    spdlog::error("team {}: journal entry {} not completed: {}", ctx.team, id, st.error().describe());
}

void mirror_note(Context& ctx, const util::Status& st) {
  if (!st) spdlog::error("team {}: mirror update failed: {}", ctx.team, st.error().describe());
}

std::optional<util::TimePoint> revoke_after_for(const core::DesiredCertificate& d, util::TimePoint now) {
  switch (d.revoke_replaced.mode) {
    case core::RevokeReplaced::Mode::never:
      return std::nullopt;
    case core::RevokeReplaced::Mode::immediately:
      return now;
    case core::RevokeReplaced::Mode::after:
      return now + d.revoke_replaced.after;
  }
  return std::nullopt;
}

// 403 on a certificate or profile write: the key's role may not do it.
util::Error permission_error(const util::Error& e, const std::string& what) {
  util::Error out = e;
  out.kind = ErrorKind::auth;
  out.message = "the API key may not " + what +
                " (HTTP 403): give it the Admin role, or App Manager with \"Access to Certificates, "
                "Identifiers & Profiles\", in App Store Connect > Users and Access > Integrations";
  return out;
}

// The DER certificates of `type` whose public key is `fingerprint`.
util::Result<std::vector<std::pair<asc::CertificateContent, custody::CertificateInfo>>> find_by_key(
    Context& ctx, const std::string& type, const std::string& fingerprint) {
  auto listed = ctx.api->list_certificate_contents(type);
  if (!listed) return listed.error();
  std::vector<std::pair<asc::CertificateContent, custody::CertificateInfo>> out;
  std::vector<std::string> unreadable;
  for (auto& c : *listed) {
    auto info = custody::parse_certificate_der(c.der);
    if (!info) {
      spdlog::warn("team {}: certificate {} cannot be parsed: {}", ctx.team, c.id, info.error().describe());
      unreadable.push_back(c.id);
      continue;
    }
    if (info->public_key_fingerprint == fingerprint) out.emplace_back(std::move(c), std::move(*info));
  }
  // "Not there" must be certain before a request is abandoned and its key removed: a certificate
  // whose content cannot be read might be the one.
  if (out.empty() && !unreadable.empty())
    return util::make_error(ErrorKind::client, "cannot tell whether the request with key " +
                                                   fingerprint.substr(0, 16) +
                                                   "... made a certificate: " + util::join(unreadable, ", ") +
                                                   " cannot be parsed; nothing settled (retried next cycle)");
  return out;
}

core::Certificate mirror_certificate(const std::string& id, const std::string& type,
                                     const custody::CertificateInfo& info) {
  core::Certificate c;
  c.id = id;
  c.certificate_type = type;
  c.serial_number = info.serial_number;
  c.name = info.subject_common_name;
  c.display_name = info.subject_common_name;
  c.expiration_date = util::format_rfc3339(info.not_after);
  return c;
}

// Verifies the certificate for the record's key and makes it the name's active certificate.
util::Result<Renewed> trust_and_store(Context& ctx, const core::DesiredCertificate* declared,
                                      const store::SigningRecord& record, const std::string& certificate_id,
                                      const custody::CertificateInfo& info,
                                      const std::optional<store::CertificateFacts>& adopted_predecessor) {
  auto key = ctx.keys->load_key(record.fingerprint);
  if (!key) return key.error();
  if (auto ok = custody::verify_matches(key->get(), info, ctx.clock->now()); !ok)
    return util::make_error(ErrorKind::conflict, "certificate " + certificate_id + " for \"" + record.name +
                                                     "\" is not trusted: " + ok.error().message);
  const auto now = ctx.clock->now();
  store::SigningRecords records(*ctx.db);
  const std::optional<util::TimePoint> revoke_after =
      declared ? revoke_after_for(*declared, now) : std::optional<util::TimePoint>{};
  if (auto st = records.activate(
          ctx.team, record.fingerprint,
          {certificate_id, info.serial_number, info.not_after,
           std::chrono::duration_cast<std::chrono::seconds>(info.not_after - info.not_before)},
          now, revoke_after, adopted_predecessor);
      !st)
    return st.error();
  Renewed r;
  r.certificate = mirror_certificate(certificate_id, record.certificate_type, info);
  r.fingerprint = record.fingerprint;
  store::Mirror mirror(*ctx.db);
  mirror_note(ctx, mirror.upsert_certificate(ctx.team, r.certificate));
  step(ctx, k_step_certificate_stored);
  if (declared && declared->export_to)
    if (auto st = export_identity(ctx, *declared, record.fingerprint, info.der); !st)
      // The certificate is stored either way; the export is retried by `ascsync export-identity`
      // or the next renewal. Say so loudly.
      spdlog::error("team {}: certificate \"{}\" renewed but its identity was not exported: {}", ctx.team,
                    declared->name, st.error().describe());
  return r;
}

const core::DesiredCertificate* declared_named(const core::DesiredState& desired, const std::string& name) {
  for (const auto& d : desired.certificates)
    if (d.name == name) return &d;
  return nullptr;
}

}  // namespace

std::string renewal_key(const std::string& name) {
  return "certificate:" + name;
}
std::string revocation_key(const std::string& name, const std::string& certificate_id) {
  return "certificate:" + name + "/" + certificate_id;
}
std::string profile_key(const std::string& name) {
  return "profile:" + name;
}

std::string chain_path_for(const std::string& p12_path) {
  if (p12_path.size() > 4 && p12_path.compare(p12_path.size() - 4, 4, ".p12") == 0)
    return p12_path.substr(0, p12_path.size() - 4) + ".pem";
  return p12_path + ".pem";
}

util::Result<View> read_view(asc::Api& api, store::Database& db, const std::string& team,
                             const core::DesiredState& desired, const core::Snapshot& snapshot) {
  View v;
  store::SigningRecords records(db);
  auto rows = records.list(team);
  if (!rows) return rows.error();
  v.records = std::move(*rows);
  auto learned = records.learned_slot_limits(team);
  if (!learned) return learned.error();
  v.learned_slot_limits = std::move(*learned);
  if (desired.profiles.empty()) return v;
  auto bundles = api.list_bundle_ids();
  if (!bundles) return bundles.error();
  v.bundle_ids = std::move(*bundles);
  bool devices = false;
  for (const auto& p : desired.profiles) devices = devices || core::profile_takes_devices(p.type);
  if (!devices) return v;
  auto listed = api.list_devices();
  if (!listed) return listed.error();
  v.devices = std::move(*listed);
  for (const auto& d : desired.profiles) {
    if (!core::profile_takes_devices(d.type)) continue;
    for (const auto& p : snapshot.profiles) {
      if (p.name != d.name) continue;
      auto ids = api.list_profile_device_ids(p.id);
      if (!ids) return ids.error();
      v.profile_devices[p.id] = std::move(*ids);
    }
  }
  return v;
}

util::Result<Settled> settle_requests(Context& ctx, const core::DesiredState& desired,
                                      const core::Snapshot& fresh) {
  Settled out;
  store::SigningRecords records(*ctx.db);
  auto rows = records.list(ctx.team);
  if (!rows) return rows.error();
  store::Journal journal(*ctx.db);
  auto pending = journal.pending(ctx.team);
  if (!pending) return pending.error();
  std::set<int64_t> completed;
  const auto complete = [&](const store::JournalEntry& e, const json& result) {
    journal_done(ctx, e.id, "resolved", result, "");
    completed.insert(e.id);
  };
  const auto complete_intents = [&](const std::string& fingerprint, const json& result) {
    for (const auto& e : *pending)
      if (e.kind == "certificate" && e.action == "create" &&
          e.request.value("fingerprint", "") == fingerprint)
        complete(e, result);
  };
  // Requests between intent and stored certificate: read back by public key.
  for (const auto& r : *rows) {
    if (r.state != "requested") continue;
    auto found = find_by_key(ctx, r.certificate_type, r.fingerprint);
    if (!found) return found.error();  // nothing settled on a failed read-back
    if (found->empty()) {
      if (auto st = records.abandon(ctx.team, r.fingerprint, ctx.clock->now()); !st) return st.error();
      if (auto st = ctx.keys->remove_key(r.fingerprint); !st)
        spdlog::warn("team {}: key {} of an abandoned request not removed: {}", ctx.team, r.fingerprint,
                     st.error().describe());
      complete_intents(r.fingerprint, json{{"created", false}});
      out.messages.push_back("request for \"" + r.name + "\" (key " + r.fingerprint.substr(0, 16) +
                             "...) made no certificate; abandoned");
      ++out.abandoned;
      continue;
    }
    // Apple never issues two certificates for one CSR; take the first by id if it did.
    const auto& [content, info] = found->front();
    auto stored = trust_and_store(ctx, declared_named(desired, r.name), r, content.id, info, std::nullopt);
    if (!stored) return stored.error();
    out.stored.push_back(stored->certificate);
    complete_intents(r.fingerprint, json{{"certificate_id", content.id}, {"read_back", true}});
    out.messages.push_back("request for \"" + r.name + "\" made certificate " + content.id +
                           " (read back by key)");
    ++out.activated;
  }
  auto fresh_rows = records.list(ctx.team);
  if (!fresh_rows) return fresh_rows.error();
  // Other pending entries of these kinds, from the fresh snapshot.
  for (const auto& e : *pending) {
    if (completed.count(e.id) || (e.kind != "certificate" && e.kind != "profile")) continue;
    if (e.kind == "certificate" && e.action == "create") {
      // An intent whose record was never written: the POST was never sent.
      const std::string fp = e.request.value("fingerprint", "");
      bool active = false;
      for (const auto& r : *fresh_rows)
        if (r.fingerprint == fp && r.state != "abandoned") active = true;
      complete(e, json{{"created", active}});
    } else if (e.kind == "certificate" && e.action == "delete") {
      const std::string id = e.request.value("certificate_id", "");
      const bool gone = std::none_of(fresh.certificates.begin(), fresh.certificates.end(),
                                     [&](const core::Certificate& c) { return c.id == id; });
      if (gone) {
        for (const auto& r : *fresh_rows)
          if (r.certificate_id == id && r.owned() && r.state != "revoked") {
            if (auto st = records.mark_revoked(ctx.team, id, ctx.clock->now()); !st) return st.error();
            (void)ctx.keys->remove_key(r.fingerprint);
          }
      }
      complete(e, json{{"happened", gone}});
    } else if (e.kind == "profile") {
      const std::string name = e.request.value("name", "");
      const std::string id = e.request.value("profile_id", "");
      bool happened = false;
      if (e.action == "create")
        happened = std::any_of(fresh.profiles.begin(), fresh.profiles.end(),
                               [&](const core::Profile& p) { return p.name == name; });
      else
        happened = std::none_of(fresh.profiles.begin(), fresh.profiles.end(),
                                [&](const core::Profile& p) { return p.id == id; });
      complete(e, json{{"happened", happened}});
    } else {
      continue;
    }
    ++out.resolved;
  }
  // Keys nobody claims: made, then the process died before their intent. Never one that a
  // record, a pending intent or a certificate at Apple carries.
  std::set<std::string> claimed;
  for (const auto& r : *fresh_rows)
    if (!r.fingerprint.empty() && r.state != "abandoned" && r.state != "revoked")
      claimed.insert(r.fingerprint);
  auto still_pending = journal.pending(ctx.team);
  if (!still_pending) return still_pending.error();
  for (const auto& e : *still_pending)
    if (e.request.is_object() && e.request.contains("fingerprint") && e.request["fingerprint"].is_string())
      claimed.insert(e.request["fingerprint"].get<std::string>());
  auto orphans = ctx.keys->find_orphans(claimed);
  if (!orphans) return orphans.error();
  if (!orphans->empty()) {
    auto listed = ctx.api->list_certificate_contents();
    if (!listed) return listed.error();
    for (const auto& c : *listed)
      if (auto info = custody::parse_certificate_der(c.der)) claimed.insert(info->public_key_fingerprint);
    for (const auto& k : *orphans) {
      if (claimed.count(k.fingerprint)) {
        spdlog::warn("team {}: key {} has no record but certificate at Apple carries it; kept", ctx.team,
                     k.fingerprint);
        continue;
      }
      if (auto st = ctx.keys->remove_key(k.fingerprint); !st) return st.error();
      out.messages.push_back("removed key " + k.fingerprint.substr(0, 16) + "... (never requested)");
      ++out.orphan_keys_removed;
    }
  }
  return out;
}

util::Result<RenewResult> renew_certificate(Context& ctx, const core::DesiredCertificate& declared,
                                            const CertificateAssessment& a) {
  if (a.blocked) return util::make_error(ErrorKind::conflict, *a.blocked);
  if (a.unsettled)
    return util::make_error(ErrorKind::conflict, "an earlier request for \"" + declared.name +
                                                     "\" is not settled; not requesting again");
  // (1) Make room only with owned, already replaced certificates (the assessment chose them).
  store::SigningRecords records(*ctx.db);
  for (const auto& h : a.make_room) {
    auto rows = records.list(ctx.team);
    if (!rows) return rows.error();
    const store::SigningRecord* rec = nullptr;
    for (const auto& r : *rows)
      if (r.certificate_id == h.certificate_id) rec = &r;
    if (!rec) return util::make_error(ErrorKind::internal, "no record of certificate " + h.certificate_id);
    if (auto st = revoke_certificate(ctx, *rec, "frees a slot for \"" + declared.name + "\""); !st)
      return st.error();
  }
  // (2) The key, durable in custody before anything else; then the intent with its fingerprint.
  auto key = ctx.keys->create_key();
  if (!key) return key.error();
  step(ctx, k_step_key_written);
  auto csr =
      custody::make_csr(key->key.get(), {"ascsync " + declared.name, declared.name + "@ascsync.invalid", ""});
  if (!csr) return csr.error();
  auto journal_id = journal_intent(
      ctx, "create", renewal_key(declared.name),
      json{{"name", declared.name}, {"type", declared.type}, {"fingerprint", key->fingerprint}});
  if (!journal_id) return journal_id.error();
  auto requested =
      records.add_requested(ctx.team, declared.name, declared.type, key->fingerprint, ctx.clock->now());
  if (!requested) {
    journal_done(ctx, *journal_id, "failed", nullptr, requested.error().describe());
    return requested.error();
  }
  step(ctx, k_step_intent);
  auto record = records.find_by_fingerprint(ctx.team, key->fingerprint);
  if (!record || !*record)
    return util::make_error(ErrorKind::internal,
                            "the request record for key " + key->fingerprint + " is missing");
  std::optional<store::CertificateFacts> adopted;
  if (a.current && a.owner == Owner::adopted)
    adopted = store::CertificateFacts{a.current->id, a.current->serial_number, a.expires, std::nullopt};

  // (3) POST. An unclear answer is settled by reading back by public key, never a second POST.
  auto created = ctx.api->create_certificate(csr_content(*csr), declared.type);
  std::string certificate_id;
  std::optional<custody::CertificateInfo> info;
  bool read_back = false;
  if (created) {
    wrote(ctx);
    certificate_id = created->certificate.id;
    auto parsed = custody::parse_certificate_der(created->content_der);
    if (!parsed) return parsed.error();  // the entry stays pending: the next cycle reads it back
    info = std::move(*parsed);
  } else {
    const util::Error& e = created.error();
    if (util::is_retryable(e.kind)) {
      auto found = find_by_key(ctx, declared.type, key->fingerprint);
      if (!found || found->empty()) {
        // Still unclear (or not there yet): leave the intent pending for the next cycle.
        return RenewResult{std::nullopt, Unknown{"certificate request for \"" + declared.name + "\": " +
                                                 e.describe() + "; the next cycle reads it back by key"}};
      }
      certificate_id = found->front().first.id;
      info = std::move(found->front().second);
      read_back = true;
    } else {
      // Apple answered: no certificate was made. The key is of no use.
      (void)records.abandon(ctx.team, key->fingerprint, ctx.clock->now());
      (void)ctx.keys->remove_key(key->fingerprint);
      journal_done(ctx, *journal_id, "failed", nullptr, e.describe());
      if (e.http_status == 403) return permission_error(e, "create certificates");
      if (e.detail.find("already have a current") != std::string::npos) {
        // Apple's limit is lower than ours: learn it (the slots held now) so the next plans block
        // with the holders named instead of asking again.
        int held = 0;
        if (auto listed = ctx.api->list_certificate_contents(declared.type)) {
          for (const auto& c : *listed)
            if (auto ci = custody::parse_certificate_der(c.der); ci && ci->not_after > ctx.clock->now())
              ++held;
          if (auto st = records.learn_slot_limit(ctx.team, declared.type, held, ctx.clock->now()); !st)
            spdlog::warn("team {}: slot limit not recorded: {}", ctx.team, st.error().describe());
        }
        util::Error out = e;
        out.message =
            "Apple refused a new " + declared.type + " certificate: its slots are full (\"" + e.detail +
            "\"). Apple's limit for this team is " + std::to_string(held) +
            ", lower than policy.certificate_slots says (or a pending request in the web UI holds a "
            "slot); ascsync uses " +
            std::to_string(held) + " from now on. Free a slot (see the on-call runbook)";
        return out;
      }
      return e;
    }
  }
  // (4) Verify, store, export.
  auto stored = trust_and_store(ctx, &declared, **record, certificate_id, *info, adopted);
  if (!stored) {
    journal_done(ctx, *journal_id, "failed", nullptr, stored.error().describe());
    return stored.error();
  }
  stored->read_back = read_back;
  journal_done(
      ctx, *journal_id, "done",
      json{{"certificate_id", certificate_id}, {"serial", info->serial_number}, {"read_back", read_back}},
      "");
  return RenewResult{std::move(*stored), std::nullopt};
}

util::Status export_identity(Context& ctx, const core::DesiredCertificate& declared,
                             const std::string& fingerprint, const std::string& certificate_der) {
  if (!declared.export_to) return util::ok_status();
  const auto& ex = *declared.export_to;
  auto source = ex.password_source == core::DesiredExport::PasswordSource::credential
                    ? custody::PassphraseSource::credential(ex.password_file)
                    : custody::PassphraseSource::file(ex.password_file);
  auto password = custody::read_passphrase(source, ctx.credentials_directory);
  if (!password) return password.error();
  auto key = ctx.keys->load_key(fingerprint);
  if (!key) return key.error();
  custody::IdentityExport out;
  out.p12_path = ex.p12;
  out.chain_path = chain_path_for(ex.p12);
  return custody::export_identity(key->get(), certificate_der, *password, out);
}

util::Status export_identity_to(Context& ctx, const std::string& name, const std::string& p12_path,
                                const custody::Passphrase& password) {
  store::SigningRecords records(*ctx.db);
  auto rows = records.list(ctx.team);
  if (!rows) return rows.error();
  const store::SigningRecord* active = nullptr;
  bool known = false;
  for (const auto& r : *rows) {
    if (r.name != name) continue;
    known = true;
    if (r.state == "active") active = &r;
  }
  if (!active)
    return util::make_error(
        ErrorKind::client,
        known ? "certificate \"" + name + "\" has no current certificate yet"
              : "no certificate named \"" + name + "\" was ever issued by ascsync for team " + ctx.team);
  if (!active->owned())
    return util::make_error(ErrorKind::client,
                            "certificate \"" + name + "\" is adopted (" + active->certificate_id +
                                "): ascsync holds no key for it; it can export the identity "
                                "once it has renewed it");
  auto listed = ctx.api->list_certificate_contents(active->certificate_type);
  if (!listed) return listed.error();
  for (const auto& c : *listed) {
    if (c.id != active->certificate_id) continue;
    auto key = ctx.keys->load_key(active->fingerprint);
    if (!key) return key.error();
    custody::IdentityExport out;
    out.p12_path = p12_path;
    out.chain_path = chain_path_for(p12_path);
    return custody::export_identity(key->get(), c.der, password, out);
  }
  return util::make_error(ErrorKind::not_found, "certificate " + active->certificate_id + " of \"" + name +
                                                    "\" is no longer at Apple; the next cycle renews it");
}

util::Status revoke_certificate(Context& ctx, const store::SigningRecord& record, const std::string& why) {
  // Invariant 10: only what ascsync made (and holds the key of) is ever revoked.
  if (!record.owned() || record.certificate_id.empty())
    return util::make_error(ErrorKind::internal, "refusing to revoke certificate " + record.certificate_id +
                                                     ": ascsync does not own it (a bug)");
  step(ctx, k_step_before_revoke);
  auto id = journal_intent(ctx, "delete", revocation_key(record.name, record.certificate_id),
                           json{{"certificate_id", record.certificate_id},
                                {"serial", record.serial_number},
                                {"fingerprint", record.fingerprint},
                                {"why", why}});
  if (!id) return id.error();
  auto st = ctx.api->delete_certificate(record.certificate_id);
  if (!st && st.error().kind != ErrorKind::not_found) {
    if (util::is_retryable(st.error().kind)) return st.error();  // pending: read back next cycle
    journal_done(ctx, *id, "failed", nullptr, st.error().describe());
    if (st.error().http_status == 403) return permission_error(st.error(), "revoke certificates");
    return st.error();
  }
  if (st) wrote(ctx);
  store::SigningRecords records(*ctx.db);
  if (auto m = records.mark_revoked(ctx.team, record.certificate_id, ctx.clock->now()); !m) return m;
  store::Mirror mirror(*ctx.db);
  mirror_note(ctx, mirror.delete_certificate(ctx.team, record.certificate_id));
  if (auto rm = ctx.keys->remove_key(record.fingerprint); !rm)
    spdlog::warn("team {}: key {} of revoked certificate {} not removed: {}", ctx.team, record.fingerprint,
                 record.certificate_id, rm.error().describe());
  journal_done(ctx, *id, "done", json{{"certificate_id", record.certificate_id}}, "");
  return util::ok_status();
}

util::Result<std::vector<std::string>> profile_certificate_ids(
    Context& ctx, const ProfileAssessment& p, const std::vector<CertificateAssessment>& certs) {
  store::SigningRecords records(*ctx.db);
  auto rows = records.list(ctx.team);
  if (!rows) return rows.error();
  std::vector<std::string> ids;
  for (const auto& name : p.declared->certificates) {
    std::string id;
    for (const auto& r : *rows)
      if (r.name == name && r.state == "active") id = r.certificate_id;
    if (id.empty())
      for (const auto& c : certs)
        if (c.declared && c.declared->name == name && c.current && !c.renews()) id = c.current->id;
    if (id.empty())
      return util::make_error(ErrorKind::conflict, "profile \"" + p.declared->name + "\": certificate \"" +
                                                       name +
                                                       "\" has no current certificate; not regenerated");
    ids.push_back(id);
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

util::Result<ProfileResult> regenerate_profile(Context& ctx, const ProfileAssessment& p,
                                               const std::vector<std::string>& certificate_ids) {
  const auto& d = *p.declared;
  const std::string key = profile_key(d.name);
  // Apple refuses a second profile with this name: the old ones go first.
  for (const auto& old : p.existing) {
    auto id = journal_intent(ctx, "delete", key, json{{"profile_id", old.id}, {"name", old.name}});
    if (!id) return id.error();
    auto st = ctx.api->delete_profile(old.id);
    if (!st && st.error().kind != ErrorKind::not_found) {
      if (util::is_retryable(st.error().kind))
        return ProfileResult{std::nullopt,
                             Unknown{"deleting profile " + old.id + ": " + st.error().describe()}};
      journal_done(ctx, *id, "failed", nullptr, st.error().describe());
      if (st.error().http_status == 403) return permission_error(st.error(), "delete profiles");
      return st.error();
    }
    if (st) wrote(ctx);
    journal_done(ctx, *id, "done", json{{"profile_id", old.id}}, "");
    step(ctx, k_step_profile_deleted);
  }
  auto id = journal_intent(ctx, "create", key,
                           json{{"name", d.name},
                                {"type", d.type},
                                {"bundle_id_id", p.bundle_id_id},
                                {"certificate_ids", certificate_ids},
                                {"device_ids", p.device_ids}});
  if (!id) return id.error();
  auto made = ctx.api->create_profile(d.name, d.type, p.bundle_id_id, certificate_ids, p.device_ids);
  if (!made) {
    const util::Error& e = made.error();
    if (util::is_retryable(e.kind) || e.kind == ErrorKind::conflict) {
      auto found = ctx.api->find_profiles_by_name(d.name);
      if (found && found->size() == 1 && (*found)[0].certificate_ids == certificate_ids) {
        wrote(ctx);
        store::Mirror mirror(*ctx.db);
        mirror_note(ctx, mirror.upsert_profile(ctx.team, (*found)[0]));
        journal_done(ctx, *id, "resolved", json{{"profile_id", (*found)[0].id}, {"read_back", true}}, "");
        step(ctx, k_step_profile_created);
        return ProfileResult{(*found)[0], std::nullopt};
      }
      if (!found || util::is_retryable(e.kind))
        return ProfileResult{std::nullopt, Unknown{"creating profile \"" + d.name + "\": " + e.describe()}};
    }
    journal_done(ctx, *id, "failed", nullptr, e.describe());
    if (e.http_status == 403) return permission_error(e, "create profiles");
    return e;
  }
  wrote(ctx);
  store::Mirror mirror(*ctx.db);
  mirror_note(ctx, mirror.upsert_profile(ctx.team, *made));
  journal_done(ctx, *id, "done", json{{"profile_id", made->id}}, "");
  step(ctx, k_step_profile_created);
  return ProfileResult{std::move(*made), std::nullopt};
}

}  // namespace signing
