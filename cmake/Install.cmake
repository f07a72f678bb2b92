# Installs what `ascsync.service` expects besides the binaries and migrations (installed by the
# top-level CMakeLists.txt): the unit, with ExecStart pointing at the installed binary, the
# operations guide and the example configuration. Include from the top-level CMakeLists.txt
# after include(GNUInstallDirs).
#
# The configuration itself is site-specific and stays out of the install: the unit reads
# /etc/ascsync/ascsync.yaml (ConfigurationDirectory= is always under /etc), which the operator
# creates from ${CMAKE_INSTALL_DOCDIR}/examples/. Installing a live example there would start
# the service against made-up teams.
set(ASCSYNC_SYSTEMD_UNIT_DIR "${CMAKE_INSTALL_PREFIX}/lib/systemd/system"
    CACHE PATH "Directory the systemd unit is installed to")

set(_ascsync_unit_src "${CMAKE_CURRENT_LIST_DIR}/../systemd/ascsync.service")
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${_ascsync_unit_src}")
file(READ "${_ascsync_unit_src}" _ascsync_unit)
string(REPLACE "ExecStart=/usr/bin/ascsync " "ExecStart=${CMAKE_INSTALL_FULL_BINDIR}/ascsync "
       _ascsync_unit "${_ascsync_unit}")
string(REPLACE "file:///usr/share/doc/ascsync/" "file://${CMAKE_INSTALL_FULL_DOCDIR}/"
       _ascsync_unit "${_ascsync_unit}")
file(WRITE "${CMAKE_BINARY_DIR}/systemd/ascsync.service" "${_ascsync_unit}")

install(FILES "${CMAKE_BINARY_DIR}/systemd/ascsync.service" DESTINATION "${ASCSYNC_SYSTEMD_UNIT_DIR}")
# Every guide, and the JSON Schemas the YAML files name (editors validate against them).
install(DIRECTORY "${CMAKE_CURRENT_LIST_DIR}/../docs/" DESTINATION "${CMAKE_INSTALL_DOCDIR}"
        FILES_MATCHING PATTERN "*.md" PATTERN "*.json")
install(DIRECTORY "${CMAKE_CURRENT_LIST_DIR}/../docs/schema/" DESTINATION "${CMAKE_INSTALL_DATADIR}/ascsync/schema")
# The examples, complete enough to validate where they are installed (the desired state
# imports testers.csv). The demo team is the simulator's and stays in the source tree.
install(DIRECTORY "${CMAKE_CURRENT_LIST_DIR}/../config/" DESTINATION "${CMAKE_INSTALL_DOCDIR}/examples"
        PATTERN "demo" EXCLUDE PATTERN "prometheus" EXCLUDE PATTERN "grafana" EXCLUDE)
# Alerting rules and the dashboard, where Prometheus and Grafana provisioning can point.
install(FILES "${CMAKE_CURRENT_LIST_DIR}/../config/prometheus/ascsync.rules.yml"
        DESTINATION "${CMAKE_INSTALL_DATADIR}/ascsync/prometheus")
install(FILES "${CMAKE_CURRENT_LIST_DIR}/../config/grafana/ascsync-dashboard.json"
        DESTINATION "${CMAKE_INSTALL_DATADIR}/ascsync/grafana")

# For packages: the example as the live configuration under /etc/ascsync, a conffile the
# operator edits in place. The package does not start the service, so a made-up team never
# runs; `systemctl enable --now ascsync` after editing does.
option(ASCSYNC_INSTALL_ETC "Install the example configuration under SYSCONFDIR/ascsync (packages)" OFF)
if(ASCSYNC_INSTALL_ETC)
  install(FILES "${CMAKE_CURRENT_LIST_DIR}/../config/ascsync.example.yaml"
          DESTINATION "${CMAKE_INSTALL_SYSCONFDIR}/ascsync" RENAME ascsync.yaml)
  install(DIRECTORY "${CMAKE_CURRENT_LIST_DIR}/../config/desired/" DESTINATION "${CMAKE_INSTALL_SYSCONFDIR}/ascsync/desired")
  install(DIRECTORY DESTINATION "${CMAKE_INSTALL_SYSCONFDIR}/ascsync/keys"
          DIRECTORY_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE)
endif()
