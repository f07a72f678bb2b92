#!/usr/bin/env bash
# Builds the Debian package: dist/ascsync_<version>_<arch>.deb.
#   scripts/package-deb.sh [--build-dir DIR] [--out DIR]
#
# Release build of ascsync and ascsim (stripped), installed with `cmake --install` into a
# staging root laid out as Debian expects:
#   /usr/bin/ascsync, /usr/bin/ascsim
#   /lib/systemd/system/ascsync.service          (DynamicUser: no sysusers.d/tmpfiles.d needed)
#   /etc/ascsync/ascsync.yaml, desired/…          (conffiles: the example, edited in place)
#   /etc/ascsync/keys/                            (0700; LoadCredential=keys: reads it)
#   /usr/share/ascsync/migrations/*.sql, /usr/share/ascsync/schema/*.json
#   /usr/share/doc/ascsync/                       (docs, examples, copyright, changelog)
# Depends: is computed by dpkg-shlibdeps from the libraries the binaries link. The package
# does not enable or start the service: ops edit /etc/ascsync, add keys, then
# `systemctl enable --now ascsync`.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
build="$root/build-deb"
out="$root/dist"
while (($#)); do
  case "$1" in
    --build-dir) build=$(realpath -m "$2"); shift 2 ;;
    --out) out=$(realpath -m "$2"); shift 2 ;;
    *) echo "usage: scripts/package-deb.sh [--build-dir DIR] [--out DIR]" >&2; exit 2 ;;
  esac
done

for tool in dpkg-deb dpkg-shlibdeps; do
  command -v "$tool" >/dev/null || { echo "package-deb: $tool is missing (scripts/install-deps.sh --package)" >&2; exit 1; }
done

# -O2 as Debian builds its packages (CMake's Release default is -O3).
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG" \
  -DCMAKE_INSTALL_PREFIX=/usr \
  -DCMAKE_INSTALL_SYSCONFDIR=/etc -DASCSYNC_SYSTEMD_UNIT_DIR=/lib/systemd/system \
  -DASCSYNC_BUILD_TESTS=OFF -DASCSYNC_BUILD_BENCH=OFF -DASCSYNC_UNITY=ON -DASCSYNC_INSTALL_ETC=ON >/dev/null
cmake --build "$build" -j"$(nproc)" --target ascsync ascsim

version=$(sed -n 's/^project(ascsync VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
arch=$(dpkg --print-architecture)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
pkg="$stage/ascsync"
DESTDIR="$pkg" cmake --install "$build" --strip >/dev/null

# Debian's documentation files: machine-readable copyright and a compressed changelog.
doc="$pkg/usr/share/doc/ascsync"
install -d -m 0755 "$doc"
cat >"$doc/copyright" <<'EOF'
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: ascsync
Source: https://ascsync.invalid/

Files: *
Copyright: 2026 The ascsync authors
License: ascsync

License: ascsync
 All rights reserved by the ascsync authors. Distribution terms are those of
 the project repository this package was built from.
EOF
{
  echo "ascsync ($version) unstable; urgency=medium"
  echo
  echo "  * Release $version. See /usr/share/doc/ascsync/ for what it does."
  echo
  echo " -- ascsync maintainers <ascsync@ascsync.invalid>  $(date -R -d @"${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}")"
} | gzip -9n >"$doc/changelog.gz"

# Markdown docs are text, not compressed; directories 0755, files 0644, binaries 0755.
find "$pkg" -type d -exec chmod 0755 {} +
find "$pkg" -type f -exec chmod 0644 {} +
chmod 0755 "$pkg/usr/bin/"*
chmod 0700 "$pkg/etc/ascsync/keys"

# Depends: from the shared libraries the binaries actually link.
shlib="$stage/shlib"
mkdir -p "$shlib/debian"
printf 'Source: ascsync\n\nPackage: ascsync\nArchitecture: any\n' >"$shlib/debian/control"
depends=$(cd "$shlib" && dpkg-shlibdeps -O -e"$pkg/usr/bin/ascsync" -e"$pkg/usr/bin/ascsim" 2>/dev/null |
  sed -n 's/^shlibs:Depends=//p')
[[ -n "$depends" ]] || { echo "package-deb: dpkg-shlibdeps found no dependencies" >&2; exit 1; }

install -d -m 0755 "$pkg/DEBIAN"
size=$(du -k -s --exclude=DEBIAN "$pkg" | cut -f1)
cat >"$pkg/DEBIAN/control" <<EOF
Package: ascsync
Version: $version
Architecture: $arch
Maintainer: ascsync maintainers <ascsync@ascsync.invalid>
Installed-Size: $size
Depends: $depends
Section: admin
Priority: optional
Homepage: https://ascsync.invalid/
Description: keeps App Store Connect teams in the state declared in YAML
 ascsync mirrors an Apple App Store Connect team (users, invitations,
 TestFlight groups and testers, certificates) into SQLite, plans the
 difference to the YAML its admins declare like terraform plan, and applies
 it safely on a schedule as a systemd service, with a journal, deletion
 guards and Apple's rate limit budgeted.
 .
 The package also ships ascsim, the App Store Connect simulator used by the
 tests and the demo.
EOF
(cd "$pkg" && find etc -type f | sed 's|^|/|' | sort) >"$pkg/DEBIAN/conffiles"
(cd "$pkg" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum) >"$pkg/DEBIAN/md5sums"
chmod 0644 "$pkg/DEBIAN/control" "$pkg/DEBIAN/conffiles" "$pkg/DEBIAN/md5sums"

mkdir -p "$out"
deb="$out/ascsync_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Zxz --build "$pkg" "$deb" >/dev/null
echo "$deb"
