#include "signing/assess.hpp"

#include <algorithm>
#include <set>

#include "util/strings.hpp"
#include "util/time.hpp"

namespace signing {

namespace {

using std::chrono::seconds;
constexpr seconds k_day{24 * 3600};
// A certificate's lifetime when ascsync did not see it issued (Apple's are valid for a year).
constexpr seconds k_assumed_lifetime{365 * 24 * 3600};

std::optional<util::TimePoint> expiry_of(const core::Certificate& c) {
  return util::parse_rfc3339(c.expiration_date);
}

std::string day_of(util::TimePoint t) {
  return util::format_rfc3339(t).substr(0, 10);
}

bool adopt_matches(const core::DesiredCertificate& d, const core::Certificate& c) {
  if (!d.adopt) return false;
  return *d.adopt == c.id || (!c.serial_number.empty() && util::iequals(*d.adopt, c.serial_number));
}

const store::SigningRecord* record_for_id(const View& view, const std::string& certificate_id) {
  for (const auto& r : view.records)
    if (!r.certificate_id.empty() && r.certificate_id == certificate_id) return &r;
  return nullptr;
}

const core::Certificate* mirrored(const core::Snapshot& snapshot, const std::string& id) {
  for (const auto& c : snapshot.certificates)
    if (c.id == id) return &c;
  return nullptr;
}

// A certificate still holds a slot while it has not expired; an unreadable date counts (the
// conservative side: a slot is never assumed free).
bool holds_slot(const core::Certificate& c, util::TimePoint now) {
  auto e = expiry_of(c);
  return !e || *e > now;
}

std::string describe_holder(const SlotHolder& h) {
  std::string who;
  switch (h.owner) {
    case Owner::foreign:
      who = "foreign";
      break;
    case Owner::adopted:
      who = "adopted by \"" + h.name + "\"";
      break;
    case Owner::owned:
      who = "ascsync's \"" + h.name + "\"";
      break;
  }
  if (h.replaced) who += ", replaced";
  std::string out = h.certificate_id;
  if (!h.serial_number.empty())
    out += " (serial " + h.serial_number + ", ";
  else
    out += " (";
  out += who;
  if (!h.expiration_date.empty()) out += ", expires " + h.expiration_date.substr(0, 10);
  return out + ")";
}

std::string describe_slot_block(const SlotReport& slots) {
  std::string msg = "no free " + slots.certificate_type + " certificate slot (" + std::to_string(slots.used) +
                    " of " + std::to_string(slots.limit) + " used by ";
  for (size_t i = 0; i < slots.holders.size(); ++i) {
    if (i) msg += ", ";
    msg += describe_holder(slots.holders[i]);
  }
  msg +=
      "). ascsync revokes only certificates it made and already replaced, so it will not make room. "
      "To free a slot, revoke a certificate nobody needs in the Apple Developer portal (Certificates, "
      "Identifiers & Profiles); if Apple allows this team more, raise policy.certificate_slots." +
      slots.certificate_type + ". The next cycle retries.";
  return msg;
}

const SlotReport* slots_of(const std::vector<SlotReport>& reports, const std::string& type) {
  for (const auto& r : reports)
    if (r.certificate_type == type) return &r;
  return nullptr;
}

std::vector<std::string> sorted_ids(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

std::string device_platform(const std::string& profile_type) {
  return util::starts_with(profile_type, "MAC_") ? "MAC_OS" : "IOS";
}

}  // namespace

const char* to_string(Owner owner) {
  switch (owner) {
    case Owner::owned:
      return "owned";
    case Owner::adopted:
      return "adopted";
    case Owner::foreign:
      return "foreign";
  }
  return "foreign";
}

const char* to_string(Due due) {
  switch (due) {
    case Due::none:
      return "none";
    case Due::missing:
      return "missing";
    case Due::revoked:
      return "revoked";
    case Due::expired:
      return "expired";
    case Due::window:
      return "window";
  }
  return "none";
}

const char* to_string(ProfileAction action) {
  switch (action) {
    case ProfileAction::none:
      return "none";
    case ProfileAction::create:
      return "create";
    case ProfileAction::regenerate:
      return "regenerate";
    case ProfileAction::blocked:
      return "blocked";
  }
  return "none";
}

std::string describe_expiry(util::TimePoint expires, util::TimePoint now) {
  const auto secs = std::chrono::duration_cast<seconds>(expires - now).count();
  const long long day = k_day.count();
  if (secs > 0) {
    const long long days = secs / day;
    if (days == 0) return "expires " + day_of(expires) + ", in less than a day";
    return "expires " + day_of(expires) + ", in " + std::to_string(days) + (days == 1 ? " day" : " days");
  }
  const long long days = -secs / day;
  if (days == 0) return "expired " + day_of(expires) + ", less than a day ago";
  return "expired " + day_of(expires) + ", " + std::to_string(days) + (days == 1 ? " day ago" : " days ago");
}

Holding classify(const core::Certificate& certificate, const core::DesiredState& desired, const View& view) {
  Holding h;
  if (const auto* r = record_for_id(view, certificate.id)) {
    h.owner = r->owned() ? Owner::owned : Owner::adopted;
    h.name = r->name;
    h.current = r->state == "active";
    h.record = r;
    return h;
  }
  for (const auto& d : desired.certificates) {
    if (!adopt_matches(d, certificate)) continue;
    h.owner = Owner::adopted;
    h.name = d.name;
    // Adopted and current unless the name already has a certificate of its own.
    h.current = true;
    for (const auto& r : view.records)
      if (r.name == d.name && r.state == "active") h.current = false;
    return h;
  }
  return h;
}

std::vector<SlotReport> slot_reports(const core::DesiredState& desired, const core::Snapshot& snapshot,
                                     const View& view, util::TimePoint now) {
  std::set<std::string> types;
  for (const auto& d : desired.certificates) types.insert(d.type);
  for (const auto& c : snapshot.certificates) types.insert(c.certificate_type);
  std::vector<SlotReport> out;
  for (const auto& type : types) {
    SlotReport r;
    r.certificate_type = type;
    r.limit = desired.policy.certificate_slot_limit(type);
    if (auto l = view.learned_slot_limits.find(type);
        l != view.learned_slot_limits.end() && l->second < r.limit) {
      r.limit = l->second;
      r.learned = true;
    }
    for (const auto& c : snapshot.certificates) {
      if (c.certificate_type != type || !holds_slot(c, now)) continue;
      const Holding h = classify(c, desired, view);
      r.holders.push_back({c.id, c.serial_number, c.expiration_date, h.owner, h.name,
                           h.owner != Owner::foreign && !h.current});
    }
    std::sort(r.holders.begin(), r.holders.end(), [](const SlotHolder& a, const SlotHolder& b) {
      return std::tie(a.expiration_date, a.certificate_id) < std::tie(b.expiration_date, b.certificate_id);
    });
    r.used = static_cast<int>(r.holders.size());
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<CertificateAssessment> assess_certificates(const core::DesiredState& desired,
                                                       const core::Snapshot& snapshot, const View& view,
                                                       util::TimePoint now) {
  const auto slots = slot_reports(desired, snapshot, view, now);
  // Slots this plan already spends (two due names of one type) and owned replaced certificates
  // already promised to make room.
  std::map<std::string, int> spent;
  std::set<std::string> promised;
  std::vector<CertificateAssessment> out;
  for (const auto& d : desired.certificates) {
    CertificateAssessment a;
    a.declared = &d;
    // The certificate serving the name: the newest active record that Apple still has, else
    // the adopted one.
    const store::SigningRecord* gone = nullptr;
    for (const auto& r : view.records) {
      if (r.name != d.name) continue;
      if (r.state == "requested") a.unsettled = r;
      if (r.state != "active") continue;
      if (const auto* c = mirrored(snapshot, r.certificate_id)) {
        a.current = *c;
        a.owner = r.owned() ? Owner::owned : Owner::adopted;
      } else {
        gone = &r;
      }
    }
    if (!a.current && !gone && d.adopt) {
      for (const auto& c : snapshot.certificates)
        if (adopt_matches(d, c)) {
          a.current = c;
          a.owner = Owner::adopted;
        }
    }
    if (a.current && a.current->certificate_type != d.type) {
      // Declared type changed: the old certificate no longer serves the name.
      a.due = Due::missing;
      a.reason = "declared type " + d.type + " differs from the current certificate's " +
                 a.current->certificate_type;
    } else if (a.current) {
      a.expires = expiry_of(*a.current);
      if (!a.expires) {
        a.due = Due::expired;
        a.reason = "its expiration date \"" + a.current->expiration_date + "\" cannot be read";
      } else {
        seconds lifetime = k_assumed_lifetime;
        // The lifetime as issued (a share of it is the window): from the certificate's own dates,
        // recorded when ascsync verified it; Apple's are valid for a year otherwise.
        if (const auto* r = record_for_id(view, a.current->id); r && r->lifetime && r->lifetime->count() > 0)
          lifetime = *r->lifetime;
        a.renew_at = *a.expires - d.renew_before.before_expiry(lifetime);
        if (*a.expires <= now) {
          a.due = Due::expired;
          a.reason = describe_expiry(*a.expires, now);
        } else if (now >= *a.renew_at) {
          a.due = Due::window;
          a.reason = describe_expiry(*a.expires, now);
        } else {
          a.reason = describe_expiry(*a.expires, now) + "; renews from " + day_of(*a.renew_at);
        }
      }
    } else if (gone) {
      a.due = Due::revoked;
      a.reason = "certificate " + gone->certificate_id +
                 (gone->serial_number.empty() ? "" : " (serial " + gone->serial_number + ")") +
                 " is gone: revoked outside ascsync";
    } else if (d.adopt) {
      a.due = Due::missing;
      a.reason = "the adopted certificate " + *d.adopt + " is not at Apple (revoked, expired or never there)";
    } else {
      a.due = Due::missing;
      a.reason = "no certificate yet";
    }
    if (a.due != Due::none) {
      if (a.unsettled) {
        a.blocked = "an earlier request for \"" + d.name + "\" (key " +
                    a.unsettled->fingerprint.substr(0, 16) +
                    "...) is not settled yet; it is read back (matched by public key) before anything "
                    "new is requested";
      } else if (const auto* s = slots_of(slots, d.type)) {
        int free = s->free() - spent[d.type];
        if (free <= 0) {
          // Only owned certificates already replaced may be revoked to make room.
          for (const auto& h : s->holders)
            if (free <= 0 && h.owner == Owner::owned && h.replaced && !promised.count(h.certificate_id)) {
              a.make_room.push_back(h);
              promised.insert(h.certificate_id);
              ++free;
            }
        }
        if (free <= 0) {
          a.make_room.clear();
          a.blocked = describe_slot_block(*s);
        }
      }
      if (!a.blocked) ++spent[d.type];
      a.revoke_current_after = a.current && a.owner == Owner::owned &&
                               d.revoke_replaced.mode == core::RevokeReplaced::Mode::immediately;
    }
    out.push_back(std::move(a));
  }
  return out;
}

std::vector<ProfileAssessment> assess_profiles(const core::DesiredState& desired,
                                               const core::Snapshot& snapshot, const View& view,
                                               const std::vector<CertificateAssessment>& certificates,
                                               util::TimePoint now) {
  std::vector<ProfileAssessment> out;
  for (const auto& d : desired.profiles) {
    ProfileAssessment a;
    a.declared = &d;
    for (const auto& p : snapshot.profiles)
      if (p.name == d.name) a.existing.push_back(p);
    const auto block = [&](std::string why) {
      a.action = ProfileAction::blocked;
      a.reason = std::move(why);
    };
    for (const auto& b : view.bundle_ids)
      if (b.identifier == d.bundle_id) a.bundle_id_id = b.id;
    std::vector<std::string> missing_certs;
    for (const auto& name : d.certificates) {
      const CertificateAssessment* c = nullptr;
      for (const auto& x : certificates)
        if (x.declared && x.declared->name == name) c = &x;
      if (!c) {
        missing_certs.push_back(name + " (not declared)");
        continue;
      }
      if (c->renews()) {
        a.renewed.push_back(name);
      } else if (c->current && (c->due == Due::none || c->due == Due::window)) {
        a.certificate_ids.push_back(c->current->id);
      } else {
        missing_certs.push_back(name);
      }
    }
    a.certificate_ids = sorted_ids(a.certificate_ids);
    // Devices: only development and ad hoc profiles carry them.
    std::vector<std::string> unknown_devices;
    if (core::profile_takes_devices(d.type) && d.devices) {
      const std::string platform = device_platform(d.type);
      for (const auto& dev : view.devices) {
        if (dev.platform != platform && !(platform == "IOS" && dev.platform == "UNIVERSAL")) continue;
        if (d.devices->all && dev.status == "ENABLED") a.device_ids.push_back(dev.id);
      }
      if (!d.devices->all)
        for (const auto& want : d.devices->names) {
          bool found = false;
          for (const auto& dev : view.devices)
            if (util::iequals(dev.udid, want) || dev.name == want) {
              a.device_ids.push_back(dev.id);
              found = true;
            }
          if (!found) unknown_devices.push_back(want);
        }
      a.device_ids = sorted_ids(a.device_ids);
    }
    if (a.bundle_id_id.empty()) {
      block("bundle id " + d.bundle_id +
            " is not registered with Apple (Certificates, Identifiers & Profiles > Identifiers); register it "
            "first: ascsync does not create App IDs");
    } else if (!missing_certs.empty()) {
      block("no usable certificate for " + util::join(missing_certs, ", ") +
            " (see the certificate changes); the profile is made once it has one");
    } else if (!unknown_devices.empty()) {
      block("device(s) not registered with Apple: " + util::join(unknown_devices, ", ") +
            "; register them (Devices) or remove them from the profile");
    } else if (core::profile_takes_devices(d.type) && a.device_ids.empty()) {
      block("no registered device matches: a " + d.type + " profile needs at least one device");
    } else if (a.existing.empty()) {
      a.action = ProfileAction::create;
      a.reason = "no profile named \"" + d.name + "\" yet";
    } else {
      std::string why;
      const auto& p = a.existing.front();
      const auto p_expires = util::parse_rfc3339(p.expiration_date);
      if (a.existing.size() > 1)
        why = std::to_string(a.existing.size()) + " profiles have this name";
      else if (!p.profile_state.empty() && p.profile_state != "ACTIVE")
        why = "it is " + p.profile_state;
      else if (p_expires && *p_expires <= now)
        why = "it expired " + day_of(*p_expires);
      else if (p.profile_type != d.type)
        why = "its type is " + p.profile_type + ", declared " + d.type;
      else if (p.bundle_id_id != a.bundle_id_id)
        why = "it is for another bundle id (declared " + d.bundle_id + ")";
      else if (!a.renewed.empty())
        why = "its certificate " + util::join(a.renewed, ", ") + " is renewed";
      else if (p.certificate_ids != a.certificate_ids)
        why = "its certificates differ from the declared ones";
      else if (core::profile_takes_devices(d.type)) {
        auto it = view.profile_devices.find(p.id);
        if (it != view.profile_devices.end() && sorted_ids(it->second) != a.device_ids)
          why = "its devices differ from the declared ones";
      }
      if (!why.empty()) {
        a.action = ProfileAction::regenerate;
        a.reason = why;
      }
    }
    out.push_back(std::move(a));
  }
  return out;
}

std::vector<Revocation> due_revocations(const core::DesiredState& desired, const core::Snapshot& snapshot,
                                        const View& view, const std::vector<ProfileAssessment>& profiles,
                                        util::TimePoint now) {
  (void)desired;
  std::vector<Revocation> out;
  for (const auto& r : view.records) {
    if (!r.owned() || r.state != "replaced" || !r.revoke_after || now < *r.revoke_after) continue;
    if (!mirrored(snapshot, r.certificate_id)) continue;  // already gone
    bool waits = false;
    for (const auto& p : profiles) {
      if (p.action == ProfileAction::regenerate || p.action == ProfileAction::create) continue;
      for (const auto& e : p.existing)
        if (std::binary_search(e.certificate_ids.begin(), e.certificate_ids.end(), r.certificate_id))
          waits = true;
    }
    if (waits) continue;
    out.push_back({r, "replaced by " + r.replaced_by + " on " +
                          (r.replaced_at ? day_of(*r.replaced_at) : std::string("?")) +
                          "; revoke_replaced allows revoking it since " + day_of(*r.revoke_after)});
  }
  return out;
}

Assessment assess(const core::DesiredState& desired, const core::Snapshot& snapshot, const View& view,
                  util::TimePoint now) {
  Assessment a;
  a.slots = slot_reports(desired, snapshot, view, now);
  a.certificates = assess_certificates(desired, snapshot, view, now);
  a.profiles = assess_profiles(desired, snapshot, view, a.certificates, now);
  a.revocations = due_revocations(desired, snapshot, view, a.profiles, now);
  return a;
}

}  // namespace signing
