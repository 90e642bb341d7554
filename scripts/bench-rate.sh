#!/usr/bin/env bash
# make bench-rate: open-loop precision against pgbench. One PostgreSQL 15 (scale 10), point
# selects at fixed rates on 8 connections, alternating
#   pgbench -S -M prepared -c 8 -j 2 --rate R -T S -l   (its per-transaction log gives p50s)
#   dbharness load --workload point-select --executor constant-arrival-rate --rate R
#                  --pre-allocated-vus 8 --max-vus 8 --duration S
# and prints, per rate, what each achieved, its latency (from the intended start, schedule
# lag included, in both tools) and its schedule lag, with dbharness/pgbench ratios.
# Targets (issue 16): achieved within 1% of pgbench's where pgbench holds the rate, latency
# p50 and mean within 1.15x of pgbench's, schedule lag p50 <= 50us.
# Usage: make bench-rate, or RATES="2000 5000" SECONDS_RUN=10 ROUNDS=2 scripts/bench-rate.sh
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-bin/dbharness}
RATES=${RATES:-2000 5000 8000 15000}
SECONDS_RUN=${SECONDS_RUN:-15}
ROUNDS=${ROUNDS:-1}
CLIENTS=${CLIENTS:-8}
[ -x "$BIN" ] || { echo "build dbharness first: make build" >&2; exit 2; }
started=$(date +%s)

. scripts/lib/pgserver.sh
"$BIN" load --dsn "$PG_DSN" --workload point-select --scale 10 --vus 2 --duration 2s --out "$PGDIR/warmup" >/dev/null 2>&1
pg_sql CHECKPOINT
echo "PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PGPORT, $(nproc) CPUs, load average $(cut -d' ' -f1 /proc/loadavg);" \
  "$CLIENTS connections, ${SECONDS_RUN}s per run, $ROUNDS round(s), pgbench and dbharness alternating"

pgbench_run() { # rate round -> "achieved lat_mean_us lat_p50_us lag_mean_us lag_p50_us dropped late"
  local dir="$PGDIR/pgbench-$1-$2"
  mkdir -p "$dir"
  chmod 777 "$dir"
  (cd "$dir" && "$PGBIN/pgbench" -h 127.0.0.1 -p "$PGPORT" -U postgres -n -S -M prepared -c "$CLIENTS" -j 2 \
    --rate "$1" -T "$SECONDS_RUN" -l --log-prefix=tx postgres >"$dir/out.txt" 2>&1) \
    || { cat "$dir/out.txt" >&2; exit 1; }
  python3 - "$dir" "$SECONDS_RUN" <<'PY'
import glob, statistics, sys
lat, lag = [], []
for f in glob.glob(sys.argv[1] + "/tx*"):
    for line in open(f):
        # client_id transaction_no time script_no time_epoch time_us schedule_lag
        p = line.split()
        if len(p) >= 7 and p[2] != "skipped":
            lat.append(int(p[2])); lag.append(int(p[6]))
out = open(sys.argv[1] + "/out.txt").read()
tps = float(out.split("tps = ")[1].split()[0])
skipped = 0
for l in out.splitlines():
    if "number of transactions skipped" in l:
        skipped = int(l.split(":")[1].split()[0])
late = sum(1 for v in lag if v > 1000)
print(f"{tps:.0f} {statistics.mean(lat):.0f} {statistics.median(lat):.0f} {statistics.mean(lag):.0f} {statistics.median(lag):.0f} {skipped} {late}")
PY
}

dbharness_run() { # rate round -> the same fields
  local dir="$PGDIR/dbharness-$1-$2"
  "$BIN" load --dsn "$PG_DSN" --workload point-select --executor constant-arrival-rate --rate "$1" \
    --pre-allocated-vus "$CLIENTS" --max-vus "$CLIENTS" --duration "${SECONDS_RUN}s" --out "$dir" >"$PGDIR/dbharness.log" 2>&1 \
    || { cat "$PGDIR/dbharness.log" >&2; exit 1; }
  python3 - "$dir/result.json" <<'PY'
import json, sys
load = json.load(open(sys.argv[1]))["scenarios"][0]["loads"][0]
lat, lag = load["total"]["latency"], (load.get("schedule_lag") or {}).get("latency", {})
us = lambda ns: f"{ns / 1000:.0f}"
print(f'{load["total"]["ops_per_sec"]:.0f} {us(lat["mean_ns"])} {us(lat["p50_ns"])} {us(lag.get("mean_ns", 0))} {us(lag.get("p50_ns", 0))} {load["dropped_iterations"]} {load["late_iterations"]}')
PY
}

printf '\n%-7s %-9s %9s %11s %10s %11s %10s %8s %8s\n' rate tool achieved "lat mean" "lat p50" "lag mean" "lag p50" dropped "late>1ms"
for rate in $RATES; do
  for round in $(seq "$ROUNDS"); do
    for tool in pgbench dbharness; do
      if [ $((round % 2)) -eq 0 ]; then tool=$([ "$tool" = pgbench ] && echo dbharness || echo pgbench); fi
      read -r ach lmean lp50 gmean gp50 drop late < <("${tool}_run" "$rate" "$round")
      printf '%-7s %-9s %9s %9sµs %8sµs %9sµs %8sµs %8s %8s\n' "$rate" "$tool" "$ach" "$lmean" "$lp50" "$gmean" "$gp50" "$drop" "$late"
      echo "$rate $tool $ach $lmean $lp50 $gmean $gp50" >>"$PGDIR/rows.txt"
    done
  done
done
python3 - "$PGDIR/rows.txt" <<'PY'
import collections, sys
rows = collections.defaultdict(lambda: collections.defaultdict(list))
for line in open(sys.argv[1]):
    rate, tool, *v = line.split()
    rows[rate][tool].append([float(x) for x in v])
print("\nratios dbharness/pgbench (mean over rounds): achieved, latency mean, latency p50")
for rate, tools in rows.items():
    m = {t: [sum(c) / len(c) for c in zip(*v)] for t, v in tools.items()}
    d, p = m["dbharness"], m["pgbench"]
    print(f"{rate:>7}: achieved {d[0] / p[0]:.3f}  latency mean {d[1] / p[1]:.2f}x  p50 {d[2] / p[2]:.2f}x  (dbharness lag p50 {d[4]:.0f}µs, pgbench {p[4]:.0f}µs)")
PY
echo "(took $(( $(date +%s) - started ))s)"
