#!/usr/bin/env bash
# Measures dbharness's Elasticsearch side next to its peers on one private node started here
# (Elasticsearch 7.17 by default: esrally's benchmark-only pipeline asks GET /, which the 8.x
# integ-test zip answers with 405; VERSION=8.19.21 runs the rest on 8 and skips esrally):
#   1. bulk indexing (docs/s) and a match query (ops/s): dbharness's "bulk-index" and
#      "search-match" vs esrally with an offline custom track over the same documents (exported
#      from dbharness's documents dataset), at the same clients, alternating, in ROUNDS rounds;
#   2. one scrape of the same endpoints: dbharness's collector vs prometheus-elasticsearch-exporter
#      (--es.all --es.indices --es.shards), alternating: wall time, series, server CPU per scrape;
#   3. start-up: a single node and a 3-node cluster (to green), natively, and the time to green
#      after a node of the cluster is killed and restarted.
# It prints each measure and, where there is a peer, the ratio dbharness / peer.
# Usage: scripts/bench-elasticsearch.sh   (make bench-elasticsearch builds bin/dbharness first)
#        CLIENTS=2 SECONDS_RUN=10 ROUNDS=2 SCRAPES=20 STARTS=3 SCALE=5 VERSION=7.17.29 to change the defaults;
#        RALLY=/path/to/esrally to use another esrally (default: a venv in $DBHARNESS_CACHE/esrally-venv,
#        made from PyPI's esrally 2.13.0 at the first run).
# Take the bench lock when the machine is shared: flock /tmp/dbharness-bench.lock make bench-elasticsearch
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-bin/dbharness}
CLIENTS=${CLIENTS:-2}
SECONDS_RUN=${SECONDS_RUN:-10}
ROUNDS=${ROUNDS:-2}
SCRAPES=${SCRAPES:-20}
STARTS=${STARTS:-3}
SCALE=${SCALE:-5}
VERSION=${VERSION:-7.17.29}
CACHE=${DBHARNESS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dbharness}
[ -x "$BIN" ] || { echo "build dbharness first: make build" >&2; exit 2; }
EXPORTER=$(command -v prometheus-elasticsearch-exporter || true)
[ -n "$EXPORTER" ] || { echo "prometheus-elasticsearch-exporter not found: make deps" >&2; exit 2; }
DIST="$CACHE/maven/elasticsearch-$VERSION/elasticsearch-$VERSION"
[ -x "$DIST/bin/elasticsearch" ] || { echo "$DIST not fetched: make deps" >&2; exit 2; }
JAVA=${DBHARNESS_JAVA_HOME:-$(ls -d /usr/lib/jvm/java-17-openjdk-* 2>/dev/null | head -1)}
[ -x "$JAVA/bin/java" ] || { echo "no Java 17: apt-get install openjdk-17-jre-headless" >&2; exit 2; }

ratio() { python3 -c "import sys; a,b=float(sys.argv[1]),float(sys.argv[2]); print(f'{a/b:.2f}' if b else '-')" "$1" "$2"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# The node: as the engine starts it (docs/databases/elasticsearch.md), as nobody when root.
WORK=$(mktemp -d /tmp/dbh-bench-es-XXXXXX); chmod 755 "$WORK"
HOME_ES="$DIST"
if [ "$(id -u)" -eq 0 ]; then
  HOME_ES="$WORK/dist"; cp -r "$DIST" "$HOME_ES"; chmod -R a+rX "$HOME_ES"
fi
NODE="$WORK/node"; mkdir -p "$NODE"/{data,logs,tmp}; cp -r "$HOME_ES/config" "$NODE/config"
sed -i "s#file=logs/#file=$NODE/logs/#; s#file=gc.log#file=$NODE/logs/gc.log#; s#HeapDumpPath=data#HeapDumpPath=$NODE/data#; s#ErrorFile=logs/#ErrorFile=$NODE/logs/#; s#ErrorFile=hs_err#ErrorFile=$NODE/logs/hs_err#" "$NODE/config/jvm.options"
PORT=$(free_port); TPORT=$(free_port)
cat >"$NODE/config/elasticsearch.yml" <<YML
cluster.name: dbharness
node.name: node-1
network.host: 127.0.0.1
http.port: $PORT
transport.port: $TPORT
path.data: $NODE/data
path.logs: $NODE/logs
cluster.routing.allocation.disk.threshold_enabled: false
discovery.type: single-node
xpack.security.enabled: false
YML
run_as=()
if [ "$(id -u)" -eq 0 ]; then chown -R nobody:nogroup "$NODE"; run_as=(setpriv --reuid=65534 --regid=65534 --clear-groups); fi
exec 9>"/tmp/dbharness-jvm.lock"; flock 9 # the machine's JVM start lock (native.StartLock "jvm")
# Note: setsid gives the node a process group of its own: bin/elasticsearch is a launcher
# that starts the server JVM as its child, and stopping only the launcher left the server
# writing into $WORK while cleanup removed it.
(cd "$NODE" && exec setsid "${run_as[@]}" env ES_JAVA_HOME="$JAVA" ES_PATH_CONF="$NODE/config" ES_JAVA_OPTS="-Xms512m -Xmx512m" \
  ES_TMPDIR="$NODE/tmp" HOME="$NODE" "$HOME_ES/bin/elasticsearch" >"$NODE/stdout.log" 2>&1) &
ES_PID=$!
stop_node() { # the node's whole process group: TERM, up to a minute, then KILL
  [ -n "${ES_PID:-}" ] || return 0
  kill -TERM -- "-$ES_PID" 2>/dev/null || true
  for _ in $(seq 300); do kill -0 -- "-$ES_PID" 2>/dev/null || break; sleep 0.2; done
  kill -KILL -- "-$ES_PID" 2>/dev/null || true
  wait "$ES_PID" 2>/dev/null || true
  ES_PID=""
}
cleanup() { stop_node; rm -rf "$WORK"; }
trap cleanup EXIT
for _ in $(seq 1200); do curl -sf "http://127.0.0.1:$PORT/_cluster/health?wait_for_status=yellow&timeout=1s" >/dev/null && break; sleep 0.1; done
flock -u 9
curl -sf "http://127.0.0.1:$PORT/_cluster/health" >/dev/null || { tail -20 "$NODE/stdout.log" >&2; exit 1; }
export DBHARNESS_ELASTICSEARCH_DSN="http://127.0.0.1:$PORT"
echo "server: Elasticsearch $VERSION on 127.0.0.1:$PORT, $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg); $CLIENTS clients, ${SECONDS_RUN}s per run, $ROUNDS rounds"

# The documents dataset, loaded by dbharness, then exported as esrally's corpus.
"$BIN" load --engine elasticsearch --provider external --workload search-match --dataset documents --scale "$SCALE" \
  --executor shared-iterations --vus 1 --iterations 1 --out "" >"$WORK/load.log" 2>&1 || { cat "$WORK/load.log" >&2; exit 1; }
TRACK="$WORK/track"; mkdir -p "$TRACK"
python3 - "$PORT" "$TRACK" "$CLIENTS" "$SECONDS_RUN" <<'PY'
import json, sys, urllib.request
port, track, clients, secs = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
def get(path, body=None):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=json.dumps(body).encode() if body else None,
                                 headers={"Content-Type": "application/json"}, method="POST" if body else "GET")
    return json.load(urllib.request.urlopen(req))
mapping = get("/dbh-documents/_mapping")["dbh-documents"]["mappings"]
n, size = 0, 0
with open(f"{track}/documents.json", "w") as out:
    r = get("/dbh-documents/_search?scroll=1m", {"size": 1000, "sort": ["_doc"]})
    while r["hits"]["hits"]:
        for h in r["hits"]["hits"]:
            line = json.dumps(h["_source"]) + "\n"; out.write(line); n += 1; size += len(line)
        r = get("/_search/scroll", {"scroll": "1m", "scroll_id": r["_scroll_id"]})
# Note: the same mapping and shards as dbharness's index, without its slowlog threshold.
json.dump({"settings": {"number_of_shards": 1, "number_of_replicas": 0}, "mappings": mapping}, open(f"{track}/index.json", "w"))
task = lambda name, op: {"operation": op, "clients": clients, "warmup-time-period": 2, "time-period": secs, "name": name}
json.dump({"version": 2, "description": "dbharness documents",
  "indices": [{"name": "rally-documents", "body": "index.json"}],
  "corpora": [{"name": "documents", "documents": [{"source-file": "documents.json", "document-count": n, "uncompressed-bytes": size}]}],
  "schedule": [
    {"operation": {"operation-type": "delete-index"}}, {"operation": {"operation-type": "create-index"}},
    {"operation": {"operation-type": "cluster-health", "request-params": {"wait_for_status": "green"}, "retry-until-success": True}},
    # Note: looped, so the corpus is indexed again and again for the whole time period, as
    # dbharness's bulk-index makes new documents for the whole run.
    task("bulk", {"operation-type": "bulk", "bulk-size": 500, "looped": True}),
    task("match", {"operation-type": "search", "index": "dbh-documents", "body": {"query": {"match": {"title": "lamp"}}, "size": 10}}),
  ]}, open(f"{track}/track.json", "w"), indent=1)
PY

RALLY=${RALLY:-}
if [ -z "$RALLY" ]; then
  venv="$CACHE/esrally-venv"
  if [ ! -x "$venv/bin/esrally" ]; then
    python3 -m venv "$venv" && "$venv/bin/pip" install -q esrally==2.13.0 >"$WORK/pip.log" 2>&1 || true
  fi
  [ -x "$venv/bin/esrally" ] && RALLY="$venv/bin/esrally"
fi

# dbharness_rate WORKLOAD: operations per second of one run.
dbharness_rate() {
  local out="$WORK/out-$1"
  "$BIN" load --engine elasticsearch --provider external --workload "$1" --vus "$CLIENTS" --duration "${SECONDS_RUN}s" \
    --out "$out" >"$WORK/dbharness.log" 2>&1 || { cat "$WORK/dbharness.log" >&2; exit 1; }
  python3 - "$out/result.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
loads = [l for s in r["scenarios"] for l in s.get("loads") or []]
print(f'{loads[-1]["total"]["ops_per_sec"]:.1f}')
PY
}
# rally_rates: "bulk_docs_per_s match_ops_per_s" of one esrally race.
rally_rates() {
  rm -f "$WORK/rally.csv"
  "$RALLY" race --offline --track-path="$TRACK" --pipeline=benchmark-only --target-hosts="127.0.0.1:$PORT" \
    --kill-running-processes --report-format=csv --report-file="$WORK/rally.csv" >"$WORK/rally.log" 2>&1 || { tail -30 "$WORK/rally.log" >&2; return 1; }
  python3 - "$WORK/rally.csv" <<'PY'
import csv, sys
v = {(r["Task"], r["Metric"]): r["Value"] for r in csv.DictReader(open(sys.argv[1]))}
print(v[("bulk", "Mean Throughput")], v[("match", "Mean Throughput")])
PY
}
printf '\n%-28s %5s %11s %11s %7s\n' measure round dbharness esrally ratio
if [ -n "$RALLY" ]; then
  for round in $(seq "$ROUNDS"); do
    rates=$(rally_rates) || { echo "esrally failed in round $round: $WORK/rally.log" >&2; continue; }
    read -r rb rm <<<"$rates"
    bulk=$(dbharness_rate bulk-index); docs=$(python3 -c "print(f'{$bulk*500:.0f}')")
    match=$(dbharness_rate search-match)
    printf '%-28s %5s %11s %11s %7s\n' "bulk docs/s (500 a request)" "$round" "$docs" "$rb" "$(ratio "$docs" "$rb")"
    printf '%-28s %5s %11s %11s %7s\n' "match query ops/s" "$round" "$match" "$rm" "$(ratio "$match" "$rm")"
  done
  echo "(same node, documents, clients and duration; esrally's match query is one fixed word, dbharness's a skewed random"
  echo " title word; dbharness's index logs every query phase to the slowlog (threshold 0ms), esrally's bulk index does not)"
else
  echo "esrally: not installed (pip install esrally==2.13.0 failed: see $WORK/pip.log); dbharness alone:"
  bulk=$(dbharness_rate bulk-index); echo "bulk docs/s: $(python3 -c "print(f'{$bulk*500:.0f}')")"; echo "match ops/s: $(dbharness_rate search-match)"
fi

# 2. One scrape of the same endpoints.
EXP_PORT=$(free_port); DBH_PORT=$(free_port)
"$EXPORTER" --web.listen-address="127.0.0.1:$EXP_PORT" --es.uri="http://127.0.0.1:$PORT" --es.all --es.indices --es.shards \
  --es.timeout=30s >"$WORK/exporter.log" 2>&1 &
exp_pid=$!
"$BIN" collect --engine elasticsearch --listen "127.0.0.1:$DBH_PORT" >"$WORK/collect.log" 2>&1 &
dbh_pid=$!
trap 'kill $exp_pid $dbh_pid 2>/dev/null; wait $exp_pid $dbh_pid 2>/dev/null; cleanup' EXIT
for port in "$EXP_PORT" "$DBH_PORT"; do
  for _ in $(seq 300); do curl -sf "http://127.0.0.1:$port/metrics" >/dev/null && break; sleep 0.1; done
done
cpu() { # the node's utime+stime in clock ticks, every process of its group
  local pg; pg=$(ps -o pgid= -p "$ES_PID" | tr -d ' ')
  ps -eo pgid=,pid= | awk -v g="$pg" '$1==g {print $2}' | while read -r p; do awk '{print $14+$15}' "/proc/$p/stat" 2>/dev/null; done | awk '{s+=$1} END {print s+0}'
}
scrape() { # URL: prints "seconds series server_cpu_ticks"
  local before after t
  before=$(cpu); t=$(curl -s -o "$WORK/scrape.txt" -w '%{time_total}' "$1"); after=$(cpu)
  echo "$t $(grep -vc '^#' "$WORK/scrape.txt") $((after - before))"
}
: >"$WORK/scrapes-exp"; : >"$WORK/scrapes-dbh"
for _ in $(seq "$SCRAPES"); do
  scrape "http://127.0.0.1:$EXP_PORT/metrics" >>"$WORK/scrapes-exp"
  scrape "http://127.0.0.1:$DBH_PORT/metrics" >>"$WORK/scrapes-dbh"
done
python3 - "$WORK/scrapes-dbh" "$WORK/scrapes-exp" "$SCRAPES" "$(getconf CLK_TCK)" <<'PY'
import statistics, sys
def col(path, i): return [float(l.split()[i]) for l in open(path)]
d, e, n, tck = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
print(f"\n{'one scrape (' + str(n) + ' each)':30} {'dbharness':>12} {'es_exporter':>12} {'ratio':>7}")
for name, i, f in [("wall time, median (ms)", 0, 1000), ("series", 1, 1)]:
    a, b = f * statistics.median(col(d, i)), f * statistics.median(col(e, i))
    print(f"{name:30} {a:12.1f} {b:12.1f} {a / b if b else float('nan'):7.2f}")
a, b = 1000 * sum(col(d, 2)) / tck / n, 1000 * sum(col(e, 2)) / tck / n
print(f"{'server CPU per scrape (ms)':30} {a:12.1f} {b:12.1f} {a / b if b else float('nan'):7.2f}")
print("(elasticsearch_exporter 1.5 --es.all --es.indices --es.shards; dbharness: cluster health, node stats, index stats, cat shards)")
PY
kill $exp_pid $dbh_pid 2>/dev/null; wait $exp_pid $dbh_pid 2>/dev/null || true
trap cleanup EXIT
stop_node

# 3. Start-up and recovery, on nodes dbharness starts natively.
cat >"$WORK/bench.feature" <<'FEATURE'
@elasticsearch
Feature: Elasticsearch benchmark scenarios, run by scripts/bench-elasticsearch.sh
  @standalone
  Scenario: a single node
    Given an Elasticsearch database

  @cluster
  Scenario: a cluster of 3 nodes
    Given an Elasticsearch cluster of 3 nodes

  @recovery
  Scenario: green again after a node is killed and restarted
    Given an Elasticsearch cluster of 3 nodes
    And the "documents" dataset at scale 1
    When the node "node-2" is killed
    And the broken nodes are brought back
    Then the cluster is healthy again within 10m
FEATURE
mkdir -p "$WORK/work"; chmod 755 "$WORK/work"
run_bench() { # TAG OUT
  "$BIN" run "$WORK/bench.feature" --tags "@$1" --provider native --workdir "$WORK/work" --out "$2" \
    --format progress --no-colors -v >"$WORK/run.log" 2>&1 || { cat "$WORK/run.log" >&2; exit 1; }
}
printf '\n%-34s %s\n' "start-up, native ($STARTS each)" "median (min-max), to ready for clients"
for topo in standalone cluster; do
  : >"$WORK/starts"
  for _ in $(seq "$STARTS"); do
    run_bench "$topo" "$WORK/out-start"
    sed -n 's/.*msg="database started".*took=\([0-9.hms]*\).*/\1/p' "$WORK/run.log" >>"$WORK/starts"
  done
  python3 - "$WORK/starts" "$topo" <<'PY'
import statistics, sys
import re
def seconds(d):  # a Go duration: 1m53.494s, 22.78s, 950ms
    return sum(float(n) * {"h": 3600, "m": 60, "s": 1, "ms": 1e-3}[u] for n, u in re.findall(r"([0-9.]+)(ms|h|m|s)", d))
v = [seconds(l.strip()) for l in open(sys.argv[1]) if l.strip()]
name = {"standalone": "Elasticsearch 8 single node", "cluster": "3-node cluster, all joined"}[sys.argv[2]]
print(f"{name:34} {statistics.median(v):.2f}s ({min(v):.2f}-{max(v):.2f}s)")
PY
done
run_bench recovery "$WORK/out-recovery"
python3 - "$WORK/out-recovery/result.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))["scenarios"][0]
e = next(e for e in s["events"] if e["kind"] == "recovered")
print(f"{'green again after a node kill':34} {e['after_ns'] / 1e9:.2f}s after the restart began (the node's boot included)")
PY
