#!/usr/bin/env bash
# Fails when a tracked C++ file differs from what clang-format (the repo's .clang-format) makes
# of it. Fix with: git ls-files '*.cpp' '*.hpp' | xargs clang-format -i
set -euo pipefail
cd "$(dirname "$0")/.."
command -v clang-format >/dev/null || { echo "check-format: clang-format is missing (apt-get install clang-format)" >&2; exit 1; }
files=$(git ls-files '*.cpp' '*.hpp')
if ! out=$(printf '%s\n' $files | xargs clang-format --dry-run --Werror 2>&1); then
  printf '%s\n' "$out" | grep -E '^[^ ].*: error:' | cut -d: -f1 | sort -u | sed 's/^/not formatted: /'
  echo "check-format: run: git ls-files '*.cpp' '*.hpp' | xargs clang-format -i" >&2
  exit 1
fi
echo "check-format: $(printf '%s\n' $files | wc -l) files formatted"
