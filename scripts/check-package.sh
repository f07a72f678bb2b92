#!/usr/bin/env bash
# Builds the Debian package and checks it the way an ops engineer would meet it:
#   1. lintian reports no errors;
#   2. the package holds what the unit and the docs name (binaries, unit, conffiles,
#      migrations, schemas, docs) and marks /etc/ascsync as conffiles;
#   3. it installs with dpkg into a throwaway root (dpkg --root, no maintainer scripts run);
#   4. systemd-analyze verify accepts the installed unit (ExecStart pointed at the installed
#      binary, as systemd cannot load units from a partial root);
#   5. the installed ascsync validates the installed example configuration, given a
#      throwaway API key where the example expects one.
# Usage: scripts/check-package.sh [--build-dir DIR]. Prints one line per check and exits
# non-zero when any fails.
set -euo pipefail
cd "$(dirname "$0")/.."
build_args=()
[[ "${1:-}" == "--build-dir" ]] && build_args=(--build-dir "$2")

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
deb=$(scripts/package-deb.sh "${build_args[@]}" --out "$work/dist" | tail -n 1)

passed=0
failed=0
check() {  # check NAME COMMAND...: runs the command, prints ok/FAILED with its output
  local name=$1
  shift
  local output
  if output=$("$@" 2>&1); then
    echo "ok      package: $name"
    passed=$((passed + 1))
  else
    echo "FAILED  package: $name"
    printf '%s\n' "$output" | sed 's/^/        /'
    failed=$((failed + 1))
  fi
}

lintian_clean() {
  # --fail-on error: warnings (no man page, 0700 keys directory) are reported, not fatal.
  lintian --fail-on error --no-tag-display-limit "$deb"
}

holds_expected_paths() {
  local listing missing=0
  listing=$(dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./|/|')
  for path in /usr/bin/ascsync /usr/bin/ascsim /lib/systemd/system/ascsync.service \
    /etc/ascsync/ascsync.yaml /etc/ascsync/desired/example-team.yaml /etc/ascsync/desired/testers.csv \
    /etc/ascsync/keys/ /usr/share/ascsync/migrations/0001_init.sql \
    /usr/share/ascsync/schema/ascsync-config.schema.json /usr/share/ascsync/schema/desired-state.schema.json \
    /usr/share/ascsync/prometheus/ascsync.rules.yml /usr/share/ascsync/grafana/ascsync-dashboard.json \
    /usr/share/doc/ascsync/operations.md /usr/share/doc/ascsync/configuration.md \
    /usr/share/doc/ascsync/desired-state.md /usr/share/doc/ascsync/copyright /usr/share/doc/ascsync/changelog.gz; do
    grep -qxF "$path" <<<"$listing" || { echo "missing: $path"; missing=1; }
  done
  # Every migration of the source tree is shipped.
  for sql in migrations/*.sql; do
    grep -qxF "/usr/share/ascsync/migrations/$(basename "$sql")" <<<"$listing" || { echo "missing: $sql"; missing=1; }
  done
  return $missing
}

unit_names_shipped_files() {
  local unit listing
  unit=$(dpkg-deb --fsys-tarfile "$deb" | tar -xO ./lib/systemd/system/ascsync.service)
  listing=$(dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./|/|')
  local exec doc
  exec=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' <<<"$unit")
  doc=$(sed -n 's|^Documentation=file://||p' <<<"$unit")
  grep -qxF "$exec" <<<"$listing" || { echo "ExecStart names $exec, which the package does not hold"; return 1; }
  grep -qxF "$doc" <<<"$listing" || { echo "Documentation names $doc, which the package does not hold"; return 1; }
  grep -q -- "--config /etc/ascsync/ascsync.yaml" <<<"$unit" || { echo "ExecStart does not read /etc/ascsync/ascsync.yaml"; return 1; }
}

conffiles_marked() {
  local conffiles
  conffiles=$(dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles)
  for f in /etc/ascsync/ascsync.yaml /etc/ascsync/desired/example-team.yaml /etc/ascsync/desired/testers.csv; do
    grep -qxF "$f" <<<"$conffiles" || { echo "not a conffile: $f"; return 1; }
  done
}

root="$work/root"
installs_with_dpkg() {
  mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates" "$root/var/lib/dpkg/triggers"
  touch "$root/var/lib/dpkg/status"
  # --force-depends: the throwaway root has no libraries; the binaries run with the host's.
  dpkg --root="$root" --force-depends --log=/dev/null --install "$deb"
  dpkg --root="$root" --status ascsync | grep -qx "Status: install ok installed"
  [[ "$(stat -c %a "$root/etc/ascsync/keys")" == 700 ]] || { echo "/etc/ascsync/keys is not 0700"; return 1; }
}

unit_verifies() {
  local copy="$work/unit/ascsync.service"
  mkdir -p "$work/unit"
  sed "s|^ExecStart=/usr/bin/ascsync |ExecStart=$root/usr/bin/ascsync |" \
    "$root/lib/systemd/system/ascsync.service" >"$copy"
  local out
  out=$(systemd-analyze verify "$copy" 2>&1) || { echo "$out"; return 1; }
  ! grep -q "ascsync.service" <<<"$out" || { echo "$out"; return 1; }
}

example_validates() {
  # The example expects the key of team acme at keys/AuthKey_2X9R4HXF34.p8 beside the config.
  local key="$root/etc/ascsync/keys/AuthKey_2X9R4HXF34.p8"
  (umask 077 && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$key" 2>/dev/null)
  "$root/usr/bin/ascsync" validate --config "$root/etc/ascsync/ascsync.yaml"
}

check "lintian reports no errors" lintian_clean
check "holds the binaries, unit, conffiles, migrations, schemas and docs" holds_expected_paths
check "the unit's ExecStart and Documentation are shipped" unit_names_shipped_files
check "/etc/ascsync is marked as conffiles" conffiles_marked
check "installs into a throwaway root with dpkg --root" installs_with_dpkg
check "systemd-analyze verify accepts the installed unit" unit_verifies
check "the installed ascsync validates the installed example" example_validates
echo "package checks: $passed passed, $failed failed ($(basename "$deb"))"
((failed == 0))
