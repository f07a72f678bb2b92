#!/usr/bin/env bash
# Installs what ascsync needs on Debian 12. Usage: scripts/install-deps.sh [--test]
#   (no flag)  build and run dependencies
#   --test     also the test tooling: Stoplight Prism (npm) for the conformance test,
#              promtool, and what builds and checks the Debian package (dpkg-dev, lintian),
#              Alertmanager, aiosmtpd and msmtp for the alert tests, clang-format and
#              clang-tidy
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(build-essential cmake ninja-build pkg-config git ca-certificates
  libssl-dev libsqlite3-dev sqlite3 libcpp-httplib-dev nlohmann-json3-dev libspdlog-dev
  libyaml-dev doctest-dev libcli11-dev libsystemd-dev systemd curl ccache)
if [[ "${1:-}" == "--test" ]]; then
  # Node may come from Debian or from another nodejs package already on the machine.
  command -v npm >/dev/null || packages+=(nodejs npm)
  packages+=(prometheus)  # promtool checks /metrics in the daemon tests
  packages+=(dpkg-dev lintian)  # scripts/package-deb.sh and scripts/check-package.sh
  packages+=(clang-format)      # scripts/check-format.sh
  packages+=(clang-tidy)        # scripts/clang-tidy.sh (run-clang-tidy-14 comes with it)
  # tests/test_alerts_*: a real Alertmanager, an SMTP sink and a sendmail-compatible client.
  packages+=(prometheus-alertmanager python3-aiosmtpd msmtp)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  sudo_cmd=()
  [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [[ "${1:-}" == "--test" ]]; then
  scripts/install-prism.sh
  # jose: an independent JWT implementation the client's tokens are verified with.
  if [[ -x scripts/install-jose.sh ]]; then scripts/install-jose.sh; fi
fi
