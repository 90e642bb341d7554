#!/usr/bin/env bash
# Measures dbharness's PostgreSQL load next to pgbench's, on one server started here, with the
# same data (scale 10), clients (8) and duration (10 s), and prints the TPS ratios.
# Usage: scripts/bench-pg-vs-pgbench.sh   (make bench-pg-vs-pgbench builds bin/dbharness first)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-bin/dbharness}
CLIENTS=${CLIENTS:-8}
SECONDS_RUN=${SECONDS_RUN:-10}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
[ -x "$BIN" ] || { echo "build dbharness first: make build" >&2; exit 2; }

dir=$(mktemp -d /tmp/dbharness-bench-XXXXXX)
chmod 755 "$dir"
as_pg=()
if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$dir"; as_pg=(runuser -u postgres --); fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
pid=""
cleanup() { [ -n "$pid" ] && kill -INT "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT

"${as_pg[@]}" "$PGBIN/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null
"${as_pg[@]}" "$PGBIN/postgres" -D "$dir/data" -p "$port" -k "$dir" -c listen_addresses=127.0.0.1 \
  -c shared_preload_libraries=pg_stat_statements >"$dir/server.log" 2>&1 &
pid=$!
for _ in $(seq 100); do "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$port" && break; sleep 0.1; done
dsn="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
echo "server: PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$port, $(nproc) CPUs; clients=$CLIENTS, ${SECONDS_RUN}s each"

# dbharness first: its dataset step loads the pgbench-shaped tables pgbench then uses too.
out="$dir/out"
DBHARNESS_POSTGRESQL_DSN="$dsn" "$BIN" run bench/pg-vs-pgbench.feature --tags @bench --provider external \
  --out "$out" --format progress --no-colors >/dev/null
read -r ours_select ours_tpcb < <(python3 - "$out/result.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
ops = {l["workload"]: l["total"]["ops_per_sec"] for s in r["scenarios"] for l in s.get("loads") or []}
print(f'{ops.get("point-select", 0):.0f} {ops.get("tpcb", 0):.0f}')
PY
)

pgbench_tps() { "$PGBIN/pgbench" -h 127.0.0.1 -p "$port" -U postgres -n -c "$CLIENTS" -j 2 -T "$SECONDS_RUN" "$@" postgres 2>/dev/null \
  | awk '/^tps = / {printf "%.0f", $3}'; }
theirs_select=$(pgbench_tps -S -M prepared)
theirs_tpcb=$(pgbench_tps -M prepared)

printf '\n%-14s %12s %12s %8s\n' workload dbharness pgbench ratio
for row in "point-select $ours_select $theirs_select" "tpcb $ours_tpcb $theirs_tpcb"; do
  set -- $row
  printf '%-14s %12s %12s %8s\n' "$1" "$2" "$3" "$(python3 -c "print(f'{$2/$3:.2f}' if $3 else 'n/a')")"
done
echo "(TPS; ratio = dbharness / pgbench, same server, data, clients and duration; pgbench -M prepared)"
