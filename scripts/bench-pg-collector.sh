#!/usr/bin/env bash
# bench-pg-collector.sh: the dbharness PostgreSQL collector next to prometheus-postgres-exporter
# (Debian) on one private PostgreSQL 15 holding pgbench's tables at scale 10, 30 more tables and
# the statements of a pgbench run, and the cost of the analysis's wait sampling on throughput.
#
# 1. Scrapes: each /metrics is scraped SCRAPES times (default 20), the sides alternating scrape
#    by scrape; printed: median and p90 scrape time, series, the CPU each scrape cost the
#    exporter process and the PostgreSQL server, and the ratios dbharness / exporter. The
#    exporter reads its built-in views plus a queries file for the views it has no built-in
#    collector for (user tables and indexes, their I/O, pg_stat_statements for PostgreSQL 13+,
#    pg_stat_wal, vacuum progress); dbharness runs twice: with its defaults (top 20 tables,
#    indexes and statements, the bloat estimate) and on the same views without top-N limits.
# 2. Wait sampling: pgbench -S -c 8 for ROUND_SECONDS with and without the collector's wait
#    sampler running against the same server (the real one: Mark, then Analyze), in ABBA
#    rounds per interval (10ms, 50ms); printed: TPS with / without per interval, and what the
#    sampler says its own queries took.
#
# Usage: scripts/bench-pg-collector.sh [scrapes]   (make bench-pg-collector)
# Needs: PostgreSQL 15 (postgresql-15, postgresql-contrib), prometheus-postgres-exporter, curl, go.
# The dbharness side is a throwaway main built in a temporary module outside the repository (a
# replace directive points at this checkout). Every process it starts stops on exit.
set -euo pipefail

SCRAPES=${1:-20}
ROUND_SECONDS=${ROUND_SECONDS:-8}
ROUNDS=${ROUNDS:-3}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
need() { command -v "$1" >/dev/null || { echo "missing $1: $2" >&2; exit 2; }; }
need prometheus-postgres-exporter "apt-get install prometheus-postgres-exporter"
need curl "apt-get install curl"
need go "install Go 1.26"

. scripts/lib/pgserver.sh
WORK=$PGDIR/bench
mkdir -p "$WORK"
PIDS=()
cleanup() {
	for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
	for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
	pg_stop
}
trap cleanup EXIT INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_http() {
	for _ in $(seq 1 200); do curl -fs -o /dev/null "$1" && return 0; sleep 0.1; done
	echo "nothing answers on $1" >&2; exit 1
}

pg_sql "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" >/dev/null
echo "loading pgbench at scale 10 and 30 small tables into 127.0.0.1:$PGPORT ..."
"$PGBIN/pgbench" -q -i -s 10 -h 127.0.0.1 -p "$PGPORT" -U postgres postgres >/dev/null 2>&1
for i in $(seq 1 30); do pg_sql "CREATE TABLE t_$i (id int PRIMARY KEY, v text); INSERT INTO t_$i SELECT g, 'v' FROM generate_series(1, 1000) g" >/dev/null; done
"$PGBIN/pgbench" -n -c 4 -T 5 -h 127.0.0.1 -p "$PGPORT" -U postgres postgres >/dev/null 2>&1
pg_sql "ANALYZE" >/dev/null

# The exporter's queries for the views it has no built-in collector for.
cat >"$WORK/queries.yaml" <<'EOF'
pg_stat_user_tables:
  query: "SELECT current_database() datname, schemaname, relname, seq_scan, seq_tup_read, idx_scan, idx_tup_fetch, n_tup_ins, n_tup_upd, n_tup_del, n_tup_hot_upd, n_live_tup, n_dead_tup, n_mod_since_analyze, COALESCE(last_vacuum, '1970-01-01Z') as last_vacuum, COALESCE(last_autovacuum, '1970-01-01Z') as last_autovacuum, COALESCE(last_analyze, '1970-01-01Z') as last_analyze, COALESCE(last_autoanalyze, '1970-01-01Z') as last_autoanalyze, vacuum_count, autovacuum_count, analyze_count, autoanalyze_count FROM pg_stat_user_tables"
  metrics:
    - datname: {usage: LABEL, description: db}
    - schemaname: {usage: LABEL, description: schema}
    - relname: {usage: LABEL, description: table}
    - seq_scan: {usage: COUNTER, description: x}
    - seq_tup_read: {usage: COUNTER, description: x}
    - idx_scan: {usage: COUNTER, description: x}
    - idx_tup_fetch: {usage: COUNTER, description: x}
    - n_tup_ins: {usage: COUNTER, description: x}
    - n_tup_upd: {usage: COUNTER, description: x}
    - n_tup_del: {usage: COUNTER, description: x}
    - n_tup_hot_upd: {usage: COUNTER, description: x}
    - n_live_tup: {usage: GAUGE, description: x}
    - n_dead_tup: {usage: GAUGE, description: x}
    - n_mod_since_analyze: {usage: GAUGE, description: x}
    - last_vacuum: {usage: GAUGE, description: x}
    - last_autovacuum: {usage: GAUGE, description: x}
    - last_analyze: {usage: GAUGE, description: x}
    - last_autoanalyze: {usage: GAUGE, description: x}
    - vacuum_count: {usage: COUNTER, description: x}
    - autovacuum_count: {usage: COUNTER, description: x}
    - analyze_count: {usage: COUNTER, description: x}
    - autoanalyze_count: {usage: COUNTER, description: x}
pg_statio_user_tables:
  query: "SELECT current_database() datname, schemaname, relname, heap_blks_read, heap_blks_hit, idx_blks_read, idx_blks_hit, toast_blks_read, toast_blks_hit FROM pg_statio_user_tables"
  metrics:
    - datname: {usage: LABEL, description: db}
    - schemaname: {usage: LABEL, description: schema}
    - relname: {usage: LABEL, description: table}
    - heap_blks_read: {usage: COUNTER, description: x}
    - heap_blks_hit: {usage: COUNTER, description: x}
    - idx_blks_read: {usage: COUNTER, description: x}
    - idx_blks_hit: {usage: COUNTER, description: x}
    - toast_blks_read: {usage: COUNTER, description: x}
    - toast_blks_hit: {usage: COUNTER, description: x}
pg_stat_user_indexes:
  query: "SELECT current_database() datname, schemaname, relname, indexrelname, idx_scan, idx_tup_read, idx_tup_fetch, pg_relation_size(indexrelid) AS size_bytes FROM pg_stat_user_indexes"
  metrics:
    - datname: {usage: LABEL, description: db}
    - schemaname: {usage: LABEL, description: schema}
    - relname: {usage: LABEL, description: table}
    - indexrelname: {usage: LABEL, description: index}
    - idx_scan: {usage: COUNTER, description: x}
    - idx_tup_read: {usage: COUNTER, description: x}
    - idx_tup_fetch: {usage: COUNTER, description: x}
    - size_bytes: {usage: GAUGE, description: x}
pg_statio_user_indexes:
  query: "SELECT current_database() datname, schemaname, relname, indexrelname, idx_blks_read, idx_blks_hit FROM pg_statio_user_indexes"
  metrics:
    - datname: {usage: LABEL, description: db}
    - schemaname: {usage: LABEL, description: schema}
    - relname: {usage: LABEL, description: table}
    - indexrelname: {usage: LABEL, description: index}
    - idx_blks_read: {usage: COUNTER, description: x}
    - idx_blks_hit: {usage: COUNTER, description: x}
pg_stat_statements:
  query: "SELECT t3.datname, queryid::text, sum(calls) AS calls, sum(total_exec_time) / 1000 AS seconds, sum(rows) AS rows, sum(shared_blks_hit) AS blks_hit, sum(shared_blks_read) AS blks_read FROM pg_stat_statements t1 JOIN pg_database t3 ON t1.dbid = t3.oid GROUP BY 1, 2"
  master: true
  metrics:
    - datname: {usage: LABEL, description: db}
    - queryid: {usage: LABEL, description: id}
    - calls: {usage: COUNTER, description: x}
    - seconds: {usage: COUNTER, description: x}
    - rows: {usage: COUNTER, description: x}
    - blks_hit: {usage: COUNTER, description: x}
    - blks_read: {usage: COUNTER, description: x}
pg_stat_wal:
  query: "SELECT wal_records, wal_fpi, wal_bytes, wal_buffers_full, wal_write, wal_sync, wal_write_time, wal_sync_time FROM pg_stat_wal"
  master: true
  metrics:
    - wal_records: {usage: COUNTER, description: x}
    - wal_fpi: {usage: COUNTER, description: x}
    - wal_bytes: {usage: COUNTER, description: x}
    - wal_buffers_full: {usage: COUNTER, description: x}
    - wal_write: {usage: COUNTER, description: x}
    - wal_sync: {usage: COUNTER, description: x}
    - wal_write_time: {usage: COUNTER, description: x}
    - wal_sync_time: {usage: COUNTER, description: x}
pg_stat_progress_vacuum:
  query: "SELECT p.phase, count(v.pid) AS running FROM unnest(ARRAY['initializing', 'scanning heap', 'vacuuming indexes', 'vacuuming heap', 'cleaning up indexes', 'truncating heap', 'performing final cleanup']) AS p(phase) LEFT JOIN pg_stat_progress_vacuum v ON v.phase = p.phase GROUP BY 1"
  master: true
  metrics:
    - phase: {usage: LABEL, description: phase}
    - running: {usage: GAUGE, description: x}
EOF

# The dbharness side: serve DSN ADDR [k=v,...] serves the collector; sample DSN INTERVAL SECONDS
# runs the analysis's wait sampler (Mark, wait, Analyze) and prints what it says of itself.
mkdir -p "$WORK/serve"
cat >"$WORK/serve/main.go" <<'EOF'
package main

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/dbharness/dbharness/collectors"
	_ "github.com/dbharness/dbharness/collectors/postgres"
)

func options(spec string) []collectors.Option {
	var opts []collectors.Option
	for _, kv := range strings.Split(spec, ",") {
		k, v, ok := strings.Cut(kv, "=")
		switch {
		case !ok:
		case k == "scrapers":
			opts = append(opts, collectors.WithScrapers(strings.Split(v, "+")...))
		default:
			opts = append(opts, collectors.WithSetting(k, v))
		}
	}
	return opts
}

func main() {
	ctx := context.Background()
	switch os.Args[1] {
	case "serve":
		spec := ""
		if len(os.Args) > 4 {
			spec = os.Args[4]
		}
		c, err := collectors.Open(ctx, "postgresql", os.Args[2], options(spec)...)
		if err != nil {
			log.Fatal(err)
		}
		defer c.Close()
		reg := prometheus.NewRegistry()
		reg.MustRegister(c)
		http.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
		log.Fatal(http.ListenAndServe(os.Args[3], nil))
	case "sample":
		d, err := time.ParseDuration(os.Args[4])
		if err != nil {
			log.Fatal(err)
		}
		c, err := collectors.Open(ctx, "postgresql", os.Args[2], collectors.WithSetting("waits.interval", os.Args[3]))
		if err != nil {
			log.Fatal(err)
		}
		defer c.Close()
		a := c.(collectors.Analyzer)
		if err := a.Mark(ctx); err != nil {
			log.Fatal(err)
		}
		time.Sleep(d)
		// The sampler's backend: its CPU over the span is the server's cost of the sampling.
		backendCPU := "?"
		if conn, err := pgx.Connect(ctx, os.Args[2]); err == nil {
			var pid int
			if conn.QueryRow(ctx, "SELECT pid FROM pg_stat_activity WHERE application_name = 'dbharness-collector' AND query LIKE 'SELECT coalesce(wait_event_type%' LIMIT 1").Scan(&pid) == nil {
				if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); err == nil {
					f := strings.Fields(string(b)[strings.LastIndexByte(string(b), ')')+2:])
					u, _ := strconv.Atoi(f[11])
					s, _ := strconv.Atoi(f[12])
					cpu := time.Duration(u+s) * 10 * time.Millisecond // USER_HZ 100
					backendCPU = fmt.Sprintf("%s (%.2f%% of a core)", cpu, 100*cpu.Seconds()/d.Seconds())
				}
			}
			conn.Close(ctx)
		}
		fs, err := a.Analyze(ctx)
		if err != nil {
			log.Fatal(err)
		}
		for _, f := range fs {
			if f.Kind == "wait-event" {
				fmt.Printf("backend CPU %s; %s\n", backendCPU, f.Method)
				return
			}
		}
		fmt.Println("no wait sample")
	}
}
EOF
cat >"$WORK/serve/go.mod" <<EOF
module benchserve

go 1.26

require github.com/dbharness/dbharness v0.0.0

replace github.com/dbharness/dbharness => $ROOT
EOF
cp "$ROOT/go.sum" "$WORK/serve/go.sum"
echo "building the dbharness side ..."
(cd "$WORK/serve" && GOFLAGS=-mod=mod GOPROXY=off go mod tidy >/dev/null 2>&1 && go build -o "$WORK/serve/serve" .) || {
	echo "build of the dbharness side failed (the module cache needs the repository's dependencies: run go build ./... in $ROOT once)" >&2
	exit 1
}

EPORT=$(free_port)
DATA_SOURCE_NAME="$PG_DSN" prometheus-postgres-exporter --web.listen-address="127.0.0.1:$EPORT" --disable-settings-metrics \
	--extend.query-path="$WORK/queries.yaml" --log.level=error >"$WORK/exporter.log" 2>&1 &
PIDS+=($!)
EXPORTER_PID=$!
DPORT=$(free_port)
"$WORK/serve/serve" serve "$PG_DSN" "127.0.0.1:$DPORT" "waits.interval=off" >"$WORK/serve.log" 2>&1 &
PIDS+=($!)
DBH_PID=$!
SPORT=$(free_port)
SAME="scrapers=pg_stat_database+pg_stat_statements+pg_stat_user_tables+pg_statio_user_tables+pg_stat_user_indexes+pg_statio_user_indexes+pg_database_size+pg_stat_bgwriter+pg_stat_wal+pg_stat_activity+pg_locks+pg_stat_progress_vacuum+pg_stat_replication+pg_replication_slots+pg_recovery"
"$WORK/serve/serve" serve "$PG_DSN" "127.0.0.1:$SPORT" "$SAME,tables.limit=1000,indexes.limit=1000,statements.limit=5000,waits.interval=off" >"$WORK/serve-same.log" 2>&1 &
PIDS+=($!)
SAME_PID=$!
for port in "$EPORT" "$DPORT" "$SPORT"; do wait_http "http://127.0.0.1:$port/metrics"; done

TICK=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# server_ticks: user+system ticks of the postmaster and every process it forked (the
# scrapes' backends among them)
server_ticks() {
	local pm total=0
	pm=$(head -1 "$PGDIR/data/postmaster.pid")
	for p in "$pm" $(ps -o pid= --ppid "$pm"); do
		[ -r "/proc/$p/stat" ] && total=$((total + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0)))
	done
	echo "$total"
}

names=("prometheus-postgres-exporter" "dbharness, defaults" "dbharness, same views, no top-N")
urls=("http://127.0.0.1:$EPORT/metrics" "http://127.0.0.1:$DPORT/metrics" "http://127.0.0.1:$SPORT/metrics")
pids=("$EXPORTER_PID" "$DBH_PID" "$SAME_PID")
declare -a times cpu server
for i in 0 1 2; do curl -fs -o /dev/null "${urls[$i]}"; curl -fs -o /dev/null "${urls[$i]}"; cpu[$i]=0; server[$i]=0; times[$i]=""; done
for _ in $(seq 1 "$SCRAPES"); do
	for i in 0 1 2; do # alternating, scrape by scrape
		c0=$(cpu_ticks "${pids[$i]}"); s0=$(server_ticks)
		t=$(curl -fs -o "$WORK/side$i.prom" -w '%{time_total}' "${urls[$i]}")
		c1=$(cpu_ticks "${pids[$i]}"); s1=$(server_ticks)
		times[$i]="${times[$i]} $t"
		cpu[$i]=$((cpu[$i] + c1 - c0)); server[$i]=$((server[$i] + s1 - s0))
	done
done
stats() { # i: "median p90 series exporterCPUms serverCPUms"
	local i=$1 series
	series=$(grep -vc -e '^#' -e '^$' "$WORK/side$i.prom")
	tr ' ' '\n' <<<"${times[$i]}" | grep . | sort -n | awk -v n="$SCRAPES" -v series="$series" -v c="${cpu[$i]}" -v s="${server[$i]}" -v tick="$TICK" '
		{ t[NR] = $1 }
		END {
			med = (n % 2) ? t[(n + 1) / 2] : (t[n / 2] + t[n / 2 + 1]) / 2
			printf "%.3f %.3f %d %.3f %.3f\n", med * 1000, t[int(0.9 * n + 0.5)] * 1000, series, c / tick * 1000 / n, s / tick * 1000 / n
		}'
}
echo
echo "$SCRAPES scrapes each over HTTP, alternating, PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}'), $(pg_sql "SELECT count(*) FROM pg_stat_user_tables") tables, $(pg_sql "SELECT count(*) FROM pg_stat_statements") statements, $(nproc) CPUs:"
printf '%-34s %10s %10s %8s %16s %16s\n' side "median ms" "p90 ms" series "exporter CPU ms" "server CPU ms"
declare -a row
for i in 0 1 2; do
	row[$i]=$(stats "$i")
	read -r med p90 series c s <<<"${row[$i]}"
	printf '%-34s %10.2f %10.2f %8d %16.2f %16.2f\n' "${names[$i]}" "$med" "$p90" "$series" "$c" "$s"
done
read -r em _ es ec esv <<<"${row[0]}"
for i in 1 2; do
	read -r med _ series c s <<<"${row[$i]}"
	python3 - "${names[$i]}" "$med" "$em" "$series" "$es" "$c" "$ec" "$s" "$esv" <<'PY'
import sys
n, m, em, s, es, c, ec, sv, esv = sys.argv[1], *map(float, sys.argv[2:])
r = lambda a, b: f"{a / b:.2f}" if b else "-"
print(f"ratio {n} / exporter: scrape time {r(m, em)}, series {r(s, es)}, exporter CPU {r(c, ec)}, server CPU {r(sv, esv)}")
PY
done
echo "(CPU in clock ticks of 1/$TICK s summed over all scrapes, per scrape: coarse; server CPU is the postmaster's and its children's)"

# 2. The wait sampler's cost on throughput, ABBA per interval.
pgbench_tps() { "$PGBIN/pgbench" -n -S -M prepared -c 8 -j 2 -T "$ROUND_SECONDS" -h 127.0.0.1 -p "$PGPORT" -U postgres postgres 2>/dev/null | awk '/^tps = / {printf "%.0f", $3}'; }
with_sampler() { # interval
	"$WORK/serve/serve" sample "$PG_DSN" "$1" "$((ROUND_SECONDS + 1))s" >"$WORK/sample.out" 2>&1 &
	local sp=$!
	PIDS+=("$sp")
	local tps
	tps=$(pgbench_tps)
	wait "$sp" || true
	echo "$tps"
}
echo
echo "wait sampling: pgbench -S -c 8 for ${ROUND_SECONDS}s, without and with the sampler, ABBA x $ROUNDS:"
printf '%-10s %12s %12s %8s   %s\n' interval "TPS without" "TPS with" ratio "the sampler on itself (last round)"
for interval in 10ms 50ms; do
	off=0; on=0
	for _ in $(seq 1 "$ROUNDS"); do
		a1=$(pgbench_tps); b1=$(with_sampler "$interval"); b2=$(with_sampler "$interval"); a2=$(pgbench_tps)
		off=$((off + a1 + a2)); on=$((on + b1 + b2))
	done
	printf '%-10s %12d %12d %8s   %s\n' "$interval" "$((off / (2 * ROUNDS)))" "$((on / (2 * ROUNDS)))" \
		"$(python3 -c "print(f'{$on/$off:.3f}')")" "$(sed 's/; pg_stat_activity sampled every \([^ ]*\).*: \([0-9]*\) samples.*\(the samples. queries took [^;]*\).*/: \2 samples, \3/' "$WORK/sample.out")"
done
echo "(ratio = TPS with the sampler / without, same server, alternating A B B A; backend CPU is the sampler's"
echo " server process over the run, the queries' time is the client's wall clock)"
