#!/usr/bin/env bash
# Measures dbharness's PostgreSQL load next to pgbench's on one server started here, with the
# same data (scale 10), clients (8) and duration (10 s), and prints the TPS ratios.
# The runs alternate (pgbench, dbharness, pgbench, dbharness, ...) so that drift in the server
# (caches, autovacuum, a growing history table) hits both sides alike.
# Usage: scripts/bench-pg-vs-pgbench.sh   (make bench-pg-vs-pgbench builds bin/dbharness first)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-bin/dbharness}
CLIENTS=${CLIENTS:-8}
SECONDS_RUN=${SECONDS_RUN:-10}
ROUNDS=${ROUNDS:-2}
[ -x "$BIN" ] || { echo "build dbharness first: make build" >&2; exit 2; }

. scripts/lib/pgserver.sh
dir=$PGDIR port=$PGPORT dsn=$PG_DSN
echo "server: PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$port, $(nproc) CPUs;" \
  "$CLIENTS clients, ${SECONDS_RUN}s per run, $ROUNDS rounds; pgbench -M prepared -j 2"

# dbharness TAG: runs one scenario of the bench feature, prints the workload's TPS.
dbharness() {
  local out="$dir/out-$1"
  if ! DBHARNESS_POSTGRESQL_DSN="$dsn" "$BIN" run bench/pg-vs-pgbench.feature --tags "@bench && @$1" \
      --provider external --out "$out" --format progress --no-colors >"$dir/dbharness.log" 2>&1; then
    cat "$dir/dbharness.log" >&2
    exit 1
  fi
  python3 - "$out/result.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
loads = [l for s in r["scenarios"] for l in s.get("loads") or []]
print(f'{loads[-1]["total"]["ops_per_sec"]:.0f}' if loads else 0)
PY
}
pgbench() {
  "$PGBIN/pgbench" -h 127.0.0.1 -p "$port" -U postgres -n -M prepared -c "$CLIENTS" -j 2 -T "$SECONDS_RUN" "$@" postgres 2>/dev/null \
    | awk '/^tps = / {printf "%.0f", $3}'
}

dbharness load >/dev/null   # the pgbench tables, loaded by dbharness's dataset step
"$PGBIN/psql" -qAt -h 127.0.0.1 -p "$port" -U postgres -c CHECKPOINT postgres

printf '\n%-14s %5s %12s %12s %8s\n' workload round dbharness pgbench ratio
for workload in point-select tpcb; do
  flag=""; [ "$workload" = point-select ] && flag="-S"
  sum_ours=0; sum_theirs=0
  for round in $(seq "$ROUNDS"); do
    theirs=$(pgbench $flag)
    ours=$(dbharness "$workload")
    sum_ours=$((sum_ours + ours)); sum_theirs=$((sum_theirs + theirs))
    printf '%-14s %5s %12s %12s %8s\n' "$workload" "$round" "$ours" "$theirs" "$(python3 -c "print(f'{$ours/$theirs:.2f}')")"
  done
  printf '%-14s %5s %12s %12s %8s\n' "$workload" all "$((sum_ours / ROUNDS))" "$((sum_theirs / ROUNDS))" \
    "$(python3 -c "print(f'{$sum_ours/$sum_theirs:.2f}')")"
done
echo "(TPS; ratio = dbharness / pgbench on the same server, data, clients and duration)"
