#!/usr/bin/env bash
# Export benchmark: `ascsync export` of a team with 10,000 testers in 50 groups (5 apps) and 500
# users from ascsim, then `ascsync plan --no-refresh` re-importing the exported files. Prints a
# markdown table of wall time, CPU time and peak RSS per step (GNU time), and checks the round
# trip (plan exit 0 = no changes). Not a test. Build Release first:
#   cmake -S . -B build-rel -G Ninja -DCMAKE_BUILD_TYPE=Release -DASCSYNC_BUILD_TESTS=OFF -DASCSYNC_UNITY=ON
#   ninja -C build-rel ascsync ascsim && bench/bench_export.sh build-rel [testers]
set -euo pipefail
build=${1:-build-rel}
testers=${2:-10000}
root=$(cd "$(dirname "$0")/.." && pwd)
ascsync="$root/$build/src/ascsync"
ascsim="$root/$build/src/ascsim"
[[ -x "$ascsync" && -x "$ascsim" ]] || { echo "build $build first (see the header of this script)" >&2; exit 2; }
command -v /usr/bin/time >/dev/null || { echo "needs GNU time (apt-get install time)" >&2; exit 2; }

work=$(mktemp -d)
trap 'kill "$sim_pid" 2>/dev/null || true; rm -rf "$work"' EXIT
python3 - "$work/state.json" "$testers" <<'EOF'
import json, sys
path, testers = sys.argv[1], int(sys.argv[2])
st = {"apps": [], "users": [], "betaGroups": [], "betaTesters": []}
for a in range(5):
    st["apps"].append({"id": str(2000000001 + a), "bundle_id": f"com.bench.app{a}", "name": f"Bench {a}"})
groups = []
for g in range(50):
    gid = f"{g:08d}-aaaa-bbbb-cccc-000000000000"
    groups.append(gid)
    st["betaGroups"].append({"id": gid, "app_id": str(2000000001 + g % 5), "name": f"Group {g}",
                             "created_date": "2026-01-01T00:00:00Z", "feedback_enabled": True})
for u in range(500):
    st["users"].append({"id": f"u{u:07d}-0000-0000-0000-000000000000", "username": f"user{u}@bench.example",
                        "first_name": "User", "last_name": str(u), "roles": ["DEVELOPER"], "all_apps_visible": True})
for t in range(testers):
    st["betaTesters"].append({"id": f"t{t:07d}-0000-0000-0000-000000000000", "email": f"tester{t}@bench.example",
                              "first_name": "Tester", "last_name": str(t), "groups": [groups[t % 50]]})
json.dump(st, open(path, "w"))
EOF
"$ascsim" --port 0 --demo --key-dir "$work/keys" --fixture "$work/state.json" --rate-limit 1000000 >"$work/sim.log" 2>&1 &
sim_pid=$!
for _ in $(seq 100); do grep -q "^key path:" "$work/sim.log" 2>/dev/null && break; sleep 0.1; done
url=$(sed -n 's/^base url: *//p' "$work/sim.log")
cat >"$work/ascsync.yaml" <<EOF
database: $work/ascsync.db
log: {level: warn}
teams:
  - name: bench
    issuer_id: $(sed -n 's/^issuer id: *//p' "$work/sim.log")
    key_id: $(sed -n 's/^key id: *//p' "$work/sim.log")
    private_key_file: $(sed -n 's/^key path: *//p' "$work/sim.log")
    desired_state: $work/desired.yaml
    base_url: $url
EOF
echo "team: bench" >"$work/desired.yaml"

measure() {  # measure NAME COMMAND...: one table row
  local name=$1
  shift
  local rc=0
  /usr/bin/time -f "%e %U %S %M" -o "$work/time" "$@" >"$work/out" 2>&1 || rc=$?
  read -r wall user sys rss < <(tail -n 1 "$work/time")
  printf '| %s | %.2f | %.2f | %.0f | %d |\n' "$name" "$wall" "$(echo "$user + $sys" | bc)" "$(echo "$rss / 1024" | bc)" "$rc"
}

echo "| step ($testers testers, 50 groups, 500 users) | wall s | CPU s | peak RSS MB | exit |"
echo "|---|---|---|---|---|"
measure "mirror (refresh)" "$ascsync" --config "$work/ascsync.yaml" mirror
cat "$work/out"
measure "export --no-refresh" "$ascsync" --config "$work/ascsync.yaml" export --no-refresh --out "$work/export"
sed -i "s|desired_state: .*|desired_state: $work/export|" "$work/ascsync.yaml"
measure "validate (exported files)" "$ascsync" --config "$work/ascsync.yaml" validate
measure "plan --no-refresh (exit 0 = no changes)" "$ascsync" --config "$work/ascsync.yaml" plan --no-refresh
echo
cat "$work/out" | tail -n 3
echo "exported: $(ls "$work/export" | wc -l) files, $(du -sk "$work/export" | cut -f1) KiB"
