# Sourced by the benchmark scripts: starts a private PostgreSQL 15 on a free loopback port,
# as the postgres user when we are root, and stops it on exit. Sets PGBIN, PGPORT, PGDIR and
# PG_DSN (for database postgres); pg_dsn DB gives the DSN of another database.
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
[ -x "$PGBIN/postgres" ] || { echo "PostgreSQL 15 not found in $PGBIN: make deps" >&2; exit 2; }
PGDIR=$(mktemp -d /tmp/dbharness-bench-XXXXXX)
chmod 755 "$PGDIR"
_as_pg=()
if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$PGDIR"; _as_pg=(runuser -u postgres --); fi
PGPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
_pg_pid=""
pg_stop() {
  if [ -n "$_pg_pid" ]; then
    # Signal the postmaster itself: runuser does not pass SIGINT on.
    kill -INT "$(head -1 "$PGDIR/data/postmaster.pid" 2>/dev/null)" 2>/dev/null || kill -KILL "$_pg_pid" 2>/dev/null
    wait "$_pg_pid" 2>/dev/null || true
    _pg_pid=""
  fi
  rm -rf "$PGDIR"
}
trap pg_stop EXIT
"${_as_pg[@]}" "$PGBIN/initdb" -D "$PGDIR/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null
"${_as_pg[@]}" "$PGBIN/postgres" -D "$PGDIR/data" -p "$PGPORT" -k "$PGDIR" -c listen_addresses=127.0.0.1 \
  -c shared_preload_libraries=pg_stat_statements >"$PGDIR/server.log" 2>&1 &
_pg_pid=$!
for _ in $(seq 100); do "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$PGPORT" && break; sleep 0.1; done
"$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$PGPORT" || { cat "$PGDIR/server.log" >&2; exit 1; }
pg_dsn() { echo "postgres://postgres@127.0.0.1:$PGPORT/${1:-postgres}?sslmode=disable"; }
pg_sql() { "$PGBIN/psql" -qAt -h 127.0.0.1 -p "$PGPORT" -U postgres -c "$1" "${2:-postgres}"; }
PG_DSN=$(pg_dsn postgres)
