#!/usr/bin/env bash
# Installs the npm `jose` package (an independent JOSE/JWT implementation the client's tokens are
# verified with in tests/test_asc_jose.cpp) into a tools directory outside the repository.
# Prints nothing when it is already there.
set -euo pipefail
tools="${ASCSYNC_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ascsync-tools}"
jose_dir="$tools/jose"
version=5.9.6  # pure ESM, no dependencies, runs on Node >= 18
if [[ -f "$jose_dir/node_modules/jose/package.json" ]]; then
  exit 0
fi
command -v npm >/dev/null || { echo "npm not found: run scripts/install-deps.sh --test" >&2; exit 1; }
mkdir -p "$jose_dir"
cd "$jose_dir"
[[ -f package.json ]] || npm init -y >/dev/null
echo "installing jose@$version into $jose_dir"
npm install --no-audit --no-fund --loglevel=error "jose@$version" >/dev/null
