#!/usr/bin/env bash
# Oracle benchmarks on one server, as ratios:
#  - the collector next to oracledb_exporter (Oracle's own Prometheus exporter,
#    ghcr.io/oracle/oracle-db-appdev-monitoring), scraped in alternating rounds: the median
#    scrape time and the series of each, and the ratio;
#  - the load engine's ycsb-a and plsql-bank: ops/s and p95. No load tool in a package
#    registry speaks Oracle (sysbench and go-ycsb have no Oracle driver; HammerDB and
#    Swingbench are downloads), so there is no peer to divide by: the numbers are for
#    comparing builds (`dbharness compare`).
# The server is DBHARNESS_ORACLE_DSN when set, else an Oracle Free container started here.
# Where neither Docker nor a DSN is there it says why and measures nothing (exit 0).
#
# Usage: scripts/bench-oracle.sh   (ROUNDS=20 SECONDS_RUN=30 CLIENTS=8)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-bin/dbharness}
ROUNDS=${ROUNDS:-20}
SECONDS_RUN=${SECONDS_RUN:-30}
CLIENTS=${CLIENTS:-8}
IMAGE=${DBHARNESS_ORACLE_IMAGE:-gvenzl/oracle-free:23-slim-faststart}
EXPORTER_IMAGE=${EXPORTER_IMAGE:-ghcr.io/oracle/oracle-db-appdev-monitoring:latest}

skip() { echo "bench-oracle: nothing measured: $*" >&2; exit 0; }
[ -x "$BIN" ] || { echo "build dbharness first: make build" >&2; exit 2; }
for tool in curl python3; do
  command -v "$tool" >/dev/null || { echo "$tool not found: apt-get install $tool" >&2; exit 2; }
done

dir=$(mktemp -d /tmp/bench-oracle-XXXXXX)
containers=()
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  for c in "${containers[@]}"; do docker rm -f "$c" >/dev/null 2>&1 || true; done
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

have_docker=0 why_no_docker="no docker client"
if command -v docker >/dev/null; then
  if docker info >/dev/null 2>"$dir/docker.err"; then have_docker=1; else why_no_docker=$(tail -1 "$dir/docker.err"); fi
fi

if [ -n "${DBHARNESS_ORACLE_DSN:-}" ]; then
  dsn=$DBHARNESS_ORACLE_DSN
  connect=$(python3 -c 'import sys, urllib.parse as u; p = u.urlparse(sys.argv[1]); print(f"{p.hostname}:{p.port or 1521}{p.path}")' "$dsn")
  user=$(python3 -c 'import sys, urllib.parse as u; print(u.unquote(u.urlparse(sys.argv[1]).username))' "$dsn")
  password=$(python3 -c 'import sys, urllib.parse as u; print(u.unquote(u.urlparse(sys.argv[1]).password or ""))' "$dsn")
  echo "server: DBHARNESS_ORACLE_DSN at $connect"
else
  [ "$have_docker" = 1 ] || skip "no Docker engine answers here ($why_no_docker) and DBHARNESS_ORACLE_DSN is not set:" \
    "Oracle runs only in Docker (gvenzl/oracle-free) or on a server of yours; no package ships one"
  password="Bench$(python3 -c 'import secrets; print(secrets.token_hex(8))')"
  user=bench
  name="dbharness-bench-oracle-$$"
  docker run -d --name "$name" -p 127.0.0.1::1521 -e ORACLE_PASSWORD="$password" -e APP_USER="$user" \
    -e APP_USER_PASSWORD="$password" "$IMAGE" >/dev/null
  containers+=("$name")
  echo "starting $IMAGE (half a minute to several minutes on a small machine)..."
  started=$(date +%s)
  until docker logs "$name" 2>&1 | grep -q "DATABASE IS READY TO USE!"; do
    [ $(( $(date +%s) - started )) -lt 900 ] || { docker logs "$name" 2>&1 | tail -20 >&2; echo "Oracle did not start in 15 minutes" >&2; exit 1; }
    docker inspect -f '{{.State.Running}}' "$name" | grep -q true || { docker logs "$name" 2>&1 | tail -20 >&2; exit 1; }
    sleep 2
  done
  echo "ready after $(( $(date +%s) - started )) s"
  # The collectors read the V$ and DBA_ views; the image gives the app user DB_DEVELOPER_ROLE only.
  echo "GRANT SELECT_CATALOG_ROLE, ADVISOR TO $user;" | docker exec -i "$name" sqlplus -s "sys/$password@//localhost:1521/FREEPDB1" as sysdba >/dev/null
  port=$(docker port "$name" 1521/tcp | head -1 | sed 's/.*://')
  connect="127.0.0.1:$port/FREEPDB1"
  dsn="oracle://$user:$password@$connect"
fi

# --- the collector next to oracledb_exporter ---
ours_port=$(free_port)
DBHARNESS_ORACLE_DSN="$dsn" "$BIN" collect --engine oracle --listen "127.0.0.1:$ours_port" >"$dir/collect.log" 2>&1 &
pids+=($!)
theirs_port=""
if [ "$have_docker" = 1 ]; then
  theirs_port=$(free_port)
  docker run -d --name "dbharness-bench-exporter-$$" --network host -e DB_USERNAME="$user" -e DB_PASSWORD="$password" \
    -e DB_CONNECT_STRING="$connect" "$EXPORTER_IMAGE" --web.listen-address="127.0.0.1:$theirs_port" >/dev/null
  containers+=("dbharness-bench-exporter-$$")
else
  echo "oracledb_exporter runs as a container: without Docker only dbharness's collector is timed"
fi
wait_http() { for _ in $(seq 600); do curl -sf "$1" >/dev/null && return 0; sleep 0.5; done; echo "$1 never answered" >&2; return 1; }
wait_http "http://127.0.0.1:$ours_port/metrics"
[ -z "$theirs_port" ] || wait_http "http://127.0.0.1:$theirs_port/metrics"

scrape() { curl -s -o "$dir/scrape" -w '%{time_total}\n' "$1"; }
: >"$dir/ours"; : >"$dir/theirs"
for _ in $(seq "$ROUNDS"); do
  scrape "http://127.0.0.1:$ours_port/metrics" >>"$dir/ours"
  ours_series=$(grep -vc '^#' "$dir/scrape" || true)
  if [ -n "$theirs_port" ]; then
    scrape "http://127.0.0.1:$theirs_port/metrics" >>"$dir/theirs"
    theirs_series=$(grep -vc '^#' "$dir/scrape" || true)
  fi
  sleep 1
done
median() { sort -n "$1" | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
echo "collector: dbharness median scrape $(median "$dir/ours") s for $ours_series series"
if [ -n "$theirs_port" ]; then
  echo "collector: oracledb_exporter median scrape $(median "$dir/theirs") s for $theirs_series series"
  python3 -c 'import sys; o, t = float(sys.argv[1]), float(sys.argv[2]); print(f"collector: scrape time ratio dbharness/exporter {o/t:.2f} (target: below 1)")' \
    "$(median "$dir/ours")" "$(median "$dir/theirs")"
fi

# --- the load engine ---
result() {
  python3 - "$1" "$2" <<'PY'
import json, sys
load = json.load(open(sys.argv[1]))["scenarios"][0]["loads"][0]
print(f"load: {sys.argv[2]}: {load['total']['ops_per_sec']:.0f} ops/s, p95 {load['total']['latency']['p95_ns'] / 1e6:.1f} ms, "
      f"{load['total']['errors']} errors of {load['total']['count']}")
PY
}
for w in "ycsb-a 10" "plsql-bank 1"; do
  set -- $w
  "$BIN" load --engine oracle --provider external --dsn "$dsn" --workload "$1" --scale "$2" --vus "$CLIENTS" \
    --duration "${SECONDS_RUN}s" --out "$dir/$1" >"$dir/$1.log" 2>&1 || { tail -20 "$dir/$1.log" >&2; exit 1; }
  result "$dir/$1/result.json" "$1, $CLIENTS workers, ${SECONDS_RUN}s"
done
