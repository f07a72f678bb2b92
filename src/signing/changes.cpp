#include "signing/changes.hpp"

#include "signing/steps.hpp"

namespace signing {

const char* symbol(ChangeAction action) {
  switch (action) {
    case ChangeAction::create:
      return "+";
    case ChangeAction::renew:
      return "+/-";
    case ChangeAction::regenerate:
      return "-/+";
    case ChangeAction::revoke:
      return "-";
    case ChangeAction::blocked:
      return "!";
  }
  return "!";
}

std::string SigningChange::text() const {
  std::string what = kind + " \"" + name + "\"";
  switch (action) {
    case ChangeAction::create:
      return std::string("+ ") + what + " will be created (" + reason + ")";
    case ChangeAction::renew:
      return std::string("+/- ") + what + " will be renewed (" + reason + ")";
    case ChangeAction::regenerate:
      return std::string("-/+ ") + what + " will be regenerated (" + reason + ")";
    case ChangeAction::revoke:
      return std::string("- ") + what + " " + certificate_id + " will be revoked (" + reason + ")";
    case ChangeAction::blocked:
      return std::string("! ") + what + " is blocked: " + reason;
  }
  return what;
}

std::vector<SigningChange> changes_of(const Assessment& assessment) {
  std::vector<SigningChange> out;
  for (const auto& a : assessment.certificates) {
    if (a.due == Due::none) continue;
    SigningChange c;
    c.kind = "certificate";
    c.name = a.declared->name;
    c.key = renewal_key(c.name);
    c.reason = a.reason;
    if (a.blocked) {
      c.action = ChangeAction::blocked;
      c.reason = *a.blocked;
    } else {
      c.action = a.current ? ChangeAction::renew : ChangeAction::create;
      if (a.due == Due::revoked) c.action = ChangeAction::renew;
      for (const auto& h : a.make_room)
        c.reason += "; first revokes " + h.certificate_id + " (ascsync's \"" + h.name +
                    "\", already replaced) to free a slot";
    }
    out.push_back(std::move(c));
  }
  for (const auto& p : assessment.profiles) {
    if (p.action == ProfileAction::none) continue;
    SigningChange c;
    c.kind = "profile";
    c.name = p.declared->name;
    c.key = profile_key(c.name);
    c.reason = p.reason;
    c.action = p.action == ProfileAction::create       ? ChangeAction::create
               : p.action == ProfileAction::regenerate ? ChangeAction::regenerate
                                                       : ChangeAction::blocked;
    out.push_back(std::move(c));
  }
  for (const auto& r : assessment.revocations) {
    SigningChange c;
    c.kind = "certificate";
    c.name = r.record.name;
    c.key = revocation_key(c.name, r.record.certificate_id);
    c.certificate_id = r.record.certificate_id;
    c.action = ChangeAction::revoke;
    c.reason = r.reason;
    out.push_back(std::move(c));
  }
  return out;
}

std::string describe_slots(const SlotReport& slots) {
  std::string out = slots.certificate_type + ": " + std::to_string(slots.used) + " of " +
                    std::to_string(slots.limit) + " slots used";
  if (slots.holders.empty()) return out;
  out += " (";
  for (size_t i = 0; i < slots.holders.size(); ++i) {
    const auto& h = slots.holders[i];
    if (i) out += ", ";
    switch (h.owner) {
      case Owner::owned:
        out += "ascsync's \"" + h.name + "\"";
        break;
      case Owner::adopted:
        out += "adopted \"" + h.name + "\"";
        break;
      case Owner::foreign:
        out += "foreign " + h.certificate_id;
        break;
    }
    if (h.replaced) out += " (replaced)";
    if (!h.expiration_date.empty()) out += " expires " + h.expiration_date.substr(0, 10);
  }
  return out + ")";
}

}  // namespace signing
