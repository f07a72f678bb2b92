// Signing reads beyond the snapshot: bundle ids, devices, certificate content (read-back by
// public key), a profile's devices and profiles by name. Strict like the snapshot's listings.
#include <algorithm>
#include <map>

#include "asc/api.hpp"
#include "asc/decode.hpp"
#include "util/crypto.hpp"
#include "util/strings.hpp"

namespace asc {

namespace {

const std::string k_signing_page = std::to_string(k_page_limit);

// Walks every page of `path`, reading each resource of `type` with `read` (which reports errors
// through the reader). Resources are kept by id, sorted.
template <typename T, typename Read>
util::Result<std::vector<T>> list_signing_resources(Client& client, const std::string& route,
                                                    const std::string& path, const char* type, Read read) {
  std::map<std::string, T> by_id;
  auto st = client.for_each_page(route, path, [&](const Json& page) -> util::Status {
    for (const auto& item : page.at("data")) {
      ResourceReader rd(item, type);
      T value = read(rd);
      if (auto ok = rd.status(); !ok) return ok;
      by_id.insert_or_assign(rd.id(), std::move(value));
    }
    return util::ok_status();
  });
  if (!st) return st.error();
  std::vector<T> out;
  out.reserve(by_id.size());
  for (auto& [id, v] : by_id) out.push_back(std::move(v));
  return out;
}

}  // namespace

util::Result<std::vector<BundleId>> Api::list_bundle_ids() {
  const std::string path =
      "/v1/bundleIds" +
      Query().add("limit", k_signing_page).add("fields[bundleIds]", "name,platform,identifier").str();
  return list_signing_resources<BundleId>(*m_client, "GET /v1/bundleIds", path, "bundleIds",
                                          [](ResourceReader& rd) {
                                            BundleId b;
                                            b.id = rd.id();
                                            b.identifier = rd.string("identifier", Need::required);
                                            b.name = rd.string("name", Need::optional);
                                            b.platform = rd.string("platform", Need::optional);
                                            return b;
                                          });
}

util::Result<std::vector<Device>> Api::list_devices() {
  const std::string path =
      "/v1/devices" +
      Query().add("limit", k_signing_page).add("fields[devices]", "name,platform,udid,status").str();
  return list_signing_resources<Device>(*m_client, "GET /v1/devices", path, "devices",
                                        [](ResourceReader& rd) {
                                          Device d;
                                          d.id = rd.id();
                                          d.udid = rd.string("udid", Need::required);
                                          d.name = rd.string("name", Need::optional);
                                          d.platform = rd.string("platform", Need::optional);
                                          d.status = rd.string("status", Need::required);
                                          return d;
                                        });
}

util::Result<std::vector<CertificateContent>> Api::list_certificate_contents(
    const std::string& certificate_type) {
  Query q;
  q.add("limit", k_signing_page)
      .add("fields[certificates]", "certificateType,serialNumber,certificateContent");
  if (!certificate_type.empty()) q.add("filter[certificateType]", certificate_type);
  auto listed = list_signing_resources<CertificateContent>(
      *m_client, "GET /v1/certificates", "/v1/certificates" + q.str(), "certificates",
      [](ResourceReader& rd) {
        CertificateContent c;
        c.id = rd.id();
        c.certificate_type = rd.string("certificateType", Need::required);
        c.serial_number = rd.string("serialNumber", Need::required);
        c.der = rd.string("certificateContent", Need::required);  // base64 until decoded below
        return c;
      });
  if (!listed) return listed;
  for (auto& c : *listed) {
    auto der = util::base64_decode(c.der);
    if (!der)
      return util::make_error(util::ErrorKind::client, "GET /v1/certificates: certificate " + c.id +
                                                           ": certificateContent is not base64");
    c.der = std::move(*der);
  }
  return listed;
}

util::Result<std::vector<std::string>> Api::list_profile_device_ids(const std::string& profile_id) {
  const std::string path = "/v1/profiles/" + util::url_encode(profile_id) + "/devices" +
                           Query().add("limit", k_signing_page).add("fields[devices]", "udid").str();
  auto listed = list_signing_resources<std::string>(*m_client, "GET /v1/profiles/{id}/devices", path,
                                                    "devices", [](ResourceReader& rd) { return rd.id(); });
  return listed;
}

util::Result<std::vector<core::Profile>> Api::find_profiles_by_name(const std::string& name) {
  const std::string path =
      "/v1/profiles" + Query()
                           .add("filter[name]", name)
                           .add("limit", k_signing_page)
                           .add("fields[profiles]",
                                "name,platform,profileType,profileState,uuid,createdDate,"
                                "expirationDate,bundleId,certificates")
                           .add("include", "bundleId,certificates")
                           .add("limit[certificates]", std::to_string(k_include_limit))
                           .add("fields[bundleIds]", "identifier")
                           .add("fields[certificates]", "serialNumber")
                           .str();
  std::vector<core::Profile> out;
  auto st = m_client->for_each_page("GET /v1/profiles", path, [&](const Json& page) -> util::Status {
    for (const auto& item : page.at("data")) {
      auto p = decode_profile(item, DecodeMode::listing);
      if (!p) return p.error();
      // Apple's filter[name] may match loosely; the read-back wants the exact name.
      if (p->name == name) out.push_back(std::move(*p));
    }
    return util::ok_status();
  });
  if (!st) return st.error();
  std::sort(out.begin(), out.end(),
            [](const core::Profile& a, const core::Profile& b) { return a.id < b.id; });
  return out;
}

}  // namespace asc
