#!/usr/bin/env bash
# Export benchmark: `ascsync export` of a team with 10,000 testers in 50 groups (5 apps) and 500
# users from ascsim, then the exported files read back: validate, plan --no-refresh (adoption
# pending), apply (adopts: no write request), and validate / plan --no-refresh (no changes) of
# the same team in two forms: as exported (testers in fastlane CSV files) and with every tester
# declared in YAML (a `testers:` list plus each group's `members:`, 1.3 MB at 10,000). Prints a
# markdown table of wall time, CPU time and peak RSS per step (GNU time); the read-back steps
# run RUNS times (default 5) and print the median of each column. Not a test. Build Release
# first:
#   cmake -S . -B build-rel -G Ninja -DCMAKE_BUILD_TYPE=Release -DASCSYNC_BUILD_TESTS=OFF -DASCSYNC_UNITY=ON
#   ninja -C build-rel ascsync ascsim && bench/bench_export.sh build-rel [testers]
# KEEP=DIR keeps the scratch directory (database, both desired states, configs) in DIR.
set -euo pipefail
build=${1:-build-rel}
testers=${2:-10000}
root=$(cd "$(dirname "$0")/.." && pwd)
ascsync="$root/$build/src/ascsync"
ascsim="$root/$build/src/ascsim"
[[ -x "$ascsync" && -x "$ascsim" ]] || { echo "build $build first (see the header of this script)" >&2; exit 2; }
command -v /usr/bin/time >/dev/null || { echo "needs GNU time (apt-get install time)" >&2; exit 2; }

work=$(mktemp -d)
runs=${RUNS:-5}
trap 'kill "$sim_pid" 2>/dev/null || true; if [[ -n "${KEEP:-}" ]]; then rm -rf "$KEEP"; cp -r "$work" "$KEEP"; fi; rm -rf "$work"' EXIT
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

measure() {  # measure NAME COMMAND...: one table row, the median of each column over $runs runs
  local name=$1 n=$runs rc=0
  shift
  [[ $name == *"(once)"* ]] && n=1
  : >"$work/times"
  for _ in $(seq "$n"); do
    rc=0
    /usr/bin/time -f "%e %U %S %M" -o "$work/time" "$@" >"$work/out" 2>&1 || rc=$?
    tail -n 1 "$work/time" >>"$work/times"
  done
  python3 - "$work/times" "$name" "$rc" <<'PY'
import statistics, sys
rows = [list(map(float, l.split())) for l in open(sys.argv[1]) if l.strip()]
med = lambda xs: statistics.median(xs)
print("| %s | %.2f | %.0f | %.0f | %s |" % (sys.argv[2], med([r[0] for r in rows]),
      med([(r[1] + r[2]) * 1000 for r in rows]), med([r[3] / 1024 for r in rows]), sys.argv[3]))
PY
}

# The same team with every tester declared in YAML: the exported app files without their
# tester_imports, each external group listing its members, and testers.yaml naming every tester.
to_yaml() {
  python3 - "$1" "$2" <<'PY'
import csv, os, re, sys
src, dst = sys.argv[1], sys.argv[2]
os.makedirs(dst, exist_ok=True)
members, testers = {}, {}
for f in sorted(os.listdir(src)):
    if f.endswith(".csv"):
        app = f[len("testers."):-len(".csv")]
        for row in csv.DictReader(open(os.path.join(src, f))):
            testers[row["Email"]] = (row["First"], row["Last"])
            for g in filter(None, row["Groups"].split(";")):
                members.setdefault((app, g), []).append(row["Email"])
for f in sorted(os.listdir(src)):
    if not f.endswith(".yaml"):
        continue
    out, app, group = [], None, None
    def flush():
        if group is not None and members.get((app, group)):
            out.append("        members:")
            out.extend(f"          - {e}" for e in members[(app, group)])
    for line in open(os.path.join(src, f)).read().splitlines():
        if line.startswith("tester_imports:"):
            break
        m = re.match(r"  - bundle_id: (\S+)", line)
        if m:
            app = m.group(1)
        m = re.match(r"      - name: (.*)$", line)
        if m or (line.strip() == "" and group is not None):
            flush()
            group = m.group(1).strip('"') if m else None
        if line.startswith("        members:"):  # an internal group: its members are team users
            group = None
        out.append(line)
    flush()
    open(os.path.join(dst, f), "w").write("\n".join(out) + "\n")
with open(os.path.join(dst, "testers.yaml"), "w") as o:
    o.write("team: bench\n\ntesters:\n")
    for e, (first, last) in sorted(testers.items()):
        o.write(f'  - email: {e}\n    first_name: "{first}"\n    last_name: "{last}"\n')
PY
}

echo "| step ($testers testers, 50 groups, 500 users) | wall s | CPU ms | peak RSS MB | exit |"
echo "|---|---|---|---|---|"
measure "mirror (refresh) (once)" "$ascsync" --config "$work/ascsync.yaml" mirror
summary=$(cat "$work/out")
measure "export --no-refresh (once)" "$ascsync" --config "$work/ascsync.yaml" export --no-refresh --out "$work/export"
to_yaml "$work/export" "$work/yaml"
sed "s|desired_state: .*|desired_state: $work/export|" "$work/ascsync.yaml" >"$work/csv.yaml"
sed "s|desired_state: .*|desired_state: $work/yaml|" "$work/ascsync.yaml" >"$work/all-yaml.yaml"
measure "CSV form: validate" "$ascsync" --config "$work/csv.yaml" validate
measure "CSV form: plan --no-refresh (2: adoption pending)" "$ascsync" --config "$work/csv.yaml" plan --no-refresh
plan_tail=$(tail -n 1 "$work/out")
measure "YAML form: validate" "$ascsync" --config "$work/all-yaml.yaml" validate
measure "YAML form: plan --no-refresh (2: adoption pending)" "$ascsync" --config "$work/all-yaml.yaml" plan --no-refresh
measure "YAML form: apply (adopts, no write request) (once)" "$ascsync" --config "$work/all-yaml.yaml" apply
apply_tail=$(tail -n 1 "$work/out")
measure "YAML form: plan --no-refresh (0: no changes)" "$ascsync" --config "$work/all-yaml.yaml" plan --no-refresh
measure "CSV form: plan --no-refresh (0: no changes)" "$ascsync" --config "$work/csv.yaml" plan --no-refresh
echo
echo "$summary"
echo "first plan: $plan_tail"
echo "apply: $apply_tail"
echo "exported: $(ls "$work/export" | wc -l) files, $(du -sk "$work/export" | cut -f1) KiB; YAML form: $(du -sk "$work/yaml" | cut -f1) KiB"
