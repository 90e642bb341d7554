#!/usr/bin/env bash
# SQL Server benchmarks on one server, as ratios:
#  - the load engine's ycsb-a and ycsb-c next to YCSB's own JDBC binding (YCSB 0.17.0 with
#    Microsoft's mssql-jdbc driver, run in a Java container) on the same usertable, the
#    same records, threads and duration, alternating: ops/s and the ratio;
#  - the collector next to prometheus-mssql-exporter (awaragi/prometheus-mssql-exporter,
#    the exporter most SQL Server users run), scraped in alternating rounds: the median scrape
#    time and the series of each, and the ratio.
# The server is DBHARNESS_SQLSERVER_DSN when set, else a container of Microsoft's image
# started here (DBHARNESS_SQLSERVER_ACCEPT_EULA=Y accepts its licence). No SQL Server runs
# without Docker or a DSN: then the script says why and measures nothing (exit 0).
#
# Usage: scripts/bench-sqlserver.sh   (ROUNDS=3 SECONDS_RUN=20 CLIENTS=8 SCALE=50 SCRAPES=20)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-bin/dbharness}
ROUNDS=${ROUNDS:-3}
SECONDS_RUN=${SECONDS_RUN:-20}
CLIENTS=${CLIENTS:-8}
SCALE=${SCALE:-50}          # ycsb dataset: SCALE x 1000 records
SCRAPES=${SCRAPES:-20}
IMAGE=${DBHARNESS_SQLSERVER_IMAGE:-mcr.microsoft.com/mssql/server:2022-CU14-ubuntu-22.04}
JAVA_IMAGE=${JAVA_IMAGE:-eclipse-temurin:17-jre}
EXPORTER_IMAGE=${EXPORTER_IMAGE:-awaragi/prometheus-mssql-exporter:latest}
YCSB_URL=https://github.com/brianfrankcooper/YCSB/releases/download/0.17.0/ycsb-jdbc-binding-0.17.0.tar.gz
JDBC_URL=https://repo1.maven.org/maven2/com/microsoft/sqlserver/mssql-jdbc/12.4.2.jre11/mssql-jdbc-12.4.2.jre11.jar
CACHE=${DBHARNESS_CACHE:-$HOME/.cache/dbharness}

skip() { echo "bench-sqlserver: nothing measured: $*" >&2; exit 0; }
[ -x "$BIN" ] || { echo "build dbharness first: make build" >&2; exit 2; }
for tool in curl python3; do
  command -v "$tool" >/dev/null || { echo "$tool not found: apt-get install $tool" >&2; exit 2; }
done

dir=$(mktemp -d /tmp/bench-sqlserver-XXXXXX)
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
url_part() { python3 -c 'import sys, urllib.parse as u; p = u.urlparse(sys.argv[1]); print(u.unquote(str(getattr(p, sys.argv[2]) or "")))' "$1" "$2"; }

have_docker=0 why_no_docker="no docker client on this machine"
if command -v docker >/dev/null; then
  if docker info >/dev/null 2>"$dir/docker.err"; then have_docker=1; else why_no_docker="the Docker engine does not answer: $(tail -1 "$dir/docker.err")"; fi
fi
[ "$have_docker" = 1 ] || skip "$why_no_docker; both peer tools (YCSB's JDBC binding, prometheus-mssql-exporter) run in containers, and without a DSN the server would too (no package ships SQL Server)"

if [ -n "${DBHARNESS_SQLSERVER_DSN:-}" ]; then
  dsn=$DBHARNESS_SQLSERVER_DSN
  db=$(python3 -c 'import sys, urllib.parse as u; q = {k.lower(): v for k, v in u.parse_qsl(u.urlparse(sys.argv[1]).query)}; print(q.get("database", ""))' "$dsn")
  # Note: both sides must see one usertable, and dbharness drops a database it made itself.
  [ -n "$db" ] || { echo "DBHARNESS_SQLSERVER_DSN names no database: add ?database=NAME, a database the benchmark may fill (it makes usertable there)" >&2; exit 2; }
  where="database $db of the server of DBHARNESS_SQLSERVER_DSN"
else
  [ "${DBHARNESS_SQLSERVER_ACCEPT_EULA:-}" = Y ] || skip "the SQL Server image runs only once its licence is accepted: read https://go.microsoft.com/fwlink/?linkid=857698 and set DBHARNESS_SQLSERVER_ACCEPT_EULA=Y (or set DBHARNESS_SQLSERVER_DSN)"
  password="Bench-$(python3 -c 'import secrets; print(secrets.token_hex(8))')-Aa1"
  port=$(free_port)
  name="dbharness-bench-sqlserver-$$"
  docker run -d --name "$name" -e ACCEPT_EULA=Y -e "MSSQL_SA_PASSWORD=$password" -p "127.0.0.1:$port:1433" "$IMAGE" >/dev/null
  containers+=("$name")
  for _ in $(seq 240); do docker logs "$name" 2>&1 | grep -q "Recovery is complete" && break; sleep 0.5; done
  docker logs "$name" 2>&1 | grep -q "Recovery is complete" || { echo "SQL Server did not start:" >&2; docker logs "$name" 2>&1 | tail -20 >&2; exit 1; }
  db="dbharness_bench"
  for _ in $(seq 60); do
    docker exec "$name" bash -c 'PATH=/opt/mssql-tools18/bin:/opt/mssql-tools/bin:$PATH; sqlcmd -No -S localhost -U sa -P "$MSSQL_SA_PASSWORD" -Q "CREATE DATABASE dbharness_bench"' \
      >/dev/null 2>&1 && break
    sleep 1
  done
  dsn="sqlserver://sa:$(python3 -c 'import sys, urllib.parse as u; print(u.quote(sys.argv[1], safe=""))' "$password")@127.0.0.1:$port?encrypt=disable&database=$db"
  where="a $IMAGE container on 127.0.0.1:$port"
fi
host=$(url_part "$dsn" hostname) port=$(url_part "$dsn" port) user=$(url_part "$dsn" username) password=$(url_part "$dsn" password)
port=${port:-1433}
"$BIN" load --engine sqlserver --provider external --dsn "$dsn" --workload ycsb-c --scale "$SCALE" --vus 1 --duration 1s --out "" \
  >"$dir/setup.log" 2>&1 || { cat "$dir/setup.log" >&2; exit 1; }
echo "server: $where; $(nproc) CPUs here; $CLIENTS clients, ${SECONDS_RUN}s runs, $((SCALE * 1000)) YCSB records"

# YCSB's JDBC binding and Microsoft's JDBC driver, fetched once into the cache.
mkdir -p "$CACHE/ycsb"
[ -d "$CACHE/ycsb/ycsb-jdbc-binding-0.17.0" ] || curl -fsSL "$YCSB_URL" | tar -xz -C "$CACHE/ycsb"
[ -f "$CACHE/ycsb/mssql-jdbc.jar" ] || curl -fsSL -o "$CACHE/ycsb/mssql-jdbc.jar" "$JDBC_URL"

# Note: sendStringParametersAsUnicode=false, or the driver sends keys as nvarchar and every
# read of the varchar key scans (the implicit conversion dbharness avoids with mssql.VarChar).
jdbc="jdbc:sqlserver://$host:$port;databaseName=$db;encrypt=false;sendStringParametersAsUnicode=false"

# theirs W: YCSB's ops/s for core workload W (a, c).
theirs() {
  docker run --rm --network host -v "$CACHE/ycsb:/ycsb:ro" "$JAVA_IMAGE" bash -c "
    cd /ycsb/ycsb-jdbc-binding-0.17.0 && java -cp 'lib/*:/ycsb/mssql-jdbc.jar' site.ycsb.Client -t -db site.ycsb.db.JdbcDBClient \
      -P workloads/workload$1 -threads $CLIENTS -p recordcount=$((SCALE * 1000)) -p operationcount=100000000 \
      -p maxexecutiontime=$SECONDS_RUN -p db.driver=com.microsoft.sqlserver.jdbc.SQLServerDriver \
      -p 'db.url=$jdbc' -p 'db.user=$user' -p 'db.passwd=$password'" 2>"$dir/ycsb.err" \
    | awk -F', ' '$1 == "[OVERALL]" && $2 == "Throughput(ops/sec)" { printf "%.0f", $3 }'
}

# ours W: dbharness's ops/s for workload ycsb-W.
ours() {
  if ! "$BIN" load --engine sqlserver --provider external --dsn "$dsn" --workload "ycsb-$1" --vus "$CLIENTS" \
    --duration "${SECONDS_RUN}s" --out "$dir/out-$1" >"$dir/load.log" 2>&1; then
    cat "$dir/load.log" >&2
    return 1
  fi
  python3 -c 'import json, sys; print(round(json.load(open(sys.argv[1]))["scenarios"][0]["loads"][0]["total"]["ops_per_sec"]))' "$dir/out-$1/result.json"
}

printf '\n%-10s %5s %12s %12s %8s\n' workload round dbharness YCSB ratio
for w in a c; do
  for round in $(seq "$ROUNDS"); do
    t=$(theirs "$w") o=$(ours "$w")
    [ -n "$t" ] && [ -n "$o" ] || { echo "no result for workload $w (YCSB: '$t', dbharness: '$o')" >&2; tail -5 "$dir/ycsb.err" >&2; exit 1; }
    printf '%-10s %5s %12s %12s %8s\n' "ycsb-$w" "$round" "$o" "$t" "$(python3 -c "print(f'{$o/$t:.2f}')")"
  done
done
echo "(ops/s of all operations; ratio = dbharness / YCSB's JDBC binding; the design target is > 1)"

# The collector next to prometheus-mssql-exporter.
ours_port=$(free_port) theirs_port=$(free_port)
DBHARNESS_SQLSERVER_DSN="$dsn" "$BIN" collect --engine sqlserver --listen "127.0.0.1:$ours_port" >"$dir/collect.log" 2>&1 &
pids+=($!)
docker run -d --name "dbharness-bench-exporter-$$" --network host -e "SERVER=$host" -e "PORT=$port" -e "USERNAME=$user" \
  -e "PASSWORD=$password" -e "EXPOSE=$theirs_port" "$EXPORTER_IMAGE" >/dev/null
containers+=("dbharness-bench-exporter-$$")
for url in "http://127.0.0.1:$ours_port/metrics" "http://127.0.0.1:$theirs_port/metrics"; do
  for _ in $(seq 120); do curl -fs -o /dev/null "$url" && break; sleep 0.5; done
done
scrape() { curl -fs -o "$dir/scrape" -w '%{time_total}\n' "$1"; }
: >"$dir/ours.times"; : >"$dir/theirs.times"
for _ in $(seq "$SCRAPES"); do
  scrape "http://127.0.0.1:$ours_port/metrics" >>"$dir/ours.times"; ours_series=$(grep -c '^sqlserver_' "$dir/scrape" || true)
  scrape "http://127.0.0.1:$theirs_port/metrics" >>"$dir/theirs.times"; theirs_series=$(grep -c '^mssql_' "$dir/scrape" || true)
done
median() { sort -n "$1" | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
o=$(median "$dir/ours.times") t=$(median "$dir/theirs.times")
printf '\n%-28s %12s %8s\n' collector "median scrape" series
printf '%-28s %11.3fs %8s\n' "dbharness collect" "$o" "$ours_series"
printf '%-28s %11.3fs %8s\n' "prometheus-mssql-exporter" "$t" "$theirs_series"
echo "(ratio of scrape times dbharness / exporter: $(python3 -c "print(f'{$o/$t:.2f}')"); $SCRAPES alternating scrapes)"
