#!/usr/bin/env bash
# make bench-cassandra: dbharness's YCSB next to go-ycsb's cassandra binding on one Cassandra
# node this script starts (`dbharness serve`: the engine's native node, as a process of
# its own), in one run, alternating:
#   1. YCSB A and C, same records, threads, distribution and consistency (QUORUM); ops/s
#      ratios (target >= 1.0);
#   2. what one collector scrape costs (every scraper, a go benchmark on a node of its own),
#      and how many series it yields;
#   3. a 3-node ring's start time (RING=0 to skip).
# Ratios only: this machine is shared and noisy, absolute numbers move from run to run. Take
# the bench lock (flock /tmp/dbharness-bench.lock make bench-cassandra) on a shared machine.
#
# Usage: scripts/bench-cassandra.sh   (THREADS=8 SECONDS_RUN=10 RECORDS=10000 ROUNDS=2 RING=1)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-bin/dbharness}
THREADS=${THREADS:-8}
SECONDS_RUN=${SECONDS_RUN:-10}
RECORDS=${RECORDS:-10000}
ROUNDS=${ROUNDS:-2}
RING=${RING:-1}
GOYCSB_VERSION=v1.0.3
GOYCSB=${GOYCSB:-${XDG_CACHE_HOME:-$HOME/.cache}/dbharness/go-ycsb-$GOYCSB_VERSION}
[ -x "$BIN" ] || { echo "build dbharness first: make build" >&2; exit 2; }
command -v python3 >/dev/null || { echo "python3 not found: apt-get install python3" >&2; exit 2; }

if [ ! -x "$GOYCSB" ]; then
  # Note: go install refuses go-ycsb (its go.mod has replace directives); build it from the
  # module cache in a scratch folder, never in this module.
  echo "building go-ycsb $GOYCSB_VERSION (once; a few minutes cold)..."
  src=$(go mod download -json "github.com/pingcap/go-ycsb@$GOYCSB_VERSION" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')
  scratch=$(mktemp -d /tmp/go-ycsb-src-XXXXXX)
  cp -r "$src/." "$scratch" && chmod -R u+w "$scratch"
  mkdir -p "$(dirname "$GOYCSB")"
  (cd "$scratch" && nice -n 10 go build -o "$GOYCSB" ./cmd/go-ycsb)
  rm -rf "$scratch"
fi

dir=$(mktemp -d /tmp/bench-cassandra-XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# serve NODES: starts a ring of that many nodes and sets served to its DSN. Note: not in a
# command substitution, whose subshell would keep the server's pid from cleanup.
serve() {
  local topology=()
  [ "$1" -gt 1 ] && topology=(--topology "ring of $1 nodes")
  "$BIN" serve --engine cassandra "${topology[@]}" --provider native --workdir "$dir" --dsn-file "$dir/dsn-$1" -v \
    --statement "CREATE KEYSPACE IF NOT EXISTS goycsb WITH replication = {'class': 'SimpleStrategy', 'replication_factor': $(( $1 < 3 ? $1 : 3 ))}" \
    >/dev/null 2>"$dir/serve-$1.log" &
  pids+=($!)
  for _ in $(seq 3000); do [ -s "$dir/dsn-$1" ] && break; kill -0 "${pids[-1]}" 2>/dev/null || break; sleep 0.1; done
  [ -s "$dir/dsn-$1" ] || { echo "Cassandra ($1 nodes) did not start:" >&2; cat "$dir/serve-$1.log" >&2; exit 1; }
  served=$(head -1 "$dir/dsn-$1")
}
serve 1
dsn=$served
host=$(python3 -c 'import sys,urllib.parse; print(urllib.parse.urlparse(sys.argv[1]).netloc.split(",")[0])' "$dsn")

# ours WORKLOAD: dbharness's ops/s.
ours() {
  "$BIN" load --engine cassandra --provider external --dsn "$dsn" --workload "$1" --vus "$THREADS" \
    --duration "${SECONDS_RUN}s" --out "$dir/out" >"$dir/ours.log" 2>&1 || { cat "$dir/ours.log" >&2; exit 1; }
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(int(r["scenarios"][0]["loads"][0]["total"]["ops_per_sec"]))' "$dir/out/result.json"
}
# go-ycsb's workloada says uniform; YCSB's (and ours) says zipfian: run both on zipfian.
props=(-p cassandra.cluster="$host" -p cassandra.keyspace=goycsb -p recordcount="$RECORDS" -p threadcount="$THREADS"
  -p requestdistribution=zipfian -p readallfields=true -p scanproportion=0 -p insertproportion=0)
# theirs READ UPDATE OPS: go-ycsb's ops/s for a read/update mix. Note: go-ycsb v1.0.3 does not
# stop at maxexecutiontime; it gets as many operations as dbharness did, so it runs about as
# long, and its OPS come from the TOTAL line ("TOTAL - Takes(s): 10.1, Count: N, OPS: X, ...").
theirs() {
  "$GOYCSB" run cassandra "${props[@]}" -p readproportion="$1" -p updateproportion="$2" -p operationcount="$3" >"$dir/goycsb.log" 2>&1
  awk '/^TOTAL/ { for (i = 1; i <= NF; i++) if ($i == "OPS:") { gsub(/[^0-9.]/, "", $(i+1)); print int($(i+1)) } }' "$dir/goycsb.log" | tail -1
}

echo "== 1. YCSB next to go-ycsb $GOYCSB_VERSION (cassandra binding), on one Cassandra node"
"$GOYCSB" load cassandra "${props[@]}" >"$dir/goycsb-load.log" 2>&1 || { cat "$dir/goycsb-load.log" >&2; exit 1; }
"$BIN" load --engine cassandra --provider external --dsn "$dsn" --workload ycsb-c --scale $((RECORDS / 1000)) --vus 1 \
  --duration 1s --out "" >"$dir/ours-load.log" 2>&1 || { cat "$dir/ours-load.log" >&2; exit 1; }   # load phase and a warm-up second
# Note: a JVM gets faster for minutes as it compiles the hot paths: both tools warm it up
# once (not counted), so the first measured run is not the slow one.
ours ycsb-a >/dev/null; theirs 0.5 0.5 $((RECORDS * 2)) >/dev/null
printf '%-8s %6s %12s %12s %8s\n' workload round dbharness go-ycsb ratio
for round in $(seq "$ROUNDS"); do
  for w in a c; do
    read -r rp up <<<"$([ "$w" = a ] && echo "0.5 0.5" || echo "1 0")"
    if [ $((round % 2)) -eq 1 ]; then
      o=$(ours "ycsb-$w"); t=$(theirs "$rp" "$up" $((o * SECONDS_RUN)))
    else
      t=$(theirs "$rp" "$up" $((${o:-1000} * SECONDS_RUN))); o=$(ours "ycsb-$w")
    fi
    [ -n "$t" ] && [ "$t" -gt 0 ] || { echo "could not read go-ycsb's result:" >&2; tail -20 "$dir/goycsb.log" >&2; exit 1; }
    printf '%-8s %6s %12s %12s %8s\n' "ycsb-$w" "$round" "$o" "$t" "$(python3 -c "print(f'{$o/$t:.2f}')")"
  done
done
echo "(ops/s; $RECORDS records, $THREADS threads, zipfian, readallfields, QUORUM, same node; ABBA order over rounds; load average $(cut -d' ' -f1-3 /proc/loadavg))"

echo
echo "== 2. One scrape of the collector (every scraper, one node)"
"$BIN" collect --engine cassandra --dsn "$dsn" --once >"$dir/scrape.txt" 2>"$dir/collect.log" || true
if [ -s "$dir/scrape.txt" ]; then
  echo "series: $(grep -vc '^#' "$dir/scrape.txt")"
fi
go test -run '^$' -bench 'BenchmarkScrape' -benchtime 20x -count 1 ./collectors/cassandra | grep -E '^(Benchmark|cpu:)' || true

if [ "$RING" = 1 ]; then
  echo
  echo "== 3. A 3-node ring from nothing to every node agreeing (one node after the other)"
  kill -TERM "${pids[0]}"; wait "${pids[0]}" 2>/dev/null || true; pids=()
  began=$(date +%s.%N)
  serve 3
  echo "3-node ring ready in $(python3 -c "import time; print(f'{time.time()-$began:.1f}')") s ($(grep -o 'took=[^ ]*' "$dir/serve-3.log" | tail -1))"
fi
