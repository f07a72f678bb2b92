#pragma once
// Helpers for the store tests: a temporary directory and sample snapshots.
#include <stdlib.h>

#include <filesystem>
#include <string>

#include "core/model.hpp"
#include "util/time.hpp"

namespace store_test {

// A fresh directory under $TMPDIR, removed with everything in it on destruction.
class StoreDir {
 public:
  StoreDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "ascsync-store-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    m_path = tmpl;
  }
  ~StoreDir() {
    std::error_code ec;
    std::filesystem::remove_all(m_path, ec);
  }
  StoreDir(const StoreDir&) = delete;
  StoreDir& operator=(const StoreDir&) = delete;
  std::string file(const std::string& name) const { return m_path + "/" + name; }
  const std::string& path() const { return m_path; }

 private:
  std::string m_path;
};

inline util::TimePoint at(const char* rfc3339) {
  return *util::parse_rfc3339(rfc3339);
}

inline std::string source_migrations() {
  return std::string(ASCSYNC_TEST_SOURCE_DIR) + "/migrations";
}

// A small team holding one or more of every kind, normalized.
inline core::Snapshot sample_snapshot() {
  core::Snapshot s;
  s.apps = {{"app1", "com.example.one", "One", "SKU1"}, {"app2", "com.example.two", "Two", "SKU2"}};
  s.users = {
      {"u1", "Ann@Example.com", "Ann", "A", {"ADMIN"}, true, false, {}},
      {"u2", "bob@example.com", "Bob", "B", {"APP_MANAGER", "DEVELOPER"}, false, true, {"app1", "app2"}}};
  s.invitations = {{"i1",
                    "carol@example.com",
                    "Carol",
                    "C",
                    {"DEVELOPER"},
                    false,
                    false,
                    "2026-04-01T00:00:00.000+00:00",
                    {"app2"}}};
  core::BetaGroup internal{"g1",         "app1", "Internal", "2025-01-01T00:00:00.000+00:00",
                           true,         true,   false,      false,
                           std::nullopt, "",     true};
  core::BetaGroup external{"g2", "app1", "Friends", "2025-02-01T00:00:00.000+00:00",         false, false,
                           true, true,   100,       "https://testflight.apple.com/join/abc", false};
  core::BetaGroup other{"g3",         "app2", "Friends", "2025-03-01T00:00:00.000+00:00",
                        false,        false,  false,     false,
                        std::nullopt, "",     true};
  s.groups = {internal, external, other};
  s.testers = {{"t1", "dan@example.com", "Dan", "D", "EMAIL", "INSTALLED", {"g1", "g2"}},
               {"t2", "eve@example.com", "Eve", "E", "EMAIL", "INVITED", {"g2"}},
               {"t3", "fay@example.com", "", "", "PUBLIC_LINK", "ACCEPTED", {}}};
  s.certificates = {
      {"c1", "Dist", "IOS_DISTRIBUTION", "Example Inc", "1A2B", "IOS", "2026-11-21T10:37:11.000+00:00", true},
      {"c2", "Dev", "DEVELOPMENT", "Ann A", "3C4D", "IOS", "2026-05-01T00:00:00.000+00:00", false}};
  s.profiles = {{"p1",
                 "App Store One",
                 "IOS",
                 "IOS_APP_STORE",
                 "ACTIVE",
                 "uuid-1",
                 "2025-01-01T00:00:00.000+00:00",
                 "2026-01-01T00:00:00.000+00:00",
                 "bid1",
                 {"c1"}}};
  s.normalize();
  return s;
}

}  // namespace store_test
