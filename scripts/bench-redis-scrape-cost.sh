#!/usr/bin/env bash
# What scraping costs the database: get-set throughput on one private redis-server with and
# without the dbharness collector being scraped every second (as Prometheus would), in ABBA
# rounds so drift hits both sides, and the ratio. Design target: less than 1% lost.
# Usage: scripts/bench-redis-scrape-cost.sh   (ROUNDS=4 SECONDS_RUN=10 CLIENTS=8)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-bin/dbharness}
ROUNDS=${ROUNDS:-4}
SECONDS_RUN=${SECONDS_RUN:-10}
CLIENTS=${CLIENTS:-8}
[ -x "$BIN" ] || { echo "build dbharness first: make build" >&2; exit 2; }
command -v redis-server >/dev/null || { echo "redis-server not found: apt-get install redis-server" >&2; exit 2; }
dir=$(mktemp -d /tmp/bench-redis-scrape-XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port=$(free_port)
redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$dir" --daemonize no --logfile "$dir/redis.log" &
pids+=($!)
for _ in $(seq 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.05; done
dsn="redis://127.0.0.1:$port"
"$BIN" load --engine redis --provider external --dsn "$dsn" --workload get-set --scale 1 --vus 1 --duration 1s --out "" >/dev/null 2>&1

ops() { # one run; prints its ops/s
  "$BIN" load --engine redis --provider external --dsn "$dsn" --workload get-set --vus "$CLIENTS" \
    --duration "${SECONDS_RUN}s" --out "$dir/run" >/dev/null 2>&1
  python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["scenarios"][0]["loads"][0]["total"]["ops_per_sec"])' "$dir/run/result.json"
}
scraped() { # one run while the collector is scraped every second
  local mport cpid lpid
  mport=$(free_port)
  DBHARNESS_REDIS_DSN="$dsn" "$BIN" collect --engine redis --listen "127.0.0.1:$mport" >"$dir/collect.log" 2>&1 &
  cpid=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$mport/metrics" >/dev/null && break; sleep 0.05; done
  ( while true; do curl -sf "http://127.0.0.1:$mport/metrics" >/dev/null; sleep 1; done ) &
  lpid=$!
  ops
  kill "$lpid" "$cpid" 2>/dev/null || true
  wait "$lpid" "$cpid" 2>/dev/null || true
}

echo "redis on 127.0.0.1:$port; get-set, $CLIENTS workers, ${SECONDS_RUN}s runs, $ROUNDS ABBA rounds"
printf '%6s %14s %14s\n' round "not scraped" "scraped 1/s"
plain=() with=()
for r in $(seq "$ROUNDS"); do
  if [ $((r % 2)) -eq 1 ]; then a=$(ops); b=$(scraped); else b=$(scraped); a=$(ops); fi
  plain+=("$a") with+=("$b")
  printf '%6d %14.0f %14.0f\n' "$r" "$a" "$b"
done
python3 - "${plain[*]}" "${with[*]}" <<'PY'
import math, statistics, sys
a = [float(x) for x in sys.argv[1].split()]
b = [float(x) for x in sys.argv[2].split()]
# Each ABBA round is a pair run back to back: compare within rounds, so the drift between
# rounds (larger than the effect here) cancels.
d = [math.log(y / x) for x, y in zip(a, b)]
mean = statistics.mean(d)
half = 2.0 * statistics.stdev(d) / math.sqrt(len(d)) if len(d) > 1 else float("inf")
lost = lambda v: (1 - math.exp(v)) * 100
print(f"throughput lost to scraping every second: {lost(mean):+.2f}% (95% interval {lost(mean + half):+.2f}% .. {lost(mean - half):+.2f}%, "
      f"{len(d)} paired rounds; target < 1%)")
PY
