#include "signing/report.hpp"

#include <algorithm>

#include "store/signing.hpp"
#include "util/time.hpp"

namespace signing {

std::vector<CertificateRow> certificate_rows(const core::DesiredState& desired,
                                             const core::Snapshot& snapshot, const View& view) {
  std::vector<CertificateRow> out;
  for (const auto& c : snapshot.certificates) {
    const Holding h = classify(c, desired, view);
    CertificateRow r;
    r.id = c.id;
    r.certificate_type = c.certificate_type;
    r.serial_number = c.serial_number;
    r.display_name = c.display_name.empty() ? c.name : c.display_name;
    r.expiration_date = c.expiration_date;
    r.expires = util::parse_rfc3339(c.expiration_date);
    r.owner = h.owner;
    r.name = h.name;
    r.current = h.current;
    out.push_back(std::move(r));
  }
  std::sort(out.begin(), out.end(), [](const CertificateRow& a, const CertificateRow& b) {
    return std::tie(a.certificate_type, a.expiration_date, a.id) <
           std::tie(b.certificate_type, b.expiration_date, b.id);
  });
  return out;
}

std::vector<ProfileRow> profile_rows(const core::DesiredState& desired, const core::Snapshot& snapshot) {
  std::vector<ProfileRow> out;
  for (const auto& p : snapshot.profiles) {
    ProfileRow r;
    r.id = p.id;
    r.name = p.name;
    r.profile_type = p.profile_type;
    r.profile_state = p.profile_state;
    r.expiration_date = p.expiration_date;
    r.expires = util::parse_rfc3339(p.expiration_date);
    r.declared = std::any_of(desired.profiles.begin(), desired.profiles.end(),
                             [&](const core::DesiredProfile& d) { return d.name == p.name; });
    r.certificate_ids = p.certificate_ids;
    out.push_back(std::move(r));
  }
  std::sort(out.begin(), out.end(), [](const ProfileRow& a, const ProfileRow& b) {
    return std::tie(a.name, a.id) < std::tie(b.name, b.id);
  });
  return out;
}

util::Result<View> local_view(store::Database& db, const std::string& team) {
  store::SigningRecords records(db);
  View v;
  auto rows = records.list(team);
  if (!rows) return rows.error();
  v.records = std::move(*rows);
  auto learned = records.learned_slot_limits(team);
  if (!learned) return learned.error();
  v.learned_slot_limits = std::move(*learned);
  return v;
}

nlohmann::json status_json(const std::vector<SlotReport>& slots,
                           const std::vector<CertificateRow>& certificates,
                           const std::vector<ProfileRow>& profiles, util::TimePoint now) {
  using nlohmann::json;
  const auto seconds_left = [&](const std::optional<util::TimePoint>& t) -> json {
    if (!t) return nullptr;
    return std::chrono::duration_cast<std::chrono::seconds>(*t - now).count();
  };
  json s = json::array();
  for (const auto& r : slots) {
    json holders = json::array();
    for (const auto& h : r.holders)
      holders.push_back({{"id", h.certificate_id},
                         {"serial", h.serial_number},
                         {"owner", to_string(h.owner)},
                         {"name", h.name},
                         {"replaced", h.replaced},
                         {"expires", h.expiration_date}});
    s.push_back({{"type", r.certificate_type},
                 {"used", r.used},
                 {"limit", r.limit},
                 {"learned", r.learned},
                 {"holders", holders}});
  }
  json c = json::array();
  for (const auto& r : certificates)
    c.push_back({{"id", r.id},
                 {"type", r.certificate_type},
                 {"serial", r.serial_number},
                 {"owner", to_string(r.owner)},
                 {"name", r.name},
                 {"current", r.current},
                 {"expires", r.expiration_date},
                 {"seconds_to_expiry", seconds_left(r.expires)}});
  json p = json::array();
  for (const auto& r : profiles)
    p.push_back({{"id", r.id},
                 {"name", r.name},
                 {"type", r.profile_type},
                 {"state", r.profile_state},
                 {"declared", r.declared},
                 {"certificates", r.certificate_ids},
                 {"expires", r.expiration_date},
                 {"seconds_to_expiry", seconds_left(r.expires)}});
  return {{"slots", s}, {"certificates", c}, {"profiles", p}};
}

}  // namespace signing
