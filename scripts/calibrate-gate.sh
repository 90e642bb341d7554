#!/usr/bin/env bash
# make calibrate-gate: how often the regression gate cries wolf, and how often it catches a
# real slowdown, on a real PostgreSQL on this machine.
#   A/A: AA comparisons of identical runs (target: no more than 1% regressed, and at most 1
#        in 20 at minimum);
#   A/B: AB comparisons each with an injected slowdown of about 5% and of about 10% (every
#        operation made longer by that share of the mean transfer latency; target: at least
#        95% caught at 5%).
# Each comparison takes RUNS fresh runs per side of RUN_SECONDS each, interleaved ABBA... so
# drift in the machine hits both sides. AB10=0 skips the 10% case. Every run is `dbharness load` of tpcb, VUS workers (2);
# every comparison is `dbharness baseline record/accept/compare`, as CI would run them.
# Usage: make calibrate-gate, or RUN_SECONDS=3 AA=20 AB=10 scripts/calibrate-gate.sh
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-bin/dbharness}
RUN_SECONDS=${RUN_SECONDS:-10}
RUNS=${RUNS:-5}
AA=${AA:-20}
AB=${AB:-10}
AB10=${AB10:-$AB}
# Note: 2 workers, so the client's pace sets the throughput: with 8 workers on this 2-core box
# the server is CPU-bound and uses the time an injected client delay frees for the other
# workers, and a "5%" delay costs almost no throughput (measured: 0.3%).
VUS=${VUS:-2}
[ -x "$BIN" ] || { echo "build dbharness first: make build" >&2; exit 2; }
started=$(date +%s)

. scripts/lib/pgserver.sh
work="$PGDIR/calibration"
mkdir -p "$work"
# Every comparison's report and every run's ops/s are kept here, outside the server's
# temporary folder, for a look at the measures one by one afterwards.
OUT=${OUT:-reports/calibration/$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
export DBHARNESS_BASELINES="$work/baselines"
"$BIN" load --dsn "$PG_DSN" --workload tpcb --scale 10 --vus "$VUS" --duration 5s --out "$work/warmup" >/dev/null 2>&1
mean_us=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["scenarios"][0]["loads"][0]["total"]["latency"]["mean_ns"]/1000)' "$work/warmup/result.json")
delay() { python3 -c "print(f'{$mean_us*$1:.0f}us')"; }
echo "PostgreSQL on 127.0.0.1:$PGPORT; tpcb, $VUS workers, $RUNS runs of ${RUN_SECONDS}s per side; mean transfer ${mean_us%.*}µs;" \
  "slowdowns: 5% = $(delay 0.05), 10% = $(delay 0.10)"

one_run() { # delay -> path of its result.json (called in $(...): a fresh folder each time)
  local dir
  dir=$(mktemp -d "$work/run-XXXXXX")
  "$BIN" load --dsn "$PG_DSN" --workload tpcb --vus "$VUS" --duration "${RUN_SECONDS}s" --inject-delay "$1" \
    --out "$dir" >/dev/null 2>&1
  echo "$dir/result.json"
}
ops() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["scenarios"][0]["loads"][0]["total"]["ops_per_sec"])' "$1"; }

# compare NAME DELAY: RUNS runs of each side, interleaved; prints the gate's exit code.
compare() {
  local a=() b=() i
  # ABBA order, as `dbharness compare` runs: a drift that grows run after run costs both sides alike.
  for i in $(seq "$RUNS"); do
    if [ $((i % 2)) -eq 1 ]; then
      a+=(--result "$(one_run 0s)")
      b+=(--result "$(one_run "$2")")
    else
      b+=(--result "$(one_run "$2")")
      a+=(--result "$(one_run 0s)")
    fi
  done
  "$BIN" baseline record --name "$1" "${a[@]}" >/dev/null
  "$BIN" baseline accept --name "$1" --runs "$RUNS" >/dev/null
  local code=0
  "$BIN" baseline compare --name "$1" "${b[@]}" >"$OUT/$1.md" 2>&1 || code=$?
  for r in "${a[@]}"; do [ "$r" = --result ] || echo "A $(ops "$r")" >>"$OUT/ops.txt"; done
  for r in "${b[@]}"; do [ "$r" = --result ] || echo "B$2 $(ops "$r")" >>"$OUT/ops.txt"; done
  echo "$code"
}

tally() { # label key count delay
  local regressed=0 inconclusive=0 unchanged=0 i code
  for i in $(seq "$3"); do
    code=$(compare "calib-$2-$i" "$4")
    case "$code" in 0) unchanged=$((unchanged + 1)) ;; 1) regressed=$((regressed + 1)) ;; 3) inconclusive=$((inconclusive + 1)) ;;
      *) echo "baseline compare failed (exit $code):" >&2; cat "$OUT/calib-$2-$i.md" >&2; exit 1 ;; esac
    printf '\r%-6s %d/%d' "$1" "$i" "$3" >&2
  done
  printf '\r' >&2
  local effect
  effect=$(python3 - "$OUT/ops.txt" "$4" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
a = [float(v) for k, v in rows if k == "A"]
b = [float(v) for k, v in rows if k == "B" + sys.argv[2]]
print(f"{(1 - statistics.median(b) / statistics.median(a)) * 100:+.1f}%" if a and b else "?")
PY
)
  printf '%-8s %11s %9s %9s %12s %10s\n' "$1" "$3" "$regressed" "$unchanged" "$inconclusive" "$effect"
}

printf '%-8s %11s %9s %9s %12s %10s\n' case comparisons regressed unchanged inconclusive "ops/s lost"
tally A/A aa "$AA" 0s
tally 5% ab5 "$AB" "$(delay 0.05)"
[ "$AB10" -gt 0 ] && tally 10% ab10 "$AB10" "$(delay 0.10)"
echo "(took $(( $(date +%s) - started ))s; 'ops/s lost' is the median over all runs of that side against the A runs)"
echo "every comparison's report and every run's ops/s: $OUT"
