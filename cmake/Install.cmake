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
install(FILES "${CMAKE_CURRENT_LIST_DIR}/../docs/operations.md" DESTINATION "${CMAKE_INSTALL_DOCDIR}")
install(DIRECTORY "${CMAKE_CURRENT_LIST_DIR}/../config/" DESTINATION "${CMAKE_INSTALL_DOCDIR}/examples"
        FILES_MATCHING PATTERN "*.yaml" PATTERN "*.yml")
