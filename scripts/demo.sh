#!/usr/bin/env bash
# Installs, builds (release) and runs the main job against the bundled simulator.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DASCSYNC_BUILD_TESTS=OFF >/dev/null
cmake --build build -j"$(nproc)"
exec build/src/ascsim --port 8787 --demo
