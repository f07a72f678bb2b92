#!/usr/bin/env bash
# Installs everything, builds with AddressSanitizer + UBSan (the libraries and binaries; the test
# sources are linked with the sanitizer runtimes but not instrumented, see cmake/Warnings.cmake)
# and warnings as errors, builds and checks the Debian package, and runs every test (unit,
# simulator HTTP, conformance through Prism, black-box). Used by .ci/run. The benchmarks are not
# built here (see bench/README.md).
#
# scripts/test.sh --tsan runs only the ThreadSanitizer suite instead: the service (daemon,
# scheduler), reconcile and alerts tests built with ASCSYNC_TSAN in build-tsan. Separate from the
# test command (it is not part of its time budget). Third-party false positives: tests/tsan.supp.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ "${1:-}" == "--tsan" ]]; then
  build="${ASCSYNC_TSAN_BUILD_DIR:-build-tsan}"
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g" \
    -DASCSYNC_TSAN=ON -DASCSYNC_SANITIZE=OFF -DASCSYNC_WERROR=ON -DASCSYNC_UNITY=ON \
    -DASCSYNC_BUILD_BENCH=OFF >/dev/null
  # test_alerts_daemon runs the real ascsync binary as a child (its exit code is checked, and TSan
  # makes it 66 on a report), so it is built with TSan too.
  targets=(tests_daemon tests_reconcile tests_alerts ascsync)
  cmake --build "$build" -j"$(nproc)" --target "${targets[@]}"
  export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$PWD/tests/tsan.supp ${TSAN_OPTIONS:-}"
  status=0
  for t in tests_daemon tests_reconcile tests_alerts; do
    echo "== $t (ThreadSanitizer)"
    "$build/tests/$t" --no-version || status=1
  done
  exit "$status"
fi
scripts/install-deps.sh --test
scripts/check-format.sh
export ASCSYNC_TOOLS_DIR="${ASCSYNC_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ascsync-tools}"
export ASCSYNC_PRISM="$ASCSYNC_TOOLS_DIR/prism/node_modules/.bin/prism"
build="${ASCSYNC_TEST_BUILD_DIR:-build-test}"
# -g1: line tables (sanitizer and crash backtraces keep file:line) without the full debug info,
# which costs build time the suite does not use.
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O0 -g1" \
  -DASCSYNC_SANITIZE=ON -DASCSYNC_WERROR=ON -DASCSYNC_UNITY=ON -DASCSYNC_BUILD_BENCH=OFF >/dev/null
cmake --build "$build" -j"$(nproc)"
# The Debian package (its own Release build, then lintian, install and unit checks) is built at a
# lower priority beside the tests: they mostly wait on sockets and child processes, so the package
# build takes the CPU they leave. Both must pass; the package's output follows the tests'.
package_log=$(mktemp)
trap 'rm -f "$package_log"' EXIT
nice -n 10 scripts/check-package.sh --build-dir "${ASCSYNC_DEB_BUILD_DIR:-build-deb}" >"$package_log" 2>&1 &
package_pid=$!
tests_status=0
ctest --test-dir "$build" --output-on-failure -j"$(nproc)" || tests_status=$?
package_status=0
wait "$package_pid" || package_status=$?
cat "$package_log"
if ((package_status != 0)); then echo "test.sh: the Debian package checks failed (exit $package_status)" >&2; fi
if ((tests_status != 0)); then exit "$tests_status"; fi
exit "$package_status"
