#include "config/desired_signing.hpp"

#include <algorithm>
#include <filesystem>
#include <set>

#include "config/values.hpp"
#include "core/model.hpp"
#include "util/strings.hpp"

namespace config {

namespace signing_detail {

using core::SourceLoc;

std::string q(const std::string& s) {
  return "'" + s + "'";
}

bool name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
         c == '-';
}

bool alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// "did you mean X? valid: A, B, ..." for an unknown enum value.
std::string enum_hint(const std::string& value, const std::vector<std::string>& valid) {
  const std::string near = yaml::closest(value, valid);
  return (near.empty() ? std::string() : "did you mean " + q(near) + "? ") +
         "valid: " + util::join(valid, ", ");
}

// Reports a list key with no value (every entry commented out?), as the rest of the loader does.
bool null_list_value(const yaml::Field& f, const std::string& key, Diagnostics& diags) {
  if (!f.value.is_null()) return false;
  diags.error(f.value_loc, q(key) + " has no value (are all its entries commented out?)",
              "write " + key + ": [] for an empty list, or remove the key");
  return true;
}

// The items of a list field, each with its place; reports a null or non-list value.
template <typename F>
void each_item(const std::string& file, const yaml::Field& f, const std::string& key, Diagnostics& diags,
               F&& fn) {
  if (null_list_value(f, key, diags)) return;
  if (!f.value.is_sequence()) {
    diags.error(f.value_loc, q(key) + " must be a list, not " + yaml::describe(f.value),
                "start each entry with '- '");
    return;
  }
  for (const auto& item : f.value) fn(item, yaml::loc_of(file, item, f.value_loc));
}

// A day-unit duration in (0, max]; reports and returns std::nullopt otherwise.
std::optional<std::chrono::seconds> positive_duration(const std::string& text, const SourceLoc& loc,
                                                      const std::string& key, std::chrono::seconds max,
                                                      const std::string& other_forms, Diagnostics& diags) {
  std::string why;
  auto d = parse_duration_days(util::trim(text), &why);
  const std::string max_text = std::to_string(max.count() / 86400) + "d";
  if (!d) {
    if (why == "too long")
      diags.error(loc, q(key) + " " + q(text) + " is longer than " + max_text, "write at most " + max_text);
    else
      diags.error(loc, q(key) + " " + q(text) + " is not a duration",
                  "write a duration such as 30d, 12h or 1d12h (units d, h, m, s)" + other_forms);
    return std::nullopt;
  }
  if (d->count() <= 0) {
    diags.error(loc, q(key) + " must be longer than zero", "write a duration such as 30d" + other_forms);
    return std::nullopt;
  }
  if (*d > max) {
    diags.error(loc, q(key) + " " + q(text) + " is longer than " + max_text, "write at most " + max_text);
    return std::nullopt;
  }
  return d;
}

std::optional<core::RenewBefore> renew_before(const std::string& text, const SourceLoc& loc,
                                              Diagnostics& diags) {
  const std::string t = util::trim(text);
  core::RenewBefore r;
  if (!t.empty() && t.back() == '%') {
    const std::string digits = t.substr(0, t.size() - 1);
    const bool numeric =
        !digits.empty() && digits.size() <= 3 &&
        std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; });
    const int n = numeric ? std::stoi(digits) : 0;
    if (!numeric || n < 1 || n > 99) {
      diags.error(loc, "'renew_before' " + q(text) + " is not a share of the lifetime from 1% to 99%",
                  "write a whole percentage such as 33% (renew when a third of the lifetime remains)");
      return std::nullopt;
    }
    r.percent = n;
    return r;
  }
  auto d = positive_duration(t, loc, "renew_before", k_max_renew_before,
                             ", or a share of the lifetime such as 33%", diags);
  if (!d) return std::nullopt;
  r.duration = *d;
  return r;
}

std::optional<core::RevokeReplaced> revoke_replaced(const std::string& text, const SourceLoc& loc,
                                                    Diagnostics& diags) {
  const std::string t = util::trim(text);
  core::RevokeReplaced r;
  if (t == "never") return r;
  if (t == "immediately") {
    r.mode = core::RevokeReplaced::Mode::immediately;
    return r;
  }
  std::string why;
  if (auto zero = parse_duration_days(t, &why); zero && zero->count() == 0) {
    diags.error(loc, "'revoke_replaced' of zero",
                "write immediately to revoke as soon as the new one exists");
    return std::nullopt;
  }
  auto d =
      positive_duration(t, loc, "revoke_replaced", k_max_revoke_replaced, ", never or immediately", diags);
  if (!d) return std::nullopt;
  r.mode = core::RevokeReplaced::Mode::after;
  r.after = *d;
  return r;
}

// An absolute, lexically normal path to a file (no trailing '/', no '.' or '..' parts).
bool is_absolute_file_path(const std::string& p) {
  if (p.size() < 2 || p.front() != '/' || p.back() == '/') return false;
  return std::filesystem::path(p).lexically_normal().string() == p;
}

std::optional<core::DesiredExport> read_export(const std::string& file, const yaml::Field& f,
                                               const DesiredStateKeys& keys, Diagnostics& diags) {
  if (f.value.is_null()) {
    diags.error(f.value_loc, "'export' has no value", "give p12: and password_file:, or remove export");
    return std::nullopt;
  }
  yaml::MapReader map(file, f.value, f.value_loc, "'export'", keys.certificate_export, diags);
  if (!map.is_map()) return std::nullopt;
  core::DesiredExport e;
  e.loc = f.value_loc;
  bool ok = true;
  if (auto p12 = map.string("p12", true)) {
    e.p12 = *p12;
    if (!is_absolute_file_path(e.p12)) {
      diags.error(map.field("p12")->value_loc, "'p12' " + q(e.p12) + " is not an absolute path to a file",
                  "write a path such as /var/lib/ascsync/identities/app-store.p12 (no '.' or '..' parts)");
      ok = false;
    }
  } else {
    ok = false;
  }
  if (auto pw = map.string("password_file", true)) {
    e.password_file = *pw;
    const SourceLoc ploc = map.field("password_file")->value_loc;
    if (e.password_file.find('/') != std::string::npos) {
      e.password_source = core::DesiredExport::PasswordSource::file;
      if (!is_absolute_file_path(e.password_file)) {
        diags.error(
            ploc,
            "'password_file' " + q(e.password_file) + " is neither an absolute path nor a credential name",
            "write an absolute path (/etc/ascsync/p12-password) or a bare systemd credential name "
            "(p12-password, from LoadCredential=)");
        ok = false;
      }
    } else {
      e.password_source = core::DesiredExport::PasswordSource::credential;
      if (!is_credential_name(e.password_file)) {
        diags.error(
            ploc, "'password_file' " + q(e.password_file) + " is not a systemd credential name",
            "a credential name uses A-Z, a-z, 0-9, '.', '_' and '-'; for a file write an absolute path");
        ok = false;
      }
    }
  } else {
    ok = false;
  }
  if (!ok) return std::nullopt;
  return e;
}

void read_certificate(const std::string& file, const yaml::Node& node, const SourceLoc& loc,
                      const DesiredStateKeys& keys, SigningDeclarations& decl, Diagnostics& diags) {
  yaml::MapReader map(file, node, loc, "a certificate", keys.certificate, diags);
  if (!map.is_map()) return;
  core::DesiredCertificate c;
  c.loc = loc;
  bool ok = true;
  if (auto name = map.string("name", true)) {
    c.name = *name;
    if (!is_certificate_name(c.name)) {
      diags.error(
          map.field("name")->value_loc, "certificate name " + q(c.name) + " is not valid",
          "use 1-64 characters from A-Z, a-z, 0-9, '.', '_' and '-', starting with a letter or digit");
      ok = false;
    }
  } else {
    ok = false;
  }
  if (auto type = map.string("type", true)) {
    c.type = *type;
    if (!core::is_certificate_type(c.type)) {
      diags.error(map.field("type")->value_loc, "unknown certificate type " + q(c.type),
                  enum_hint(c.type, core::k_certificate_types));
      ok = false;
    }
  } else {
    ok = false;
  }
  if (auto v = map.string("renew_before")) {
    if (auto r = renew_before(*v, map.field("renew_before")->value_loc, diags))
      c.renew_before = *r;
    else
      ok = false;
  } else if (map.has("renew_before")) {
    ok = false;
  }
  if (auto v = map.string("revoke_replaced")) {
    if (auto r = revoke_replaced(*v, map.field("revoke_replaced")->value_loc, diags))
      c.revoke_replaced = *r;
    else
      ok = false;
  } else if (map.has("revoke_replaced")) {
    ok = false;
  }
  if (auto v = map.string("adopt")) {
    const std::string a = util::trim(*v);
    if (a.empty() || a.size() > 64 || !std::all_of(a.begin(), a.end(), alnum)) {
      diags.error(
          map.field("adopt")->value_loc, "'adopt' " + q(*v) + " is not a certificate id or serial number",
          "write Apple's certificate id (as `ascsync show certificates` lists it) or its serial number "
          "in hex, without ':'");
      ok = false;
    } else {
      c.adopt = a;
    }
  } else if (map.has("adopt")) {
    ok = false;
  }
  if (const auto* f = map.field("export")) {
    if (auto e = read_export(file, *f, keys, diags))
      c.export_to = std::move(*e);
    else
      ok = false;
  }
  if (ok)
    decl.certificates.push_back(std::move(c));
  else if (!c.name.empty())
    decl.rejected_certificates.insert(c.name);
}

void read_devices(const yaml::Field& f, ProfileDecl& decl, Diagnostics& diags, bool& ok) {
  const std::string& type = decl.profile.type;
  if (core::is_profile_type(type) && !core::profile_takes_devices(type)) {
    diags.error(f.key_loc, "'devices' applies to development and ad hoc profiles only, not " + type,
                "remove devices: " + type + " profiles carry no device list");
    ok = false;
    return;
  }
  if (null_list_value(f, "devices", diags)) {
    ok = false;
    return;
  }
  core::DesiredDevices d;
  if (f.value.is_scalar()) {
    if (util::trim(f.value.scalar()) != "all") {
      diags.error(
          f.value_loc,
          "'devices' must be all or a list of UDIDs or device names, not " + q(std::string(f.value.scalar())),
          "write devices: all, or devices: [UDID, \"Sam's iPhone\"]");
      ok = false;
      return;
    }
    decl.profile.devices = d;
    return;
  }
  if (!f.value.is_sequence()) {
    diags.error(f.value_loc, "'devices' must be all or a list, not " + yaml::describe(f.value),
                "write devices: all, or devices: [UDID, \"Sam's iPhone\"]");
    ok = false;
    return;
  }
  d.all = false;
  std::map<std::string, SourceLoc> seen;
  for (const auto& item : f.value) {
    const SourceLoc iloc = yaml::loc_of(f.value_loc.file, item, f.value_loc);
    if (!item.is_scalar()) {
      diags.error(iloc, "items of 'devices' must be strings, not " + yaml::describe(item),
                  "write a UDID or a device name");
      ok = false;
      continue;
    }
    if (!yaml::check_text(item.scalar(), iloc, "an item of 'devices'", diags)) {
      ok = false;
      continue;
    }
    const std::string dev = util::trim(item.scalar());
    if (dev.empty()) {
      diags.error(iloc, "a device cannot be empty", "write a UDID or a device name");
      ok = false;
      continue;
    }
    if (dev == "all") {
      diags.error(iloc, "'all' inside a device list", "write devices: all (not in a list) for every device");
      ok = false;
      continue;
    }
    if (auto it = seen.find(dev); it != seen.end()) {
      diags.duplicate(iloc, it->second, "device " + q(dev) + " is listed twice", "list each device once");
      ok = false;
      continue;
    }
    seen.emplace(dev, iloc);
    d.names.push_back(dev);
  }
  if (f.value.size() == 0) {
    diags.error(f.value_loc, "a " + type + " profile needs at least one device",
                "write devices: all, or list the devices (Apple refuses such a profile without devices)");
    ok = false;
  }
  std::sort(d.names.begin(), d.names.end());
  decl.profile.devices = std::move(d);
}

void read_profile(const std::string& file, const yaml::Node& node, const SourceLoc& loc,
                  const DesiredStateKeys& keys, SigningDeclarations& decl, Diagnostics& diags) {
  yaml::MapReader map(file, node, loc, "a profile", keys.profile, diags);
  if (!map.is_map()) return;
  ProfileDecl d;
  core::DesiredProfile& p = d.profile;
  p.loc = loc;
  bool ok = true;
  if (auto name = map.string("name", true)) {
    p.name = *name;
    if (util::trim(p.name).empty()) {
      diags.error(map.field("name")->value_loc, "a profile name cannot be empty",
                  "write Apple's profile name");
      ok = false;
    }
  } else {
    ok = false;
  }
  if (auto type = map.string("type", true)) {
    p.type = *type;
    d.type_loc = map.field("type")->value_loc;
    if (!core::is_profile_type(p.type)) {
      diags.error(d.type_loc, "unknown profile type " + q(p.type), enum_hint(p.type, core::k_profile_types));
      ok = false;
    }
  } else {
    ok = false;
  }
  if (auto bundle = map.string("bundle_id", true)) {
    p.bundle_id = *bundle;
    if (!is_valid_bundle_id(p.bundle_id)) {
      diags.error(map.field("bundle_id")->value_loc, q(p.bundle_id) + " is not a bundle id",
                  "write it as com.example.app");
      ok = false;
    }
  } else {
    ok = false;
  }
  if (const auto* f = map.field("certificates")) {
    // A null value is reported by null_list_value; a malformed list by string_list.
    auto list = null_list_value(*f, "certificates", diags) ? std::nullopt : map.string_list("certificates");
    if (list) {
      if (list->empty()) {
        diags.error(f->value_loc, "a profile needs at least one certificate",
                    "name certificates declared under certificates:");
        ok = false;
      }
      std::map<std::string, SourceLoc> seen;
      for (const auto& [name, nloc] : *list) {
        if (auto it = seen.find(name); it != seen.end()) {
          diags.duplicate(nloc, it->second, "certificate " + q(name) + " is listed twice",
                          "list each certificate once");
          ok = false;
          continue;
        }
        seen.emplace(name, nloc);
        d.certificate_refs.push_back(CertificateRef{name, nloc});
      }
    } else {
      ok = false;
    }
  } else {
    map.require("certificates");
    ok = false;
  }
  if (const auto* f = map.field("devices")) {
    read_devices(*f, d, diags, ok);
  } else if (core::profile_takes_devices(p.type)) {
    p.devices = core::DesiredDevices{};  // development and ad hoc: every device by default
  }
  if (ok) decl.profiles.push_back(std::move(d));
}

}  // namespace signing_detail

bool is_certificate_name(const std::string& name) {
  if (name.empty() || name.size() > 64 || !signing_detail::alnum(name.front())) return false;
  return std::all_of(name.begin(), name.end(), signing_detail::name_char);
}

bool is_credential_name(const std::string& name) {
  if (name.empty() || name.size() > 255 || name == "." || name == "..") return false;
  return std::all_of(name.begin(), name.end(), signing_detail::name_char);
}

void read_certificate_slots(const std::string& file, const yaml::Field& field, core::Policy& policy,
                            SigningDeclarations& decl, Diagnostics& diags) {
  using signing_detail::q;
  if (field.value.is_null()) {
    diags.error(field.value_loc, "'certificate_slots' has no value",
                "write certificate_slots: {IOS_DISTRIBUTION: 3}, or remove the key (every type then has " +
                    std::to_string(core::k_default_certificate_slots) + ")");
    return;
  }
  yaml::MapReader map(file, field.value, field.value_loc, "'policy.certificate_slots'",
                      core::k_certificate_types, diags);
  if (!map.is_map()) return;
  for (const auto& type : core::k_certificate_types) {
    const auto* f = map.field(type);
    if (!f) continue;
    if (auto v = map.integer(type, 1, k_max_certificate_slots)) {
      policy.certificate_slots[type] = static_cast<int>(*v);
      decl.slot_locs[type] = f->value_loc;
    }
  }
}

void read_certificates(const std::string& file, const yaml::Field& field, const DesiredStateKeys& keys,
                       SigningDeclarations& decl, Diagnostics& diags) {
  decl.present = true;
  signing_detail::each_item(file, field, "certificates", diags,
                            [&](const yaml::Node& n, const core::SourceLoc& loc) {
                              signing_detail::read_certificate(file, n, loc, keys, decl, diags);
                            });
}

void read_profiles(const std::string& file, const yaml::Field& field, const DesiredStateKeys& keys,
                   SigningDeclarations& decl, Diagnostics& diags) {
  decl.present = true;
  signing_detail::each_item(file, field, "profiles", diags,
                            [&](const yaml::Node& n, const core::SourceLoc& loc) {
                              signing_detail::read_profile(file, n, loc, keys, decl, diags);
                            });
}

void resolve_signing(const SigningDeclarations& decl, core::DesiredState& out, Diagnostics& diags) {
  using signing_detail::q;
  out.manage_signing = decl.present;

  std::map<std::string, const core::DesiredCertificate*> by_name;
  std::map<std::string, const core::DesiredCertificate*> by_adopt;
  std::map<std::string, const core::DesiredCertificate*> by_p12;
  std::map<std::string, std::vector<const core::DesiredCertificate*>> by_type;
  for (const auto& c : decl.certificates) {
    if (auto it = by_name.find(c.name); it != by_name.end()) {
      diags.duplicate(c.loc, it->second->loc, "certificate " + q(c.name) + " is declared twice",
                      "certificate names are unique across every file of the desired state");
      continue;
    }
    by_name.emplace(c.name, &c);
    if (c.adopt) {
      // Ids and serials differ only in case at most; one certificate cannot fill two slots.
      const std::string key = util::to_lower(*c.adopt);
      if (auto it = by_adopt.find(key); it != by_adopt.end())
        diags.duplicate(c.loc, it->second->loc,
                        "certificates " + q(it->second->name) + " and " + q(c.name) +
                            " adopt the same certificate " + *c.adopt,
                        "adopt each existing certificate once");
      else
        by_adopt.emplace(key, &c);
    }
    if (c.export_to) {
      if (auto it = by_p12.find(c.export_to->p12); it != by_p12.end())
        diags.duplicate(c.export_to->loc, it->second->export_to->loc,
                        "certificates " + q(it->second->name) + " and " + q(c.name) +
                            " export to the same file " + c.export_to->p12,
                        "give each certificate its own p12 path");
      else
        by_p12.emplace(c.export_to->p12, &c);
    }
    by_type[c.type].push_back(&c);
    out.certificates.push_back(c);
  }
  std::sort(
      out.certificates.begin(), out.certificates.end(),
      [](const core::DesiredCertificate& a, const core::DesiredCertificate& b) { return a.name < b.name; });

  for (const auto& [type, certs] : by_type) {
    const int limit = out.policy.certificate_slot_limit(type);
    const size_t n = certs.size();
    if (n > static_cast<size_t>(limit)) {
      diags.error(certs[static_cast<size_t>(limit)]->loc,
                  std::to_string(n) + " " + type + " certificates are declared but the team has " +
                      std::to_string(limit) + " slots of that type",
                  "declare at most " + std::to_string(limit) + ", or raise policy.certificate_slots." + type +
                      " if Apple allows more");
    } else if (n == static_cast<size_t>(limit)) {
      // Why a warning: renewal makes the new certificate before the old one goes, so it needs a
      // free slot; with every slot declared, renewals block until one expires or is revoked.
      diags.warning(
          certs.back()->loc,
          "all " + std::to_string(limit) + " " + type +
              " slots are taken by declared certificates; renewing one needs a free slot",
          "declare fewer, or expect renewals to wait until a replaced certificate is revoked or expires");
    }
  }

  std::map<std::string, const ProfileDecl*> profiles;
  for (const auto& pd : decl.profiles) {
    const core::DesiredProfile& p = pd.profile;
    if (auto it = profiles.find(p.name); it != profiles.end()) {
      diags.duplicate(p.loc, it->second->profile.loc, "profile " + q(p.name) + " is declared twice",
                      "profile names are unique in a team; declare each once");
      continue;
    }
    profiles.emplace(p.name, &pd);
    bool ok = true;
    core::DesiredProfile resolved = p;
    for (const auto& ref : pd.certificate_refs) {
      auto it = by_name.find(ref.name);
      if (it == by_name.end() && decl.rejected_certificates.count(ref.name) > 0) {
        ok = false;  // its own errors are reported where it is declared
        continue;
      }
      if (it == by_name.end()) {
        std::vector<std::string> names;
        names.reserve(by_name.size());
        for (const auto& [n, c] : by_name) names.push_back(n);
        const std::string near = yaml::closest(ref.name, names);
        diags.error(ref.loc,
                    "profile " + q(p.name) + " names certificate " + q(ref.name) + ", which is not declared",
                    near.empty() ? "declare it under certificates:" : "did you mean " + q(near) + "?");
        ok = false;
        continue;
      }
      const core::DesiredCertificate& c = *it->second;
      if (!core::certificate_fits_profile(c.type, p.type)) {
        diags.error(
            ref.loc,
            "certificate " + q(c.name) + " is " + c.type + ", which cannot sign a " + p.type + " profile",
            "a " + p.type + " profile takes " +
                util::join(core::certificate_types_for_profile(p.type), " or ") + " certificates");
        ok = false;
        continue;
      }
      resolved.certificates.push_back(ref.name);
    }
    if (!ok) continue;
    std::sort(resolved.certificates.begin(), resolved.certificates.end());
    out.profiles.push_back(std::move(resolved));
  }
  std::sort(out.profiles.begin(), out.profiles.end(),
            [](const core::DesiredProfile& a, const core::DesiredProfile& b) { return a.name < b.name; });
}

}  // namespace config
