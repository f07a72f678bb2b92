# Every dependency comes from Debian 12 packages (see scripts/install-deps.sh).
find_package(Threads REQUIRED)
find_package(OpenSSL 3 REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(nlohmann_json 3.11 REQUIRED)
find_package(spdlog REQUIRED)
find_package(CLI11 REQUIRED)
find_package(PkgConfig REQUIRED)
# Debian ships cpp-httplib as a compiled library with OpenSSL, zlib and brotli enabled;
# the pkg-config file carries the matching CPPHTTPLIB_* defines (class layouts depend on them).
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib>=0.11)
pkg_check_modules(SYSTEMD IMPORTED_TARGET libsystemd)
# libyaml (libyaml-dev): the event parser under src/config's documents (yaml_reader.hpp).
pkg_check_modules(LIBYAML REQUIRED IMPORTED_TARGET yaml-0.1)
if(ASCSYNC_BUILD_TESTS)
  find_package(doctest REQUIRED)
endif()
