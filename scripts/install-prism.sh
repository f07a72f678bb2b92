#!/usr/bin/env bash
# Installs Stoplight Prism (the OpenAPI validation proxy used by the conformance test) into a
# tools directory outside the repository. Prints nothing when it is already there.
set -euo pipefail
tools="${ASCSYNC_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ascsync-tools}"
prism_dir="$tools/prism"
version=5.14.2  # declares node >=18.20.1, so it installs cleanly on Debian's and newer Node
if [[ -x "$prism_dir/node_modules/.bin/prism" ]]; then
  exit 0
fi
command -v npm >/dev/null || { echo "npm not found: run scripts/install-deps.sh --test" >&2; exit 1; }
mkdir -p "$prism_dir"
cd "$prism_dir"
[[ -f package.json ]] || npm init -y >/dev/null
echo "installing @stoplight/prism-cli@$version into $prism_dir"
SCARF_ANALYTICS=false npm install --no-audit --no-fund --loglevel=error "@stoplight/prism-cli@$version" >/dev/null
