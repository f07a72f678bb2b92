#!/usr/bin/env bash
# Runs clang-tidy (Debian 12's clang-tidy 14, the checks in .clang-tidy) over every .cpp in src/
# and the project headers they include; exits non-zero on any warning. Not part of the test
# command: a full run takes about 9 minutes (8 CPU-minutes) on the 2-core machine.
# Usage: scripts/clang-tidy.sh [FILE...] (default: every tracked src/**.cpp).
# Environment: ASCSYNC_TIDY_BUILD_DIR (default build-tidy), ASCSYNC_TIDY_JOBS (default 2).
set -euo pipefail
cd "$(dirname "$0")/.."
tidy=$(command -v clang-tidy-14 || command -v clang-tidy || true)
[[ -n "$tidy" ]] || { echo "clang-tidy: clang-tidy is missing (scripts/install-deps.sh --test)" >&2; exit 1; }
build="${ASCSYNC_TIDY_BUILD_DIR:-build-tidy}"
jobs="${ASCSYNC_TIDY_JOBS:-2}"

# A non-unity configure, so that every source file has its own entry in compile_commands.json.
# Nothing is built: the tree has no generated headers.
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_EXPORT_COMPILE_COMMANDS=ON \
  -DASCSYNC_UNITY=OFF -DASCSYNC_SANITIZE=OFF -DASCSYNC_TSAN=OFF -DASCSYNC_BUILD_TESTS=OFF \
  -DASCSYNC_BUILD_BENCH=OFF >/dev/null

if (($#)); then files=("$@"); else mapfile -t files < <(git ls-files 'src/*.cpp'); fi
log=$(mktemp)
trap 'rm -f "$log"' EXIT
start=$SECONDS
status=0
runner=$(command -v run-clang-tidy-14 || true)
if [[ -n "$runner" ]]; then
  # run-clang-tidy takes regular expressions: anchor each path.
  regexes=()
  for f in "${files[@]}"; do regexes+=("$(realpath "$f" | sed 's/[.[\*^$+?(){}|]/\\&/g')\$"); done
  nice "$runner" -clang-tidy-binary "$tidy" -p "$build" -j "$jobs" -quiet "${regexes[@]}" >"$log" 2>&1 || status=$?
else
  printf '%s\n' "${files[@]}" | nice xargs -P "$jobs" -n 4 "$tidy" -p "$build" --quiet >"$log" 2>&1 || status=$?
fi
# Drop the runner's command lines and clang-tidy's "N warnings generated" counts (those are the
# suppressed third-party and system-header warnings); keep the findings and errors.
# run-clang-tidy always asks for colours: strip them.
sed -i -E 's/\x1b\[[0-9;]*m//g' "$log"
grep -v -E "^$tidy |^[0-9]+ warnings? (and [0-9]+ errors? )?generated\.$|^Suppressed [0-9]+ warnings|^Use -header-filter" "$log" || true
findings=$(grep -c -E ': (warning|error): ' "$log" || true)
echo "clang-tidy: ${#files[@]} files, ${findings} findings, $((SECONDS - start))s"
if ((status != 0 || findings != 0)); then
  echo "clang-tidy: failed (fix the findings above, or see .clang-tidy for how checks are chosen)" >&2
  exit 1
fi
