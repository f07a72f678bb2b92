#!/usr/bin/env bash
# Installs everything, builds with AddressSanitizer + UBSan and warnings as errors, builds and
# checks the Debian package, and runs every test (unit, simulator HTTP, conformance through
# Prism, black-box). Used by .ci/run. The benchmarks are not built here (see bench/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test
scripts/check-format.sh
export ASCSYNC_TOOLS_DIR="${ASCSYNC_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ascsync-tools}"
export ASCSYNC_PRISM="$ASCSYNC_TOOLS_DIR/prism/node_modules/.bin/prism"
build="${ASCSYNC_TEST_BUILD_DIR:-build-test}"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O0 -g" \
  -DASCSYNC_SANITIZE=ON -DASCSYNC_WERROR=ON -DASCSYNC_UNITY=ON -DASCSYNC_BUILD_BENCH=OFF >/dev/null
cmake --build "$build" -j"$(nproc)"
scripts/check-package.sh --build-dir "${ASCSYNC_DEB_BUILD_DIR:-build-deb}"
ctest --test-dir "$build" --output-on-failure -j"$(nproc)"
