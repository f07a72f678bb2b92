// Certificates, profiles and certificate slots in the desired state (issue 10): the shape,
// defaults, and every validation error at its file:line:col with a hint.
#include <doctest/doctest.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "config/desired_signing.hpp"
#include "config/desired_state.hpp"
#include "config/values.hpp"
#include "core/model.hpp"
#include "support/diagnostics.hpp"

namespace {

using test_support::has;

// "team: acme" on line 1, then `body` from line 2, as one document "s.yaml".
config::Diagnostics signing_diags(const std::string& body) {
  config::Diagnostics diags;
  (void)config::parse_desired_state({{"s.yaml", "team: acme\n" + body}}, &diags);
  return diags;
}

util::Result<core::DesiredState> signing_state(const std::string& body,
                                               config::Diagnostics* diags = nullptr) {
  return config::parse_desired_state({{"s.yaml", "team: acme\n" + body}}, diags);
}

// The issue's example, verbatim apart from a real-looking adopt id.
const char* k_signing_issue_example = R"(team: acme
policy:
  certificate_slots: {IOS_DISTRIBUTION: 3, DISTRIBUTION: 3}
certificates:
  - name: app-store
    type: IOS_DISTRIBUTION
    renew_before: 30d
    revoke_replaced: 7d
    adopt: 8KQ2ABCDEF
    export:
      p12: /var/lib/ascsync/identities/app-store.p12
      password_file: p12-password
profiles:
  - name: Shop App Store
    type: IOS_APP_STORE
    bundle_id: com.acme.shop
    certificates: [app-store]
)";

// A valid development certificate, for profile cases (line 2..4 of the body).
const std::string k_signing_dev_cert = "certificates:\n  - {name: dev, type: IOS_DEVELOPMENT}\n";

struct SigningErrorCase {
  std::string name;
  std::string body;  // from line 2
  int line;          // where the error must be: this line,
  std::string at;    // at the column where this text first appears on it
  std::vector<std::string> parts;
};

// "s.yaml:LINE:COL" for the first `at` on `line` of the document signing_diags builds.
std::string signing_loc(const std::string& body, int line, const std::string& at) {
  const std::string doc = "team: acme\n" + body;
  size_t start = 0;
  for (int l = 1; l < line; ++l) start = doc.find('\n', start) + 1;
  const size_t end = doc.find('\n', start);
  const size_t col = doc.substr(start, end - start).find(at);
  REQUIRE(col != std::string::npos);
  return "s.yaml:" + std::to_string(line) + ":" + std::to_string(col + 1);
}

}  // namespace

TEST_CASE("the issue's certificates and profiles example loads") {
  config::Diagnostics diags;
  auto r = config::parse_desired_state({{"s.yaml", k_signing_issue_example}}, &diags);
  INFO(diags.render());
  REQUIRE(r.ok());
  CHECK(r->manage_signing);
  CHECK_FALSE(r->manage_users);
  CHECK(r->policy.certificate_slots.size() == 2);
  CHECK(r->policy.certificate_slot_limit("IOS_DISTRIBUTION") == 3);
  CHECK(r->policy.certificate_slot_limit("DEVELOPER_ID_APPLICATION") == core::k_default_certificate_slots);
  REQUIRE(r->certificates.size() == 1);
  const auto& c = r->certificates[0];
  CHECK(c.name == "app-store");
  CHECK(c.type == "IOS_DISTRIBUTION");
  CHECK(c.renew_before.percent == 0);
  CHECK(c.renew_before.duration == std::chrono::hours(30 * 24));
  CHECK(c.revoke_replaced.mode == core::RevokeReplaced::Mode::after);
  CHECK(c.revoke_replaced.after == std::chrono::hours(7 * 24));
  CHECK(c.adopt == std::optional<std::string>("8KQ2ABCDEF"));
  REQUIRE(c.export_to.has_value());
  CHECK(c.export_to->p12 == "/var/lib/ascsync/identities/app-store.p12");
  CHECK(c.export_to->password_file == "p12-password");
  CHECK(c.export_to->password_source == core::DesiredExport::PasswordSource::credential);
  CHECK(c.loc.str() == "s.yaml:5:5");
  REQUIRE(r->profiles.size() == 1);
  const auto& p = r->profiles[0];
  CHECK(p.name == "Shop App Store");
  CHECK(p.type == "IOS_APP_STORE");
  CHECK(p.bundle_id == "com.acme.shop");
  CHECK(p.certificates == std::vector<std::string>{"app-store"});
  CHECK_FALSE(p.devices.has_value());  // store profiles carry no devices
  CHECK(p.loc.str() == "s.yaml:14:5");
}

TEST_CASE("signing defaults, sorting and the forms each field takes") {
  config::Diagnostics diags;
  auto r = signing_state(R"(certificates:
  - {name: zed, type: DEVELOPMENT, renew_before: 33%, revoke_replaced: immediately}
  - {name: dev, type: IOS_DEVELOPMENT, renew_before: 1d12h, revoke_replaced: never,
     export: {p12: /srv/ci/dev.p12, password_file: /etc/ascsync/p12-password}}
  - {name: mac, type: DEVELOPER_ID_APPLICATION_G2}
  - {name: adhoc, type: DISTRIBUTION}
profiles:
  - {name: Shop Dev, type: IOS_APP_DEVELOPMENT, bundle_id: com.acme.shop, certificates: [zed, dev]}
  - name: Shop Ad Hoc
    type: IOS_APP_ADHOC
    bundle_id: com.acme.shop
    certificates: [adhoc]
    devices: [Sam's iPhone, 00008030-001A2B3C4D5E6F70]
  - {name: Direct, type: MAC_APP_DIRECT, bundle_id: com.acme.mac, certificates: [mac]}
  - {name: All, type: TVOS_APP_ADHOC, bundle_id: "com.acme.*", certificates: [adhoc], devices: all}
)",
                         &diags);
  INFO(diags.render());
  REQUIRE(r.ok());
  CHECK(diags.empty());
  CHECK(r->manage_signing);
  CHECK(r->policy.certificate_slots.empty());
  REQUIRE(r->certificates.size() == 4);
  CHECK(r->certificates[0].name == "adhoc");
  CHECK(r->certificates[1].name == "dev");
  CHECK(r->certificates[2].name == "mac");
  CHECK(r->certificates[3].name == "zed");
  const auto& dev = r->certificates[1];
  CHECK(dev.renew_before.duration == std::chrono::hours(36));
  CHECK(dev.revoke_replaced.mode == core::RevokeReplaced::Mode::never);
  CHECK(dev.export_to->password_source == core::DesiredExport::PasswordSource::file);
  CHECK(dev.export_to->password_file == "/etc/ascsync/p12-password");
  const auto& mac = r->certificates[2];
  CHECK(mac.renew_before == core::RenewBefore{});  // default 30d
  CHECK(mac.renew_before.duration == std::chrono::hours(30 * 24));
  CHECK(mac.revoke_replaced.mode == core::RevokeReplaced::Mode::never);
  CHECK_FALSE(mac.adopt.has_value());
  CHECK_FALSE(mac.export_to.has_value());
  const auto& zed = r->certificates[3];
  CHECK(zed.renew_before.percent == 33);
  CHECK(zed.revoke_replaced.mode == core::RevokeReplaced::Mode::immediately);

  REQUIRE(r->profiles.size() == 4);
  CHECK(r->profiles[0].name == "All");
  CHECK(r->profiles[0].devices == core::DesiredDevices{true, {}});
  CHECK(r->profiles[1].name == "Direct");
  CHECK_FALSE(r->profiles[1].devices.has_value());
  CHECK(r->profiles[2].name == "Shop Ad Hoc");
  CHECK(r->profiles[2].devices == core::DesiredDevices{false, {"00008030-001A2B3C4D5E6F70", "Sam's iPhone"}});
  CHECK(r->profiles[3].name == "Shop Dev");
  CHECK(r->profiles[3].certificates == std::vector<std::string>{"dev", "zed"});  // sorted
  REQUIRE(r->profiles[3].devices.has_value());
  CHECK(r->profiles[3].devices->all);  // development profiles default to every device
}

TEST_CASE("signing sections are managed only when written") {
  auto none = signing_state("users: []\n");
  REQUIRE(none.ok());
  CHECK_FALSE(none->manage_signing);
  CHECK(none->certificates.empty());
  auto empty = signing_state("certificates: []\n");
  REQUIRE(empty.ok());
  CHECK(empty->manage_signing);
  auto profiles = signing_state("profiles: []\n");
  REQUIRE(profiles.ok());
  CHECK(profiles->manage_signing);
  auto slots_only = signing_state("policy:\n  certificate_slots: {DEVELOPMENT: 2}\n");
  REQUIRE(slots_only.ok());
  CHECK_FALSE(slots_only->manage_signing);
  CHECK(slots_only->policy.certificate_slot_limit("DEVELOPMENT") == 2);
}

TEST_CASE("a profile may name a certificate declared in another file") {
  config::Diagnostics diags;
  auto r = config::parse_desired_state(
      {{"a.yaml", "team: acme\ncertificates:\n  - {name: dist, type: DISTRIBUTION}\n"},
       {"b.yaml",
        "team: acme\nprofiles:\n  - {name: P, type: MAC_APP_STORE, bundle_id: com.acme.mac, "
        "certificates: [dist]}\n"}},
      &diags);
  INFO(diags.render());
  REQUIRE(r.ok());
  CHECK(r->profiles.at(0).certificates == std::vector<std::string>{"dist"});

  config::Diagnostics dup;
  CHECK_FALSE(config::parse_desired_state(
                  {{"a.yaml", "team: acme\ncertificates:\n  - {name: x, type: DISTRIBUTION}\n"},
                   {"b.yaml", "team: acme\ncertificates:\n  - {name: x, type: DEVELOPMENT}\n"}},
                  &dup)
                  .ok());
  CHECK(has(dup, "b.yaml:3:5", {"certificate 'x' is declared twice", "first declared at a.yaml:3:5"}));
}

TEST_CASE("signing validation errors name the place and what to do") {
  const std::vector<SigningErrorCase> cases = {
      // certificates
      {"null certificates",
       "certificates:\n",
       2,
       "certificates:",
       {"'certificates' has no value", "certificates: []"}},
      {"certificates not a list", "certificates: app-store\n", 2, "app-store", {"must be a list"}},
      {"missing name",
       "certificates:\n  - {type: IOS_DISTRIBUTION}\n",
       3,
       "{type",
       {"missing required key 'name'"}},
      {"missing type", "certificates:\n  - {name: a}\n", 3, "{name", {"missing required key 'type'"}},
      {"bad name",
       "certificates:\n  - {name: 'a b', type: DEVELOPMENT}\n",
       3,
       "'a b'",
       {"certificate name 'a b' is not valid", "1-64 characters"}},
      {"unknown type",
       "certificates:\n  - {name: a, type: IOS_DISTRIBUTON}\n",
       3,
       "IOS_DISTRIBUTON",
       {"unknown certificate type 'IOS_DISTRIBUTON'", "did you mean 'IOS_DISTRIBUTION'"}},
      {"unknown key",
       "certificates:\n  - {name: a, type: DEVELOPMENT, renew_befor: 3d}\n",
       3,
       "renew_befor",
       {"unknown key 'renew_befor'", "did you mean 'renew_before'"}},
      {"renew_before zero",
       "certificates:\n  - {name: a, type: DEVELOPMENT, renew_before: 0d}\n",
       3,
       "0d",
       {"'renew_before' must be longer than zero"}},
      {"renew_before too long",
       "certificates:\n  - {name: a, type: DEVELOPMENT, renew_before: 365d}\n",
       3,
       "365d",
       {"longer than 364d", "at most 364d"}},
      {"renew_before far too long",
       "certificates:\n  - {name: a, type: DEVELOPMENT, renew_before: 99999d}\n",
       3,
       "99999d",
       {"longer than 364d"}},
      {"renew_before no unit",
       "certificates:\n  - {name: a, type: DEVELOPMENT, renew_before: 30}\n",
       3,
       "30}",
       {"'renew_before' '30' is not a duration", "30d", "33%"}},
      {"renew_before 100%",
       "certificates:\n  - {name: a, type: DEVELOPMENT, renew_before: 100%}\n",
       3,
       "100%",
       {"from 1% to 99%"}},
      {"renew_before 0%",
       "certificates:\n  - {name: a, type: DEVELOPMENT, renew_before: 0%}\n",
       3,
       "0%",
       {"from 1% to 99%"}},
      {"renew_before 1.5%",
       "certificates:\n  - {name: a, type: DEVELOPMENT, renew_before: 1.5%}\n",
       3,
       "1.5%",
       {"from 1% to 99%", "whole percentage"}},
      {"revoke_replaced word",
       "certificates:\n  - {name: a, type: DEVELOPMENT, revoke_replaced: soon}\n",
       3,
       "soon",
       {"'revoke_replaced' 'soon' is not a duration", "never or immediately"}},
      {"revoke_replaced zero",
       "certificates:\n  - {name: a, type: DEVELOPMENT, revoke_replaced: 0s}\n",
       3,
       "0s",
       {"'revoke_replaced' of zero", "immediately"}},
      {"revoke_replaced too long",
       "certificates:\n  - {name: a, type: DEVELOPMENT, revoke_replaced: 366d}\n",
       3,
       "366d",
       {"longer than 365d"}},
      {"adopt with colons",
       "certificates:\n  - {name: a, type: DEVELOPMENT, adopt: '1A:2B'}\n",
       3,
       "'1A:2B'",
       {"'adopt' '1A:2B' is not a certificate id or serial number", "without ':'"}},
      {"null export",
       "certificates:\n  - name: a\n    type: DEVELOPMENT\n    export:\n",
       5,
       "export",
       {"'export' has no value"}},
      {"export without password_file",
       "certificates:\n  - name: a\n    type: DEVELOPMENT\n    export: {p12: /srv/a.p12}\n",
       5,
       "{p12",
       {"missing required key 'password_file'"}},
      {"export without p12",
       "certificates:\n  - name: a\n    type: DEVELOPMENT\n    export: {password_file: pw}\n",
       5,
       "{password_file",
       {"missing required key 'p12'"}},
      {"relative p12",
       "certificates:\n  - name: a\n    type: DEVELOPMENT\n    export: {p12: a.p12, password_file: pw}\n",
       5,
       "a.p12",
       {"'p12' 'a.p12' is not an absolute path", "/var/lib/ascsync/identities"}},
      {"p12 with ..",
       "certificates:\n  - name: a\n    type: DEVELOPMENT\n    export: {p12: /srv/../a.p12, password_file: "
       "pw}\n",
       5,
       "/srv/../a.p12",
       {"is not an absolute path"}},
      {"relative password path",
       "certificates:\n  - name: a\n    type: DEVELOPMENT\n    export: {p12: /srv/a.p12, password_file: "
       "keys/pw}\n",
       5,
       "keys/pw",
       {"neither an absolute path nor a credential name", "LoadCredential="}},
      {"bad credential name",
       "certificates:\n  - name: a\n    type: DEVELOPMENT\n    export: {p12: /srv/a.p12, password_file: 'p "
       "w'}\n",
       5,
       "'p w'",
       {"is not a systemd credential name"}},
      {"unknown export key",
       "certificates:\n  - name: a\n    type: DEVELOPMENT\n    export: {p12: /srv/a.p12, password_file: pw, "
       "pasword: x}\n",
       5,
       "pasword",
       {"unknown key 'pasword' in 'export'"}},
      {"duplicate name",
       "certificates:\n  - {name: a, type: DEVELOPMENT}\n  - {name: a, type: DISTRIBUTION}\n",
       4,
       "{name: a, type: DISTRIBUTION}",
       {"certificate 'a' is declared twice", "first declared at s.yaml:3:5"}},
      {"duplicate adopt",
       "certificates:\n  - {name: a, type: DISTRIBUTION, adopt: ABC123}\n  - {name: b, type: DISTRIBUTION, "
       "adopt: "
       "abc123}\n",
       4,
       "{name: b",
       {"'a' and 'b' adopt the same certificate", "first declared at s.yaml:3:5"}},
      {"duplicate p12",
       "certificates:\n  - {name: a, type: DISTRIBUTION, export: {p12: /srv/x.p12, password_file: pw}}\n"
       "  - {name: b, type: DISTRIBUTION, export: {p12: /srv/x.p12, password_file: pw}}\n",
       4,
       "{p12",
       {"export to the same file /srv/x.p12", "own p12 path"}},
      // policy.certificate_slots
      {"null slots",
       "policy:\n  certificate_slots:\n",
       3,
       "certificate_slots",
       {"'certificate_slots' has no value"}},
      {"unknown slot type",
       "policy:\n  certificate_slots: {IOS_DISTRIBUTON: 2}\n",
       3,
       "IOS_DISTRIBUTON",
       {"unknown key 'IOS_DISTRIBUTON'", "did you mean 'IOS_DISTRIBUTION'"}},
      {"zero slots", "policy:\n  certificate_slots: {DEVELOPMENT: 0}\n", 3, "0}", {"out of range", "1..100"}},
      {"too many slots", "policy:\n  certificate_slots: {DEVELOPMENT: 101}\n", 3, "101", {"out of range"}},
      {"more certificates than slots",
       "policy:\n  certificate_slots: {DISTRIBUTION: 1}\ncertificates:\n  - {name: a, type: DISTRIBUTION}\n"
       "  - {name: b, type: DISTRIBUTION}\n",
       6,
       "{name: b",
       {"2 DISTRIBUTION certificates are declared but the team has 1 slots", "certificate_slots"}},
      // profiles
      {"null profiles", "profiles:\n", 2, "profiles:", {"'profiles' has no value"}},
      {"unknown profile type",
       k_signing_dev_cert +
           "profiles:\n  - {name: P, type: IOS_APP_STOR, bundle_id: com.a.b, certificates: [dev]}\n",
       5,
       "IOS_APP_STOR",
       {"unknown profile type 'IOS_APP_STOR'", "did you mean 'IOS_APP_STORE'"}},
      {"unknown profile key",
       k_signing_dev_cert + "profiles:\n  - {name: P, type: IOS_APP_DEVELOPMENT, bundle_id: com.a.b, "
                            "certificates: [dev], device: "
                            "all}\n",
       5,
       "device:",
       {"unknown key 'device' in a profile", "did you mean 'devices'"}},
      {"empty profile name",
       k_signing_dev_cert + "profiles:\n  - {name: ' ', type: IOS_APP_DEVELOPMENT, bundle_id: com.a.b, "
                            "certificates: [dev]}\n",
       5,
       "' '",
       {"a profile name cannot be empty"}},
      {"bad bundle id",
       k_signing_dev_cert +
           "profiles:\n  - {name: P, type: IOS_APP_DEVELOPMENT, bundle_id: 'com a', certificates: "
           "[dev]}\n",
       5,
       "'com a'",
       {"'com a' is not a bundle id"}},
      {"missing bundle id",
       k_signing_dev_cert + "profiles:\n  - {name: P, type: IOS_APP_DEVELOPMENT, certificates: [dev]}\n",
       5,
       "{name: P",
       {"missing required key 'bundle_id'"}},
      {"missing certificates",
       k_signing_dev_cert + "profiles:\n  - {name: P, type: IOS_APP_DEVELOPMENT, bundle_id: a.b}\n",
       5,
       "{name: P",
       {"missing required key 'certificates'"}},
      {"no certificates",
       k_signing_dev_cert +
           "profiles:\n  - {name: P, type: IOS_APP_DEVELOPMENT, bundle_id: a.b, certificates: []}\n",
       5,
       "[]",
       {"a profile needs at least one certificate"}},
      {"null certificates in a profile",
       k_signing_dev_cert + "profiles:\n  - name: P\n    type: IOS_APP_DEVELOPMENT\n    bundle_id: a.b\n"
                            "    certificates:\n",
       8,
       "certificates",
       {"'certificates' has no value"}},
      {"undeclared certificate",
       k_signing_dev_cert +
           "profiles:\n  - {name: P, type: IOS_APP_DEVELOPMENT, bundle_id: a.b, certificates: [deb]}\n",
       5,
       "deb",
       {"names certificate 'deb', which is not declared", "did you mean 'dev'"}},
      {"certificate listed twice",
       k_signing_dev_cert +
           "profiles:\n  - {name: P, type: IOS_APP_DEVELOPMENT, bundle_id: a.b, certificates: [dev, dev]}\n",
       5,
       "dev]",
       {"certificate 'dev' is listed twice"}},
      {"development certificate in a store profile",
       k_signing_dev_cert +
           "profiles:\n  - {name: P, type: IOS_APP_STORE, bundle_id: a.b, certificates: [dev]}\n",
       5,
       "dev]",
       {"'dev' is IOS_DEVELOPMENT, which cannot sign a IOS_APP_STORE profile",
        "DISTRIBUTION or IOS_DISTRIBUTION"}},
      {"distribution certificate in a development profile",
       "certificates:\n  - {name: d, type: IOS_DISTRIBUTION}\nprofiles:\n"
       "  - {name: P, type: IOS_APP_DEVELOPMENT, bundle_id: a.b, certificates: [d]}\n",
       5,
       "d]",
       {"cannot sign a IOS_APP_DEVELOPMENT profile", "DEVELOPMENT or IOS_DEVELOPMENT"}},
      {"devices on a store profile",
       "certificates:\n  - {name: d, type: IOS_DISTRIBUTION}\nprofiles:\n"
       "  - {name: P, type: IOS_APP_STORE, bundle_id: a.b, certificates: [d], devices: all}\n",
       5,
       "devices",
       {"'devices' applies to development and ad hoc profiles only, not IOS_APP_STORE"}},
      {"devices word",
       k_signing_dev_cert + "profiles:\n  - {name: P, type: IOS_APP_DEVELOPMENT, bundle_id: a.b, "
                            "certificates: [dev], devices: some}\n",
       5,
       "some",
       {"'devices' must be all or a list", "devices: all"}},
      {"no devices",
       k_signing_dev_cert + "profiles:\n  - {name: P, type: IOS_APP_DEVELOPMENT, bundle_id: a.b, "
                            "certificates: [dev], devices: []}\n",
       5,
       "[]}",
       {"needs at least one device"}},
      {"null devices",
       k_signing_dev_cert + "profiles:\n  - name: P\n    type: IOS_APP_DEVELOPMENT\n    bundle_id: a.b\n"
                            "    certificates: [dev]\n    devices:\n",
       9,
       "devices",
       {"'devices' has no value"}},
      {"device twice",
       k_signing_dev_cert +
           "profiles:\n  - {name: P, type: IOS_APP_DEVELOPMENT, bundle_id: a.b, certificates: [dev], "
           "devices: [x, x]}\n",
       5,
       "x]",
       {"device 'x' is listed twice"}},
      {"all in a list",
       k_signing_dev_cert +
           "profiles:\n  - {name: P, type: IOS_APP_DEVELOPMENT, bundle_id: a.b, certificates: [dev], "
           "devices: [all]}\n",
       5,
       "all]",
       {"'all' inside a device list"}},
      {"duplicate profile",
       k_signing_dev_cert +
           "profiles:\n  - {name: P, type: IOS_APP_DEVELOPMENT, bundle_id: a.b, certificates: [dev]}\n"
           "  - {name: P, type: IOS_APP_DEVELOPMENT, bundle_id: a.c, certificates: [dev]}\n",
       6,
       "{name: P",
       {"profile 'P' is declared twice", "first declared at s.yaml:5:5"}},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    const auto diags = signing_diags(c.body);
    INFO(diags.render());
    CHECK(diags.has_errors());
    CHECK(has(diags, signing_loc(c.body, c.line, c.at), c.parts));
  }
}

TEST_CASE("declaring every slot of a type warns that renewals need a free one") {
  config::Diagnostics diags;
  auto r = signing_state(
      "policy:\n  certificate_slots: {DISTRIBUTION: 2}\ncertificates:\n"
      "  - {name: a, type: DISTRIBUTION}\n  - {name: b, type: DISTRIBUTION}\n",
      &diags);
  REQUIRE(r.ok());
  CHECK(diags.warning_count() == 1);
  CHECK(has(diags, "s.yaml:6:5", {"warning", "all 2 DISTRIBUTION slots", "renewing one needs a free slot"}));
}

TEST_CASE("renewal time: a duration, a share of the lifetime, never the whole lifetime") {
  const std::chrono::seconds year{365LL * 24 * 3600};
  core::RenewBefore d;
  CHECK(d.before_expiry(year) == std::chrono::hours(30 * 24));
  core::RenewBefore pct;
  pct.percent = 33;
  CHECK(pct.before_expiry(std::chrono::seconds(300)) == std::chrono::seconds(99));
  CHECK(pct.before_expiry(year) == std::chrono::seconds(year.count() * 33 / 100));
  core::RenewBefore too_long;
  too_long.duration = std::chrono::hours(364 * 24);
  CHECK(too_long.before_expiry(std::chrono::hours(90 * 24)) == std::chrono::hours(30 * 24));
  CHECK(d.before_expiry(std::chrono::seconds(0)) == std::chrono::seconds(0));
}

TEST_CASE("certificate and profile type tables") {
  for (const auto& p : core::k_profile_types) {
    CAPTURE(p);
    CHECK_FALSE(core::certificate_types_for_profile(p).empty());
    for (const auto& c : core::certificate_types_for_profile(p)) CHECK(core::is_certificate_type(c));
  }
  CHECK(core::certificate_fits_profile("DISTRIBUTION", "IOS_APP_STORE"));
  CHECK(core::certificate_fits_profile("IOS_DISTRIBUTION", "IOS_APP_ADHOC"));
  CHECK_FALSE(core::certificate_fits_profile("IOS_DISTRIBUTION", "MAC_APP_STORE"));
  CHECK(core::certificate_fits_profile("DEVELOPER_ID_APPLICATION_G2", "MAC_APP_DIRECT"));
  CHECK(core::profile_takes_devices("TVOS_APP_ADHOC"));
  CHECK_FALSE(core::profile_takes_devices("IOS_APP_INHOUSE"));
  CHECK_FALSE(core::profile_takes_devices("MAC_APP_DIRECT"));
  CHECK(config::is_certificate_name("app-store.v2_x"));
  CHECK_FALSE(config::is_certificate_name("-x"));
  CHECK_FALSE(config::is_certificate_name(std::string(65, 'a')));
  CHECK(config::is_credential_name("p12-password"));
  CHECK_FALSE(config::is_credential_name(".."));
}

TEST_CASE("the shipped signing example loads, alone and merged with the team example") {
  const std::string dir = std::string(ASCSYNC_TEST_SOURCE_DIR) + "/config/desired/";
  config::Diagnostics diags;
  auto r = config::load_desired_state(dir + "signing-example.yaml", &diags);
  INFO(diags.render());
  REQUIRE(r.ok());
  CHECK(diags.empty());
  CHECK(r->certificates.size() == 2);
  CHECK(r->profiles.size() == 2);
  CHECK(r->profiles.at(1).devices == core::DesiredDevices{});

  // The directory as a whole is a valid desired state too (files merge in name order).
  config::Diagnostics merged_diags;
  auto merged = config::load_desired_state(dir, &merged_diags);
  INFO(merged_diags.render());
  REQUIRE(merged.ok());
  CHECK(merged->manage_signing);
  CHECK(merged->manage_users);
}

TEST_CASE("durations with days are for certificate timings only") {
  CHECK_FALSE(config::parse_duration("1d").has_value());  // daemon settings keep s, m, h
  CHECK(config::parse_duration_days("1d") == std::chrono::hours(24));
  CHECK(config::parse_duration_days("1d12h30m") == std::chrono::minutes(36 * 60 + 30));
  CHECK(config::parse_duration_days("366d") == config::k_max_duration);
  std::string why;
  CHECK_FALSE(config::parse_duration_days("367d", &why).has_value());
  CHECK(why == "too long");
  CHECK_FALSE(config::parse_duration_days("99999999999999999999d", &why).has_value());
  CHECK(why == "too long");
  CHECK_FALSE(config::parse_duration_days("1w", &why).has_value());
  CHECK(why == "syntax");
  CHECK_FALSE(config::parse_duration_days("1d x", &why).has_value());
  CHECK(why == "syntax");
}

TEST_CASE("a certificate with errors is not reported again as undeclared by its profiles") {
  const auto diags = signing_diags(
      "certificates:\n  - {name: dist, type: IOS_DISTRIBUTION, renew_before: 0d}\nprofiles:\n"
      "  - {name: P, type: IOS_APP_STORE, bundle_id: a.b, certificates: [dist]}\n");
  INFO(diags.render());
  CHECK(diags.error_count() == 1);
  CHECK(
      has(diags,
          signing_loc("certificates:\n  - {name: dist, type: IOS_DISTRIBUTION, renew_before: 0d}\n", 3, "0d"),
          {"'renew_before' must be longer than zero"}));
}
