#!/usr/bin/env bash
# make calibrate-gate: how often the regression gate cries wolf, and how often it catches a
# real slowdown of the database, on a real PostgreSQL on this machine.
#
# Each comparison is RUNS rounds; each round runs, in an order that rotates from round to
# round, five 10-second tpcb loads of the same server:
#   A      the baseline
#   A2     the same again                        -> A/A quiet: A vs A2
#   A+hog  the same beside a CPU hog (HOGS cores) -> A/A hog: A vs A+hog
#   B5     the server 5% slower                  -> 5%: A vs B5
#   B10    the server 10% slower                 -> 10%: A vs B10
# "The server N% slower" is a trigger on pgbench_history that spins in PL/pgSQL for N% of
# the server CPU a transaction costs (measured before the rounds): the database does more
# work per transaction, as a slower build of it would; the client is untouched. The same
# trigger runs on every side, spinning 0 times on A.
#
# Every comparison is `dbharness baseline record/accept/compare --paired --json`, as CI
# would run them, and again without --paired (the two-sample analysis) for the contrast.
# The table counts, per case and measure, how often each verdict came, and the effect each
# case produced (median ratio over the comparisons). Targets: A/A regressed at most 1 in 20,
# hog included; 5% regressed at least 95% on the best measure.
# Usage: make calibrate-gate, or COMPARISONS=5 RUN_SECONDS=5 scripts/calibrate-gate.sh
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-bin/dbharness}
RUN_SECONDS=${RUN_SECONDS:-10}
RUNS=${RUNS:-5}
COMPARISONS=${COMPARISONS:-20}
HOGS=${HOGS:-1}
# Note: 2 workers on this 2-core box: the client, the server and the hog all want a core.
VUS=${VUS:-2}
[ -x "$BIN" ] || { echo "build dbharness first: make build" >&2; exit 2; }
started=$(date +%s)

. scripts/lib/pgserver.sh
work="$PGDIR/calibration"
mkdir -p "$work"
OUT=${OUT:-reports/calibration/$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
export DBHARNESS_BASELINES="$work/baselines"

hogs=()
stop_hogs() { for p in "${hogs[@]}"; do kill "$p" 2>/dev/null || true; done; hogs=(); }
trap 'stop_hogs; pg_stop' EXIT

"$BIN" load --dsn "$PG_DSN" --workload tpcb --scale 10 --vus "$VUS" --duration 5s --out "$work/warmup" >/dev/null 2>&1
pg_sql "
CREATE FUNCTION dbharness_spin(n int) RETURNS void LANGUAGE plpgsql AS \$\$
BEGIN FOR i IN 1..n LOOP END LOOP; END \$\$;
CREATE FUNCTION dbharness_spin_seconds(n int) RETURNS float8 LANGUAGE plpgsql AS \$\$
DECLARE t0 timestamptz := clock_timestamp();
BEGIN PERFORM dbharness_spin(n); RETURN extract(epoch FROM clock_timestamp() - t0); END \$\$;
CREATE FUNCTION dbharness_burn() RETURNS trigger LANGUAGE plpgsql AS \$\$
BEGIN PERFORM dbharness_spin(coalesce(nullif(current_setting('dbharness.burn', true), '')::int, 0)); RETURN NULL; END \$\$;
CREATE TRIGGER dbharness_burn AFTER INSERT ON pgbench_history FOR EACH ROW EXECUTE FUNCTION dbharness_burn();"
burn() { pg_sql "ALTER DATABASE postgres SET dbharness.burn = $1"; }

# What a spin costs, and what a transaction costs the server (its CPU per operation, from
# the process tree of the server listening on the DSN's port).
spin_ns=$(for _ in 1 2 3; do pg_sql "SELECT dbharness_spin_seconds(3000000) * 1e9 / 3000000"; done | sort -g | head -1)
burn 0
"$BIN" load --dsn "$PG_DSN" --workload tpcb --vus "$VUS" --duration "${RUN_SECONDS}s" --out "$work/cost" >/dev/null 2>&1
read -r server_us mean_us < <(python3 - "$work/cost/result.json" <<'PY'
import json, sys
load = json.load(open(sys.argv[1]))["scenarios"][0]["loads"][0]
m = load.get("machine") or {}
if not m.get("servers_seen"):
    sys.exit("calibrate-gate: the server's CPU was not measured (is the server on this machine, readable by this user?)")
print(m["server_cpu_seconds"] / load["total"]["count"] * 1e6, load["total"]["latency"]["mean_ns"] / 1000)
PY
)
iterations() { python3 -c "print(round($server_us * 1000 * $1 / $spin_ns))"; }
B5=$(iterations 0.05)
B10=$(iterations 0.10)
echo "PostgreSQL on 127.0.0.1:$PGPORT; tpcb, $VUS workers, $COMPARISONS comparisons of $RUNS rounds of ${RUN_SECONDS}s runs;" \
  "a transaction costs the server ${server_us%.*}µs of CPU (mean latency ${mean_us%.*}µs); a spin ${spin_ns}ns:" \
  "5% = $B5 spins, 10% = $B10; hog: $HOGS busy core(s) beside A+hog"

one_run() { # side: runs it and sets RESULT to its result.json
  local dir
  dir=$(mktemp -d "$work/run-XXXXXX")
  case "$1" in
    B5) burn "$B5" ;; B10) burn "$B10" ;; *) burn 0 ;;
  esac
  if [ "$1" = A+hog ]; then
    for _ in $(seq "$HOGS"); do sh -c 'while :; do :; done' >/dev/null 2>&1 & hogs+=($!); done
  fi
  "$BIN" load --dsn "$PG_DSN" --workload tpcb --vus "$VUS" --duration "${RUN_SECONDS}s" --out "$dir" >"$dir/load.log" 2>&1 \
    || { stop_hogs; echo "calibrate-gate: a $1 run failed; its output is in $dir/load.log:" >&2; tail -20 "$dir/load.log" >&2; exit 1; }
  stop_hogs
  RESULT="$dir/result.json"
}

sides=(A A2 A+hog B5 B10)
cases=("A/A quiet:A2" "A/A hog:A+hog" "5%:B5" "10%:B10")
for c in $(seq "$COMPARISONS"); do
  declare -A results=()
  for r in $(seq "$RUNS"); do
    pg_sql "TRUNCATE pgbench_history" # the history grows with every run; each round starts alike
    order=()
    for k in 0 1 2 3 4; do order+=("${sides[$(( (k + r + c) % 5 ))]}"); done
    if [ $((r % 2)) -eq 0 ]; then order=("${order[4]}" "${order[3]}" "${order[2]}" "${order[1]}" "${order[0]}"); fi
    for s in "${order[@]}"; do
      printf '\rcomparison %d/%d, round %d/%d: %-6s' "$c" "$COMPARISONS" "$r" "$RUNS" "$s" >&2
      one_run "$s"
      results[$s]+=" --result $RESULT"
    done
  done
  for entry in "${cases[@]}"; do
    label=${entry%%:*} side=${entry#*:}
    name="calib-$c-${side//[^A-Za-z0-9]/}"
    # shellcheck disable=SC2086 # the --result flags are meant to split
    "$BIN" baseline record --name "$name" ${results[A]} >/dev/null
    "$BIN" baseline accept --name "$name" --runs "$RUNS" >/dev/null
    for method in paired unpaired; do
      flag=(); [ "$method" = paired ] && flag=(--paired)
      code=0
      # shellcheck disable=SC2086
      "$BIN" baseline compare --name "$name" --json "${flag[@]}" ${results[$side]} >"$OUT/$name-$method.json" 2>"$OUT/$name-$method.err" || code=$?
      case "$code" in 0 | 1 | 3) ;; *) echo "calibrate-gate: baseline compare failed (exit $code):" >&2; cat "$OUT/$name-$method.err" >&2; exit 1 ;; esac
      echo "$label	$method	$OUT/$name-$method.json" >>"$OUT/index.tsv"
    done
  done
  unset results
done
printf '\r%60s\r' '' >&2
python3 scripts/lib/calibrate-tally.py "$OUT/index.tsv" | tee "$OUT/calibration.md"
echo "(took $(( $(date +%s) - started ))s; every comparison's report: $OUT)"
