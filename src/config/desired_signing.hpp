#pragma once
// The signing part of the desired state (docs/desired-state.md, "Certificates and profiles"):
// policy.certificate_slots, `certificates:` and `profiles:`. desired_state.cpp calls the readers
// for each document, then resolve_signing once all documents are read (profiles may name
// certificates declared in another file of the same desired state).
#include <chrono>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "config/desired_state.hpp"
#include "config/diagnostics.hpp"
#include "config/yaml_reader.hpp"
#include "core/desired.hpp"

namespace config {

// Limits validation enforces.
inline constexpr int k_max_certificate_slots = 100;
// renew_before as a duration: at most 364 days (Apple's shortest common lifetime is one year;
// "renew a year early" would renew at once). As a share: 1..99 %.
inline constexpr std::chrono::seconds k_max_renew_before{364LL * 24 * 3600};
// revoke_replaced as a duration: at most 365 days.
inline constexpr std::chrono::seconds k_max_revoke_replaced{365LL * 24 * 3600};

// A name a certificate may have: 1..64 characters from [A-Za-z0-9._-], starting with a letter
// or digit (it names files in the key custody directory and `ascsync export-identity NAME`).
bool is_certificate_name(const std::string& name);
// A systemd credential name as password_file may give it: 1..255 characters from
// [A-Za-z0-9._-], not "." or "..".
bool is_credential_name(const std::string& name);

// A profile's certificate reference, kept with its place until every file is read.
struct CertificateRef {
  std::string name;
  core::SourceLoc loc;
};

struct ProfileDecl {
  core::DesiredProfile profile;  // certificates left empty until resolved
  std::vector<CertificateRef> certificate_refs;
  core::SourceLoc type_loc;
};

// Everything signing-related declared across the documents, before cross-checks.
struct SigningDeclarations {
  bool present = false;  // some document has `certificates:` or `profiles:`
  std::vector<core::DesiredCertificate> certificates;
  std::vector<ProfileDecl> profiles;
  std::map<std::string, core::SourceLoc> slot_locs;  // certificate_slots entries, for messages
  // Certificates whose entry had errors (already reported), by name: profiles naming them get
  // no second, misleading "not declared" error.
  std::set<std::string> rejected_certificates;
};

// policy.certificate_slots: {TYPE: limit}. Reports unknown types, limits outside 1..100, null.
void read_certificate_slots(const std::string& file, const yaml::Field& field, core::Policy& policy,
                            SigningDeclarations& decl, Diagnostics& diags);
// The top-level `certificates:` list of one document.
void read_certificates(const std::string& file, const yaml::Field& field, const DesiredStateKeys& keys,
                       SigningDeclarations& decl, Diagnostics& diags);
// The top-level `profiles:` list of one document.
void read_profiles(const std::string& file, const yaml::Field& field, const DesiredStateKeys& keys,
                   SigningDeclarations& decl, Diagnostics& diags);

// Cross-document checks (unique names, adopt and p12 targets; profiles naming declared,
// compatible certificates; slots) and the normalized result into `out` (sorted by name).
void resolve_signing(const SigningDeclarations& decl, core::DesiredState& out, Diagnostics& diags);

}  // namespace config
