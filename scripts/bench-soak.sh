#!/usr/bin/env bash
# Soak runs as a user runs them (bin/dbharness run, native servers), with what grows:
# result.json's size, the TSDB folder's size and dbharness's resident memory, per minute, and
# the slope of the memory after the warm-up (the target is at most 10 MB per hour).
#   1. the one-minute case of issue 21: a Redis cluster of 3 primaries with 1 replica each,
#      get-set with 4 workers for CLUSTER_SECONDS, collectors every second;
#   2. PostgreSQL, tpcb at 200 transactions per second with 4 workers, for each of PG_MINUTES.
# Numbers only: the machine may be shared, so read them as orders of magnitude and slopes.
#
# RSS is split into anonymous memory (the Go heap and stacks: what a leak grows) and file-backed
# pages (the TSDB's memory-mapped chunks and the binary: the kernel reclaims them). HEAP_AT lists
# minutes of the PostgreSQL soak at which a heap profile is taken from --metrics-listen's
# /debug/pprof/heap into PROFILE_DIR; compare two with
# `go tool pprof -top -diff_base heap-10m.pb.gz heap-60m.pb.gz`.
#
# Usage: scripts/bench-soak.sh   (CLUSTER_SECONDS=60 PG_MINUTES="20" SAMPLE_SECONDS=5 WARMUP_SECONDS=120
#                                 HEAP_AT="" PROFILE_DIR=reports/soak-profiles)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-bin/dbharness}
CLUSTER_SECONDS=${CLUSTER_SECONDS:-60}
PG_MINUTES=${PG_MINUTES:-20}
SAMPLE_SECONDS=${SAMPLE_SECONDS:-5}
WARMUP_SECONDS=${WARMUP_SECONDS:-120}
HEAP_AT=${HEAP_AT:-}
PROFILE_DIR=${PROFILE_DIR:-reports/soak-profiles}
[ -x "$BIN" ] || { echo "$BIN not found: make build" >&2; exit 2; }
command -v python3 >/dev/null || { echo "python3 not found: apt-get install python3" >&2; exit 2; }

work=$(mktemp -d /tmp/bench-soak-XXXXXX)
chmod 755 "$work" # PostgreSQL runs as postgres and must reach its data directory
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill -INT "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# soak NAME FEATURE [HEAP_MINUTES]: runs one feature, sampling dbharness's RSS (anonymous and
# file-backed) and the TSDB's size, and taking heap profiles at the minutes given.
soak() {
  local name=$1 feature=$2 heap_at=${3:-} out; out=$work/$(basename "$feature" .feature) # the name has slashes
  mkdir -p "$out"
  local port; port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  "$BIN" run --provider native --workdir "$work" --out "$out/out" --metrics-listen "127.0.0.1:$port" "$feature" >"$out/log" 2>&1 &
  pid=$!
  local t0; t0=$(date +%s)
  : >"$out/samples"
  while kill -0 "$pid" 2>/dev/null; do
    local rss hwm anon file tsdb now
    rss=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
    hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
    anon=$(awk '/^RssAnon/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
    file=$(awk '/^RssFile/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
    tsdb=$(du -sb "$out/out/tsdb" 2>/dev/null | cut -f1 || true)
    now=$(( $(date +%s) - t0 ))
    [ -n "$rss" ] && echo "$now $rss $hwm ${tsdb:-0} ${anon:-0} ${file:-0}" >>"$out/samples"
    for m in $heap_at; do
      if [ "$now" -ge $(( m * 60 )) ] && [ ! -e "$PROFILE_DIR/heap-${m}m.pb.gz" ]; then
        mkdir -p "$PROFILE_DIR"
        curl -fsS -o "$PROFILE_DIR/heap-${m}m.pb.gz" "http://127.0.0.1:$port/debug/pprof/heap?gc=1" \
          && echo "$name: heap profile at minute $m: $PROFILE_DIR/heap-${m}m.pb.gz" \
          || echo "$name: no heap profile at minute $m (http://127.0.0.1:$port/debug/pprof/heap)" >&2
      fi
    done
    sleep "$SAMPLE_SECONDS"
  done
  local rc=0
  wait "$pid" || rc=$?
  pid=""
  if [ "$rc" != 0 ]; then echo "$name: dbharness exited $rc:" >&2; tail -30 "$out/log" >&2; return 1; fi
  python3 - "$name" "$out" "$WARMUP_SECONDS" <<'PY'
import os, sys
name, out, warmup = sys.argv[1], sys.argv[2], int(sys.argv[3])
rows = [tuple(int(x) for x in l.split()) for l in open(os.path.join(out, "samples")) if l.strip()]
res = os.path.getsize(os.path.join(out, "out", "result.json"))
tsdb = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(os.path.join(out, "out", "tsdb")) for f in fs)
peak = max(r[2] for r in rows) / 1024
print(f"\n{name}")
print(f"  {'minute':>6}  {'RSS MB':>7}  {'anon MB':>7}  {'file MB':>7}  {'TSDB MB':>8}")
for minute in range(rows[-1][0] // 60 + 1):
    last = [r for r in rows if r[0] // 60 == minute]
    if last:
        r = last[-1]
        print(f"  {minute + 1:>6}  {r[1] / 1024:>7.1f}  {r[4] / 1024:>7.1f}  {r[5] / 1024:>7.1f}  {r[3] / 1e6:>8.2f}")
print(f"  result.json {res / 1e6:.2f} MB, TSDB {tsdb / 1e6:.2f} MB (closed), peak RSS {peak:.1f} MB")
steady = [r for r in rows if r[0] >= warmup]
if len(steady) >= 10:
    n = len(steady)
    mx = sum(r[0] for r in steady) / n
    sxx = sum((r[0] - mx) ** 2 for r in steady)
    def slope(col):  # MB per hour
        my = sum(r[col] for r in steady) / n
        return sum((r[0] - mx) * (r[col] - my) for r in steady) / sxx * 3600 / 1024
    print(f"  RSS slope after {warmup}s: {slope(1):+.1f} MB per hour ({n} samples):"
          f" anonymous {slope(4):+.1f}, file-backed {slope(5):+.1f}")
else:
    print(f"  RSS slope: run too short for one after a {warmup}s warm-up")
PY
}

echo "$(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg), dbharness at $(git rev-parse --short HEAD 2>/dev/null || echo "?")"

cat >"$work/cluster.feature" <<FEATURE
@redis
Feature: soak bench, Redis cluster
  Scenario: get-set on a cluster of 3 primaries with 1 replica each
    Given the collectors scrape every 1s
    And a Redis cluster with 3 primaries and 1 replica each
    And the "keys" dataset at scale 1
    When the "get-set" workload runs for ${CLUSTER_SECONDS}s with 4 workers
FEATURE
soak "redis cluster, get-set, ${CLUSTER_SECONDS}s" "$work/cluster.feature"

for minutes in $PG_MINUTES; do
  cat >"$work/pg-$minutes.feature" <<FEATURE
@postgresql
Feature: soak bench, PostgreSQL
  Scenario: tpcb at a fixed rate
    Given the collectors scrape every 1s
    And a PostgreSQL database
    And the "pgbench" dataset at scale 1
    When the "tpcb" workload runs for ${minutes}m at 200 operations per second with 4 workers
FEATURE
  soak "postgresql, tpcb at 200/s, ${minutes}m" "$work/pg-$minutes.feature" "$HEAP_AT"
done

echo
echo "two hours simulated (2,250 series at 1s, half of them flat):"
go test ./collectors/sampler -run TestTwoHourSetStaysSmall -count=1 -v | grep 'bytes of series' | sed 's/^ *downsample_test.go:[0-9]*: /  /'
