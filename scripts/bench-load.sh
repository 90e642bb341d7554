#!/usr/bin/env bash
# make bench-load: the load engine measured next to its peers, on this machine, in one run.
#   1. the engine's own cost and arrival-rate accuracy (go test -bench, no database);
#   2. point-select and tpcb next to pgbench (scripts/bench-pg-vs-pgbench.sh);
#   3. YCSB workload A next to go-ycsb, same PostgreSQL, records, threads and duration;
#   4. Redis GET and SET next to redis-benchmark, unpipelined and at depth 16 (scripts/bench-redis.sh).
# Ratios only: this machine is shared and noisy, absolute numbers move from run to run.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-bin/dbharness}
THREADS=${THREADS:-8}
SECONDS_RUN=${SECONDS_RUN:-10}
RECORDS=${RECORDS:-10000}
GOYCSB_VERSION=v1.0.3
GOYCSB=${GOYCSB:-${XDG_CACHE_HOME:-$HOME/.cache}/dbharness/go-ycsb-$GOYCSB_VERSION}
[ -x "$BIN" ] || { echo "build dbharness first: make build" >&2; exit 2; }

echo "== 1. engine overhead and arrival-rate accuracy (no database)"
go test -run '^$' -bench 'EngineOverhead|ArrivalRateAccuracy' -benchmem -count 1 ./workloads/load \
  | grep -E '^(Benchmark|cpu:)' || true

echo
echo "== 2. PostgreSQL next to pgbench"
ROUNDS=${ROUNDS:-1} scripts/bench-pg-vs-pgbench.sh

echo
echo "== 3. YCSB workload A next to go-ycsb $GOYCSB_VERSION"
if [ ! -x "$GOYCSB" ]; then
  # Note: go install refuses go-ycsb (its go.mod has replace directives); build it from the
  # module cache in a scratch folder, never in this module.
  echo "building go-ycsb $GOYCSB_VERSION (once; a few minutes cold)..."
  src=$(go mod download -json "github.com/pingcap/go-ycsb@$GOYCSB_VERSION" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')
  scratch=$(mktemp -d /tmp/go-ycsb-src-XXXXXX)
  cp -r "$src/." "$scratch" && chmod -R u+w "$scratch"
  mkdir -p "$(dirname "$GOYCSB")"
  (cd "$scratch" && go build -o "$GOYCSB" ./cmd/go-ycsb)
  rm -rf "$scratch"
fi
. scripts/lib/pgserver.sh
pg_sql "CREATE DATABASE goycsb"
pg_sql "CREATE DATABASE dbharness"
# go-ycsb's workloada says uniform; YCSB's (and ours) says zipfian: run both on zipfian.
props=(-p recordcount="$RECORDS" -p threadcount="$THREADS" -p requestdistribution=zipfian -p readallfields=true
  -p readproportion=0.5 -p updateproportion=0.5 -p scanproportion=0 -p insertproportion=0
  -p pg.host=127.0.0.1 -p pg.port="$PGPORT" -p pg.user=postgres -p pg.db=goycsb -p pg.sslmode=disable)
"$GOYCSB" load postgresql "${props[@]}" -p operationcount="$RECORDS" >"$PGDIR/goycsb-load.log" 2>&1
"$BIN" load --dsn "$(pg_dsn dbharness)" --workload ycsb-a --scale $((RECORDS / 1000)) --vus "$THREADS" \
  --duration 1s --out "" >/dev/null 2>&1   # load phase (and a warm-up second)
pg_sql CHECKPOINT
out="$PGDIR/ycsb-out"
"$BIN" load --dsn "$(pg_dsn dbharness)" --workload ycsb-a --vus "$THREADS" --duration "${SECONDS_RUN}s" --out "$out" >/dev/null 2>&1
ours=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(int(r["scenarios"][0]["loads"][0]["total"]["ops_per_sec"]))' "$out/result.json")
# Note: go-ycsb v1.0.3 does not stop at maxexecutiontime; give it as many operations as we
# did in SECONDS_RUN, so it runs about as long, and read its OPS from the TOTAL line
# ("TOTAL  - Takes(s): 10.1, Count: N, OPS: X, ...").
"$GOYCSB" run postgresql "${props[@]}" -p operationcount=$((ours * SECONDS_RUN)) >"$PGDIR/goycsb-run.log" 2>&1
theirs=$(awk '/^TOTAL/ { for (i = 1; i <= NF; i++) if ($i == "OPS:") { gsub(/[^0-9.]/, "", $(i+1)); print int($(i+1)) } }' "$PGDIR/goycsb-run.log" | tail -1)
took=$(awk '/^TOTAL/ { for (i = 1; i <= NF; i++) if ($i == "Takes(s):") { gsub(/,/, "", $(i+1)); print $(i+1) } }' "$PGDIR/goycsb-run.log" | tail -1)
[ -n "$theirs" ] || { echo "could not read go-ycsb's result:" >&2; tail -20 "$PGDIR/goycsb-run.log" >&2; exit 1; }
printf '%-10s %12s %12s %8s\n' workload dbharness go-ycsb ratio
printf '%-10s %12s %12s %8s\n' ycsb-a "$ours" "$theirs" "$(python3 -c "print(f'{$ours/$theirs:.2f}')")"
echo "(ops/s; $RECORDS records, $THREADS threads, zipfian, same server; dbharness ran ${SECONDS_RUN}s, go-ycsb ${took}s)"

echo
echo "== 4. Redis next to redis-benchmark"
BIN="$BIN" scripts/bench-redis.sh
