#!/usr/bin/env bash
# Failover numbers for Redis, measured: the scenarios tagged @failover-under-load in
# features/redis/ (a cluster primary killed under acked-writes load; a sentinel primary
# killed under the same load) run RUNS times each; for each we print the median and the
# range of the time until a new primary was elected, the time until the topology was healthy
# again, and the acknowledged writes lost.
# Usage: scripts/bench-redis-failover.sh   (RUNS=5)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-bin/dbharness}
RUNS=${RUNS:-5}
[ -x "$BIN" ] || { echo "build dbharness first: make build" >&2; exit 2; }
dir=$(mktemp -d /tmp/bench-redis-failover-XXXXXX)
trap 'rm -rf "$dir"' EXIT
trap 'exit 130' INT TERM

for feature in cluster sentinel; do
  for i in $(seq "$RUNS"); do
    printf '\r%s run %d/%d' "$feature" "$i" "$RUNS" >&2
    # A failed check still writes the result; the numbers are what we want.
    "$BIN" run --no-colors --format progress --tags @failover-under-load --out "$dir/$feature-$i" \
      "features/redis/$feature.feature" >"$dir/$feature-$i.log" 2>&1 || true
    [ -f "$dir/$feature-$i/result.json" ] || { echo "no result from $feature run $i:" >&2; tail -20 "$dir/$feature-$i.log" >&2; exit 1; }
  done
  printf '\r' >&2
done

python3 - "$dir" "$RUNS" <<'PY'
import json, statistics, sys
d, runs = sys.argv[1], int(sys.argv[2])
def row(name, xs, fmt):
    if not xs:
        return f"{name:<34} (none)"
    return f"{name:<34} median {fmt(statistics.median(xs)):>9}  range {fmt(min(xs))} .. {fmt(max(xs))}  (n={len(xs)})"
for feature in ("cluster", "sentinel"):
    elected, healthy, lost, acked, errors = [], [], [], [], []
    for i in range(1, runs + 1):
        sc = json.load(open(f"{d}/{feature}-{i}/result.json"))["scenarios"][0]
        for e in sc.get("events", []):
            if e["kind"] != "recovered":
                continue
            secs = e.get("after_ns", 0) / 1e9
            (elected if "new primary" in e["text"] else healthy).append(secs)
        for v in sc.get("verifications", []):
            lost.append(v["lost"]); acked.append(v["acknowledged"])
        for l in sc.get("loads", []):
            errors.append(l["total"]["errors"])
    print(f"{feature} (primary killed under 4 workers of acked-writes, {runs} runs):")
    print(" ", row("new primary elected after", elected, lambda s: f"{s:.2f}s"))
    print(" ", row("healthy again after", healthy, lambda s: f"{s:.2f}s"))
    print(" ", row("acknowledged writes lost", lost, lambda n: f"{n:.0f}"))
    print(" ", row("acknowledged writes", acked, lambda n: f"{n:.0f}"))
    print(" ", row("failed operations (during failover)", errors, lambda n: f"{n:.0f}"))
PY
