#!/usr/bin/env bash
# make bench-mongodb: dbharness's MongoDB workloads next to go-ycsb's mongodb binding, on one
# FerretDB this script starts (`dbharness serve`: the engine's embedded FerretDB, behind
# its wire recorder, as a process of its own), in one run, alternating:
#   1. YCSB A and C, same records, threads and distribution; ops/s ratios (target >= 1.0);
#   2. FerretDB on SQLite next to FerretDB on PostgreSQL: dbharness's ycsb-c ops/s on each;
#   3. the collector: what one scrape costs (a go benchmark on an embedded FerretDB).
# Ratios only: this machine is shared and noisy, absolute numbers move from run to run.
#
# Usage: scripts/bench-mongodb.sh   (THREADS=8 SECONDS_RUN=10 RECORDS=10000 ROUNDS=2)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-bin/dbharness}
THREADS=${THREADS:-8}
SECONDS_RUN=${SECONDS_RUN:-10}
RECORDS=${RECORDS:-10000}
ROUNDS=${ROUNDS:-2}
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
  (cd "$scratch" && go build -o "$GOYCSB" ./cmd/go-ycsb)
  rm -rf "$scratch"
fi

dir=$(mktemp -d /tmp/bench-mongodb-XXXXXX)
chmod 755 "$dir" # FerretDB's PostgreSQL runs as postgres and keeps its data below
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# serve BACKEND: starts a FerretDB on that backend and sets served to its URI. Note: not
# in a command substitution, whose subshell would keep the server's pid from cleanup.
serve() {
  "$BIN" serve --engine ferretdb --provider embedded --setting "backend=$1" --workdir "$dir" --dsn-file "$dir/uri-$1" -v \
    >/dev/null 2>"$dir/serve-$1.log" &
  pids+=($!)
  for _ in $(seq 300); do [ -s "$dir/uri-$1" ] && break; sleep 0.1; done
  [ -s "$dir/uri-$1" ] || { echo "FerretDB on $1 did not start:" >&2; cat "$dir/serve-$1.log" >&2; exit 1; }
  served=$(head -1 "$dir/uri-$1")
}
serve postgresql
uri=$served

# ours WORKLOAD URI: dbharness's ops/s.
ours() {
  "$BIN" load --engine mongodb --provider external --dsn "$2" --workload "$1" --vus "$THREADS" \
    --duration "${SECONDS_RUN}s" --out "$dir/out" >"$dir/ours.log" 2>&1 || { cat "$dir/ours.log" >&2; exit 1; }
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(int(r["scenarios"][0]["loads"][0]["total"]["ops_per_sec"]))' "$dir/out/result.json"
}
# go-ycsb's workloada says uniform; YCSB's (and ours) says zipfian: run both on zipfian.
props=(-p mongodb.url="$uri" -p recordcount="$RECORDS" -p threadcount="$THREADS" -p requestdistribution=zipfian
  -p readallfields=true -p scanproportion=0 -p insertproportion=0)
# theirs READ UPDATE OPS: go-ycsb's ops/s for a read/update mix. Note: go-ycsb v1.0.3 does not
# stop at maxexecutiontime; it gets as many operations as dbharness did, so it runs about as
# long, and its OPS come from the TOTAL line ("TOTAL - Takes(s): 10.1, Count: N, OPS: X, ...").
theirs() {
  "$GOYCSB" run mongodb "${props[@]}" -p readproportion="$1" -p updateproportion="$2" -p operationcount="$3" >"$dir/goycsb.log" 2>&1
  awk '/^TOTAL/ { for (i = 1; i <= NF; i++) if ($i == "OPS:") { gsub(/[^0-9.]/, "", $(i+1)); print int($(i+1)) } }' "$dir/goycsb.log" | tail -1
}

echo "== 1. YCSB next to go-ycsb $GOYCSB_VERSION (mongodb binding), FerretDB $(grep 'ferretdb ready' "$dir/serve-postgresql.log" | grep -o 'version=[^ ]*' | cut -d= -f2) on PostgreSQL"
"$GOYCSB" load mongodb "${props[@]}" >"$dir/goycsb-load.log" 2>&1 || { cat "$dir/goycsb-load.log" >&2; exit 1; }
"$BIN" load --engine mongodb --provider external --dsn "$uri" --workload ycsb-c --scale $((RECORDS / 1000)) --vus 1 \
  --duration 1s --out "" >"$dir/ours-load.log" 2>&1 || { cat "$dir/ours-load.log" >&2; exit 1; }   # load phase and a warm-up second
printf '%-8s %6s %12s %12s %8s\n' workload round dbharness go-ycsb ratio
for round in $(seq "$ROUNDS"); do
  for w in a c; do
    read -r rp up <<<"$([ "$w" = a ] && echo "0.5 0.5" || echo "1 0")"
    if [ $((round % 2)) -eq 1 ]; then
      o=$(ours "ycsb-$w" "$uri"); t=$(theirs "$rp" "$up" $((o * SECONDS_RUN)))
    else
      t=$(theirs "$rp" "$up" $((${o:-1000} * SECONDS_RUN))); o=$(ours "ycsb-$w" "$uri")
    fi
    [ -n "$t" ] && [ "$t" -gt 0 ] || { echo "could not read go-ycsb's result:" >&2; tail -20 "$dir/goycsb.log" >&2; exit 1; }
    printf '%-8s %6s %12s %12s %8s\n' "ycsb-$w" "$round" "$o" "$t" "$(python3 -c "print(f'{$o/$t:.2f}')")"
  done
done
echo "(ops/s; $RECORDS records, $THREADS threads, zipfian, readallfields, same FerretDB; ABBA order over rounds)"

echo
echo "== 2. FerretDB on SQLite next to FerretDB on PostgreSQL (dbharness ycsb-c, $THREADS threads)"
serve sqlite
sqlite=$served
"$BIN" load --engine mongodb --provider external --dsn "$sqlite" --workload ycsb-c --scale $((RECORDS / 1000)) --vus 1 \
  --duration 1s --out "" >"$dir/ours-load.log" 2>&1 || { cat "$dir/ours-load.log" >&2; exit 1; }
printf '%-8s %12s %12s %8s\n' round postgresql sqlite ratio
for round in $(seq "$ROUNDS"); do
  if [ $((round % 2)) -eq 1 ]; then p=$(ours ycsb-c "$uri"); s=$(ours ycsb-c "$sqlite"); else s=$(ours ycsb-c "$sqlite"); p=$(ours ycsb-c "$uri"); fi
  printf '%-8s %12s %12s %8s\n' "$round" "$p" "$s" "$(python3 -c "print(f'{$p/max($s,1):.2f}')")"
done
echo "(ops/s; postgresql/sqlite: FerretDB pushes filters down to PostgreSQL, and scans and decodes every document on SQLite)"

echo
echo "== 3. One scrape of the collector (every scraper, embedded FerretDB on SQLite, three collections)"
go test -run '^$' -bench 'BenchmarkScrape' -benchtime 30x -count 1 ./collectors/mongodb | grep -E '^(Benchmark|cpu:)' || true
