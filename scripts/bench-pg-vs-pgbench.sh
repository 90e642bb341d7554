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
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
[ -x "$BIN" ] || { echo "build dbharness first: make build" >&2; exit 2; }
[ -x "$PGBIN/pgbench" ] || { echo "pgbench not found in $PGBIN: apt-get install postgresql-15" >&2; exit 2; }

dir=$(mktemp -d /tmp/dbharness-bench-XXXXXX)
chmod 755 "$dir"
as_pg=()
if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$dir"; as_pg=(runuser -u postgres --); fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
pid=""
# Signal the postmaster itself (runuser does not pass SIGINT on), then wait for runuser.
cleanup() {
  if [ -n "$pid" ]; then
    kill -INT "$(head -1 "$dir/data/postmaster.pid" 2>/dev/null)" 2>/dev/null || kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null || true
  fi
  rm -rf "$dir"
}
trap cleanup EXIT

"${as_pg[@]}" "$PGBIN/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null
"${as_pg[@]}" "$PGBIN/postgres" -D "$dir/data" -p "$port" -k "$dir" -c listen_addresses=127.0.0.1 \
  -c shared_preload_libraries=pg_stat_statements >"$dir/server.log" 2>&1 &
pid=$!
for _ in $(seq 100); do "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$port" && break; sleep 0.1; done
dsn="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
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
