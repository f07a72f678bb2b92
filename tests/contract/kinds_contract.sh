#!/usr/bin/env bash
# CTest `kinds_contract`: a handler with every part compiles; the same handler without exists()
# does not, and the compiler names the kinds::Handler contract. BUILD_DIR is the CMake build tree.
set -uo pipefail
build=$1
if ! out=$(cmake --build "$build" --target kinds_contract_complete 2>&1); then
  echo "$out"
  echo "kinds_contract: a complete handler did not compile" >&2
  exit 1
fi
if out=$(cmake --build "$build" --target kinds_contract_missing_part 2>&1); then
  echo "kinds_contract: a handler without exists() compiled" >&2
  exit 1
fi
if ! grep -q "required expression .H::exists" <<<"$out"; then
  echo "$out"
  echo "kinds_contract: the compiler refused the handler but not for the missing exists()" >&2
  exit 1
fi
echo "kinds_contract: complete handler compiles; a handler without exists() is refused"
