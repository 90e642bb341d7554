#!/usr/bin/env bash
# dbharness's Redis load next to redis-benchmark on one private redis-server started here:
# GET and SET at the same clients (50), unpipelined and at depth 16, and the ops/s ratios.
# The design target is dbharness >= 80% of redis-benchmark's GET ops/s without pipelining.
#
# dbharness runs as `bin/dbharness load` when that binary has the Redis workloads linked in
# (databases/databases.go imports workloads/redis); otherwise through the same workloads from
# `go test` (TestCompareWithRedisBenchmark in workloads/redis), against the same server.
# Ratios only: the machine is shared, absolute numbers move from run to run.
#
# Usage: scripts/bench-redis.sh   (CLIENTS=50 SECONDS_RUN=10 REQUESTS=500000 VALUE=128 ROUNDS=1)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-bin/dbharness}
CLIENTS=${CLIENTS:-50}
DEPTH=16
SECONDS_RUN=${SECONDS_RUN:-10}
REQUESTS=${REQUESTS:-500000}   # per redis-benchmark test; about 10 s at 50k ops/s
VALUE=${VALUE:-128}            # bytes per SET value on both sides
ROUNDS=${ROUNDS:-1}
for tool in redis-server redis-cli redis-benchmark python3; do
  command -v "$tool" >/dev/null || { echo "$tool not found: apt-get install redis-server redis-tools python3" >&2; exit 2; }
done

dir=$(mktemp -d /tmp/bench-redis-XXXXXX)
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# A free port (cluster ports must stay below 55536; a standalone server does not care).
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$dir" --daemonize no \
  --logfile "$dir/redis.log" &
pid=$!
for _ in $(seq 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.05; done
redis-cli -p "$port" ping >/dev/null || { echo "redis-server did not start:" >&2; cat "$dir/redis.log" >&2; exit 1; }
dsn="redis://127.0.0.1:$port"
echo "server: redis $(redis-server --version | awk '{print $3}' | cut -d= -f2) on 127.0.0.1:$port, $(nproc) CPUs;" \
  "$CLIENTS clients, depth 1 and $DEPTH, $VALUE-byte values, 10000 keys"

# theirs P TEST: redis-benchmark's requests per second for one test at pipeline depth P.
theirs() {
  redis-benchmark -h 127.0.0.1 -p "$port" -c "$CLIENTS" -n "$REQUESTS" -P "$1" -t "$2" -d "$VALUE" -r 10000 --csv -q 2>/dev/null \
    | awk -F'"' -v t="$(echo "$2" | tr a-z A-Z)" '$2 == t { printf "%.0f", $4 }'
}

# redis-benchmark's keys (key:000000000000 .. key:000000009999) exist before its GET test, as
# dbharness's keys dataset does before get-set: a GET that misses answers less.
redis-benchmark -h 127.0.0.1 -p "$port" -c "$CLIENTS" -n 100000 -t set -d "$VALUE" -r 10000 -q >/dev/null 2>&1

# ours W: dbharness's commands/s for workload W (pipelines/s × depth for pipeline-*).
if "$BIN" workloads 2>/dev/null | grep -q 'get-set-100-0'; then
  mode="bin/dbharness load"
  "$BIN" load --engine redis --provider external --dsn "$dsn" --workload get-set-100-0 --scale 1 --vus 1 \
    --duration 1s --out "" >/dev/null 2>&1   # the keys dataset, and a warm-up second
  ours() {
    if ! "$BIN" load --engine redis --provider external --dsn "$dsn" --workload "$1" --vus "$CLIENTS" \
      --duration "${SECONDS_RUN}s" --out "$dir/out-$1" >"$dir/load.log" 2>&1; then
      cat "$dir/load.log" >&2
      return 1
    fi
    python3 - "$dir/out-$1/result.json" "$1" "$DEPTH" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
ops = r["scenarios"][0]["loads"][0]["total"]["ops_per_sec"]
print(round(ops * (int(sys.argv[3]) if sys.argv[2].startswith("pipeline") else 1)))
PY
  }
else
  mode="go test ./workloads/redis (bin/dbharness lacks the Redis workloads)"
  go test -c -o "$dir/redis.test" ./workloads/redis
  ours() {
    DBHARNESS_REDIS_BENCH=1 DBHARNESS_TEST_REDIS_DSN="$dsn" BENCH_CLIENTS="$CLIENTS" BENCH_SECONDS="$SECONDS_RUN" \
      BENCH_VALUE="$VALUE" BENCH_ONLY="$1" "$dir/redis.test" -test.count=1 -test.run '^TestCompareWithRedisBenchmark$' \
      | awk '$1 == "dbharness" { print $4 }'
  }
fi
echo "dbharness runs as: $mode; each test alternates redis-benchmark and dbharness, $ROUNDS round(s)"

printf '\n%-12s %5s %14s %16s %8s\n' "test" round "dbharness" "redis-benchmark" ratio
for spec in "get 1 get-set-100-0" "set 1 get-set-0-100" "get $DEPTH pipeline-100-0" "set $DEPTH pipeline-0-100"; do
  read -r test depth workload <<<"$spec"
  sum_ours=0 sum_theirs=0
  for round in $(seq "$ROUNDS"); do
    theirs=$(theirs "$depth" "$test")
    ours=$(ours "$workload")
    [ -n "$theirs" ] && [ -n "$ours" ] || { echo "no result for $test -P $depth (redis-benchmark: '$theirs', dbharness: '$ours')" >&2; exit 1; }
    sum_ours=$((sum_ours + ours)) sum_theirs=$((sum_theirs + theirs))
    label="$(echo "$test" | tr a-z A-Z) -P $depth"
    printf '%-12s %5s %14s %16s %8s\n' "$label" "$round" "$ours" "$theirs" "$(python3 -c "print(f'{$ours/$theirs:.2f}')")"
  done
  if [ "$ROUNDS" -gt 1 ]; then
    printf '%-12s %5s %14s %16s %8s\n' "$label" all "$((sum_ours / ROUNDS))" "$((sum_theirs / ROUNDS))" \
      "$(python3 -c "print(f'{$sum_ours/$sum_theirs:.2f}')")"
  fi
done
echo "(commands/s: GET or SET requests served; dbharness's pipelined ops/s are pipelines/s × $DEPTH;"
echo " ratio = dbharness / redis-benchmark; the design target for GET -P 1 is >= 0.80)"
