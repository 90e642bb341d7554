#!/usr/bin/env bash
# Measures dbharness's MySQL side next to its peers on one private MariaDB started here:
#   1. loading sysbench's tables: dbharness's "sysbench" dataset vs `sysbench prepare`;
#   2. oltp_read_write and oltp_point_select: dbharness vs sysbench 1.0.20 at the same threads,
#      tables, duration and id distribution (uniform), in rounds that alternate the tools;
#      sysbench runs twice a round, with server-side prepared statements (its default) and
#      without (text statements, as dbharness sends them so MariaDB digests them);
#   3. one scrape of the same sources: dbharness's collector vs prometheus-mysqld-exporter,
#      alternating: the scrape's wall time, the series it returns, and the server CPU it costs;
#   4. replication lag and catch-up time of a primary with 2 replicas under oltp_write_only;
#   5. start-up time of a standalone server and of a primary with 2 replicas (to replicating
#      and caught up), natively.
# It prints each measure and, where there is a peer, the ratio dbharness / peer.
# Usage: scripts/bench-mysql.sh   (make bench-mysql builds bin/dbharness first)
#        THREADS=8 TABLES=4 SECONDS_RUN=10 ROUNDS=2 SCRAPES=20 STARTS=5 to change the defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-bin/dbharness}
THREADS=${THREADS:-8}
TABLES=${TABLES:-4}
SECONDS_RUN=${SECONDS_RUN:-10}
ROUNDS=${ROUNDS:-2}
SCRAPES=${SCRAPES:-20}
STARTS=${STARTS:-5}
[ -x "$BIN" ] || { echo "build dbharness first: make build" >&2; exit 2; }
command -v sysbench >/dev/null || { echo "sysbench not found: make deps (apt-get install sysbench)" >&2; exit 2; }
EXPORTER=$(command -v prometheus-mysqld-exporter || true)
[ -n "$EXPORTER" ] || { echo "prometheus-mysqld-exporter not found: make deps" >&2; exit 2; }

. scripts/bench-mysql-server.sh
ratio() { python3 -c "import sys; a,b=float(sys.argv[1]),float(sys.argv[2]); print(f'{a/b:.2f}' if b else '-')" "$1" "$2"; }
now() { date +%s.%N; }
since() { python3 -c "import sys; print(f'{float(sys.argv[2])-float(sys.argv[1]):.2f}')" "$1" "$(now)"; }
echo "server: MariaDB $(my_sql 'SELECT VERSION()') on 127.0.0.1:$MYPORT, $(nproc) CPUs; $THREADS threads," \
  "$TABLES tables of 10000 rows, ${SECONDS_RUN}s per run, $ROUNDS rounds; $(sysbench --version)"

sb_opts=(--db-driver=mysql --mysql-host=127.0.0.1 --mysql-port="$MYPORT" --mysql-user=sbtest --mysql-password=sbtest
  --mysql-db=sbtest --tables="$TABLES" --table-size=10000)
# sysbench SCRIPT PS_MODE: prints the transactions per second of one run.
sysbench_tps() {
  sysbench "$1" "${sb_opts[@]}" --threads="$THREADS" --time="$SECONDS_RUN" --rand-type=uniform --db-ps-mode="$2" run \
    | awk '/transactions:/ {gsub(/[(]/, "", $3); print $3}'
}
# dbharness_tps WORKLOAD: prints the operations per second of one run.
dbharness_tps() {
  local out="$MYDIR/out-$1"
  DBHARNESS_MYSQL_DSN="$MY_DSN" "$BIN" load --engine mysql --provider external --workload "$1" \
    --vus "$THREADS" --duration "${SECONDS_RUN}s" --out "$out" >"$MYDIR/dbharness.log" 2>&1 || { cat "$MYDIR/dbharness.log" >&2; exit 1; }
  python3 - "$out/result.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
loads = [l for s in r["scenarios"] for l in s.get("loads") or []]
print(f'{loads[-1]["total"]["ops_per_sec"]:.1f}')
PY
}

# 1. Loading the tables.
t0=$(now); sysbench oltp_read_write "${sb_opts[@]}" --threads="$TABLES" prepare >/dev/null; sb_load=$(since "$t0")
sysbench oltp_read_write "${sb_opts[@]}" cleanup >/dev/null
t0=$(now)
DBHARNESS_MYSQL_DSN="$MY_DSN" "$BIN" load --engine mysql --provider external --workload oltp_point_select --dataset sysbench \
  --scale "$TABLES" --executor shared-iterations --vus 1 --iterations 1 --out "" >"$MYDIR/dbharness.log" 2>&1 || { cat "$MYDIR/dbharness.log" >&2; exit 1; }
dbh_load=$(since "$t0")
printf '\n%-26s %10s %10s %8s\n' "load $TABLES x 10000 rows" dbharness sysbench ratio
printf '%-26s %9ss %9ss %8s\n' "seconds (lower is better)" "$dbh_load" "$sb_load" "$(ratio "$dbh_load" "$sb_load")"

# 2. OLTP throughput, on the tables dbharness loaded (sysbench runs on them unchanged).
printf '\n%-18s %5s %10s %12s %12s %9s %9s\n' workload round dbharness "sb text" "sb prepared" "/text" "/prepared"
for w in oltp_read_write oltp_point_select; do
  sum_d=0; sum_t=0; sum_p=0
  for round in $(seq "$ROUNDS"); do
    text=$(sysbench_tps "$w" disable)
    ours=$(dbharness_tps "$w")
    prepared=$(sysbench_tps "$w" auto)
    sum_d=$(python3 -c "print($sum_d+$ours)"); sum_t=$(python3 -c "print($sum_t+$text)"); sum_p=$(python3 -c "print($sum_p+$prepared)")
    printf '%-18s %5s %10s %12s %12s %9s %9s\n' "$w" "$round" "$ours" "$text" "$prepared" "$(ratio "$ours" "$text")" "$(ratio "$ours" "$prepared")"
  done
  printf '%-18s %5s %10.1f %12.1f %12.1f %9s %9s\n' "$w" all "$(python3 -c "print($sum_d/$ROUNDS)")" \
    "$(python3 -c "print($sum_t/$ROUNDS)")" "$(python3 -c "print($sum_p/$ROUNDS)")" "$(ratio "$sum_d" "$sum_t")" "$(ratio "$sum_d" "$sum_p")"
done
echo "(transactions per second; ratio = dbharness / sysbench on the same server, tables, threads and duration)"

# 3. One scrape of the same sources.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
EXP_PORT=$(free_port); DBH_PORT=$(free_port)
DATA_SOURCE_NAME="$MY_DRIVER_DSN" "$EXPORTER" --web.listen-address="127.0.0.1:$EXP_PORT" \
  --collect.global_status --collect.global_variables --collect.slave_status --collect.info_schema.innodb_metrics \
  --collect.perf_schema.eventsstatements --collect.perf_schema.eventsstatements.limit=20 \
  --collect.perf_schema.indexiowaits --collect.perf_schema.eventswaits \
  --no-collect.info_schema.innodb_cmp --no-collect.info_schema.innodb_cmpmem --no-collect.info_schema.query_response_time \
  >"$MYDIR/exporter.log" 2>&1 &
exp_pid=$!
DBHARNESS_MYSQL_DSN="$MY_DSN" "$BIN" collect --engine mysql --listen "127.0.0.1:$DBH_PORT" >"$MYDIR/collect.log" 2>&1 &
dbh_pid=$!
trap 'kill $exp_pid $dbh_pid 2>/dev/null; wait $exp_pid $dbh_pid 2>/dev/null; my_stop' EXIT
for port in "$EXP_PORT" "$DBH_PORT"; do
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/metrics" >/dev/null && break; sleep 0.1; done
done
cpu() { awk '{print $14+$15}' "/proc/$MYPID/stat"; } # the server's utime+stime, in clock ticks
scrape() { # URL: prints "seconds series server_cpu_seconds"
  local before after t
  before=$(cpu)
  t=$(curl -s -o "$MYDIR/scrape.txt" -w '%{time_total}' "$1")
  after=$(cpu)
  echo "$t $(grep -vc '^#' "$MYDIR/scrape.txt") $(python3 -c "print(($after-$before)/$(getconf CLK_TCK))")"
}
: >"$MYDIR/scrapes-exp"; : >"$MYDIR/scrapes-dbh"
for _ in $(seq "$SCRAPES"); do
  scrape "http://127.0.0.1:$EXP_PORT/metrics" >>"$MYDIR/scrapes-exp"
  scrape "http://127.0.0.1:$DBH_PORT/metrics" >>"$MYDIR/scrapes-dbh"
done
python3 - "$MYDIR/scrapes-dbh" "$MYDIR/scrapes-exp" "$SCRAPES" <<'PY'
import statistics, sys
def col(path, i): return [float(l.split()[i]) for l in open(path)]
d, e, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
print(f"\n{'one scrape (' + str(n) + ' each)':30} {'dbharness':>12} {'mysqld_exporter':>16} {'ratio':>7}")
for name, i, f in [("wall time, median (ms)", 0, 1000), ("series", 1, 1)]:
    a, b = f * statistics.median(col(d, i)), f * statistics.median(col(e, i))
    print(f"{name:30} {a:12.1f} {b:16.1f} {a / b if b else float('nan'):7.2f}")
# Note: the server's CPU is counted in clock ticks (10 ms): per scrape it is the total over n.
a, b = 1000 * sum(col(d, 2)) / n, 1000 * sum(col(e, 2)) / n
print(f"{'server CPU per scrape (ms)':30} {a:12.1f} {b:16.1f} {a / b if b else float('nan'):7.2f}")
print("(the same sources: global status and variables, INNODB_METRICS, top 20 statement digests, index I/O waits,\n wait events, replica status; ratio = dbharness / mysqld_exporter)")
PY
kill $exp_pid $dbh_pid 2>/dev/null; wait $exp_pid $dbh_pid 2>/dev/null || true
trap my_stop EXIT

# 4 and 5 run scenarios of their own, on servers dbharness starts natively.
cat >"$MYDIR/bench.feature" <<FEATURE
@mysql
Feature: MySQL benchmark scenarios, run by scripts/bench-mysql.sh
  @standalone
  Scenario: a standalone server
    Given a MariaDB database

  @replicated
  Scenario: a primary with 2 replicas
    Given a MariaDB primary with 2 replicas

  @lag
  Scenario: replication lag under oltp_write_only
    Given a MariaDB primary with 2 replicas
    And the "sysbench" dataset at scale $TABLES
    When the "oltp_write_only" workload runs for ${SECONDS_RUN}s with $THREADS workers
    Then replication lag stays below 1h
    And the replicas catch up within 10m
FEATURE
mkdir -p "$MYDIR/work"; chmod 755 "$MYDIR/work"
run_bench() { # TAG OUT: runs one scenario of the bench feature, verbosely
  "$BIN" run "$MYDIR/bench.feature" --tags "@$1" --provider native --workdir "$MYDIR/work" --out "$2" \
    --format progress --no-colors -v >"$MYDIR/run.log" 2>&1 || { cat "$MYDIR/run.log" >&2; exit 1; }
}
run_bench lag "$MYDIR/out-lag"
python3 - "$MYDIR/out-lag/result.json" "$THREADS" "$SECONDS_RUN" <<'PY'
import json, re, sys
r = json.load(open(sys.argv[1]))
s = r["scenarios"][0]
load = s["loads"][-1]["total"]
lag = next(e["text"] for e in s["events"] if e["kind"] == "replication")
caught = next(e for e in s["events"] if e["kind"] == "recovered")
print(f"\nprimary with 2 replicas, oltp_write_only, {sys.argv[2]} workers for {sys.argv[3]}s: {load['ops_per_sec']:.0f} transactions/s on the primary")
print(f"  {lag.split(': ', 1)[1]}")
print(f"  caught up {caught['after_ns'] / 1e9:.2f}s after the load ended")
PY
printf '\n%-34s %s\n' "start-up, native ($STARTS each)" "median (min-max), to ready for clients"
for topo in standalone replicated; do
  : >"$MYDIR/starts"
  for _ in $(seq "$STARTS"); do
    run_bench "$topo" "$MYDIR/out-start"
    sed -n 's/.*msg="database started".*took=\([0-9.]*\)\(ms\|s\).*/\1 \2/p' "$MYDIR/run.log" >>"$MYDIR/starts"
  done
  python3 - "$MYDIR/starts" "$topo" <<'PY'
import statistics, sys
v = [float(a) / (1000 if u == "ms" else 1) for a, u in (l.split() for l in open(sys.argv[1]))]
name = {"standalone": "standalone server", "replicated": "primary + 2 replicas, caught up"}[sys.argv[2]]
print(f"{name:34} {statistics.median(v):.2f}s ({min(v):.2f}-{max(v):.2f}s)")
PY
done
