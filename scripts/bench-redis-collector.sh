#!/usr/bin/env bash
# bench-redis-collector.sh: the dbharness Redis collector side by side with prometheus-redis-exporter
# on the same redis-server holding ~10k keys. Each /metrics is scraped SCRAPES times (default 20)
# over HTTP with curl; the script prints the median and p90 scrape time, the series per scrape, and
# the CPU each scrape cost the exporter process and the redis-server.
#
# Usage: scripts/bench-redis-collector.sh [scrapes]
# Needs: redis-server, redis-benchmark, redis-cli, prometheus-redis-exporter, curl, go.
#
# The dbharness side is a throwaway main built in a temporary module outside the repository
# (a replace directive points at this checkout), so nothing in the tree changes. Every process
# the script starts is stopped on exit.
set -euo pipefail

SCRAPES=${1:-20}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d /tmp/bench-redis-collector.XXXXXX)
PIDS=()
cleanup() {
	for pid in "${PIDS[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${PIDS[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

need() { command -v "$1" >/dev/null || { echo "missing $1: $2" >&2; exit 1; }; }
need redis-server "apt-get install redis-server"
need redis-benchmark "apt-get install redis-tools"
need prometheus-redis-exporter "apt-get install prometheus-redis-exporter"
need curl "apt-get install curl"
need go "install Go 1.26"

# free_port prints a TCP port nothing listens on (at most 55535, as Redis cluster ports must be).
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

wait_http() { # url
	for _ in $(seq 1 100); do
		curl -fs -o /dev/null "$1" && return 0
		sleep 0.1
	done
	echo "nothing answers on $1" >&2
	exit 1
}

RPORT=$(free_port)
redis-server --port "$RPORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$WORK" >"$WORK/redis.log" 2>&1 &
PIDS+=($!)
REDIS_PID=$!
for _ in $(seq 1 50); do redis-cli -p "$RPORT" ping >/dev/null 2>&1 && break; sleep 0.1; done

echo "loading ~10k keys with redis-benchmark into 127.0.0.1:$RPORT ..."
redis-benchmark -p "$RPORT" -q -r 5000 -n 30000 -t set,get,incr,lpush,rpush,sadd,hset,zadd,lrange_100 >/dev/null
echo "keys: $(redis-cli -p "$RPORT" dbsize)"

# the exporter
EPORT=$(free_port)
prometheus-redis-exporter --redis.addr "redis://127.0.0.1:$RPORT" --web.listen-address "127.0.0.1:$EPORT" >"$WORK/exporter.log" 2>&1 &
PIDS+=($!)
EXPORTER_PID=$!

# the dbharness collector behind promhttp, built outside the repository
mkdir -p "$WORK/serve"
cat >"$WORK/serve/main.go" <<'EOF'
package main

import (
	"context"
	"log"
	"net/http"
	"os"

	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/dbharness/dbharness/collectors"
	rc "github.com/dbharness/dbharness/collectors/redis"
)

// serve DSN ADDR [scraper,scraper,...]
func main() {
	var opts []collectors.Option
	if len(os.Args) > 3 {
		opts = append(opts, collectors.WithScrapers(strings.Split(os.Args[3], ",")...))
	}
	c, err := rc.New(context.Background(), os.Args[1], opts...)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	reg := prometheus.NewRegistry()
	reg.MustRegister(c)
	http.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	log.Fatal(http.ListenAndServe(os.Args[2], nil))
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
DPORT=$(free_port)
"$WORK/serve/serve" "redis://127.0.0.1:$RPORT" "127.0.0.1:$DPORT" >"$WORK/serve.log" 2>&1 &
PIDS+=($!)
DBH_PID=$!
# the same without LATENCY HISTOGRAM, which this exporter version does not read: the closest
# to the exporter's set of metrics
SPORT=$(free_port)
"$WORK/serve/serve" "redis://127.0.0.1:$RPORT" "127.0.0.1:$SPORT" info,slowlog,latency_latest,memory_stats,pubsub >"$WORK/serve-same.log" 2>&1 &
PIDS+=($!)
SAME_PID=$!

wait_http "http://127.0.0.1:$EPORT/metrics"
wait_http "http://127.0.0.1:$DPORT/metrics"
wait_http "http://127.0.0.1:$SPORT/metrics"

# cpu_ticks pid: user+system clock ticks of a process
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# redis_cpu: used_cpu_user + used_cpu_sys of the server, in seconds
redis_cpu() { redis-cli -p "$RPORT" info cpu | tr -d '\r' | awk -F: '/^used_cpu_(user|sys):/ {s += $2} END {printf "%.6f", s}'; }
TICK=$(getconf CLK_TCK)

# bench name url pid: scrape SCRAPES times, print one result line
bench() {
	local name=$1 url=$2 pid=$3
	curl -fs -o /dev/null "$url"; curl -fs -o /dev/null "$url" # warm up: connections, first discovery
	local t0 r0 times=()
	t0=$(cpu_ticks "$pid"); r0=$(redis_cpu)
	for _ in $(seq 1 "$SCRAPES"); do
		times+=("$(curl -fs -o "$WORK/$name.prom" -w '%{time_total}' "$url")")
	done
	local t1 r1
	t1=$(cpu_ticks "$pid"); r1=$(redis_cpu)
	local series
	series=$(grep -vc -e '^#' -e '^$' "$WORK/$name.prom")
	printf '%s\n' "${times[@]}" | sort -n | awk -v name="$name" -v n="$SCRAPES" -v series="$series" \
		-v cpu="$(( t1 - t0 ))" -v tick="$TICK" -v r0="$r0" -v r1="$r1" '
		{ t[NR] = $1 }
		END {
			med = (n % 2) ? t[(n + 1) / 2] : (t[n / 2] + t[n / 2 + 1]) / 2
			p90 = t[int(0.9 * n + 0.5)]
			printf "%-27s median %7.2f ms   p90 %7.2f ms   series %5d   exporter CPU %6.2f ms/scrape   redis CPU %6.3f ms/scrape\n",
				name, med * 1000, p90 * 1000, series, cpu / tick * 1000 / n, (r1 - r0) * 1000 / n
		}'
}

echo
echo "$SCRAPES scrapes each over HTTP, redis-server $(redis-cli -p "$RPORT" info server | tr -d '\r' | awk -F: '/^redis_version/ {print $2}'), $(redis-cli -p "$RPORT" dbsize) keys:"
bench "prometheus-redis-exporter" "http://127.0.0.1:$EPORT/metrics" "$EXPORTER_PID"
bench "dbharness, all sources" "http://127.0.0.1:$DPORT/metrics" "$DBH_PID"
bench "dbharness, no histograms" "http://127.0.0.1:$SPORT/metrics" "$SAME_PID"
echo
echo "(exporter CPU is user+system time of the exporter process, in clock ticks of 1/$TICK s: a coarse"
echo " measure over $SCRAPES scrapes; redis CPU is the server's used_cpu_user+sys, which the INFO reads themselves add to)"
