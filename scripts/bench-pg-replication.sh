#!/usr/bin/env bash
# bench-pg-replication.sh: a PostgreSQL 15 primary with 2 streaming replicas, started RUNS times
# (default 5) by the dbharness engine. Each run writes from 4 sessions for LOAD_SECONDS (inserts
# of new rows, as fast as the primary takes them) while the replication lag is sampled every
# 100ms two ways: the engine's (WAL positions against the primary's, engines.ReplicationLagger)
# and the server's own (pg_stat_replication.replay_lag); then the primary is killed and a
# failover triggered, and the time from the kill to the first write the new primary takes
# through the topology's DSN is measured. Printed per run and as medians: start-up time,
# writes per second, the lag (p50 and max of the samples, both ways, and their ratio) and the
# failover time (the promotion alone, and until the first write).
#
# Usage: scripts/bench-pg-replication.sh [runs]   (make bench-pg-replication)
# Needs: PostgreSQL 15 (postgresql-15, with pg_basebackup and pg_rewind), go.
# The program is a throwaway main built in a temporary module outside the repository. Every
# server it starts stops when it ends, on success, failure and Ctrl-C.
set -euo pipefail

RUNS=${1:-5}
LOAD_SECONDS=${LOAD_SECONDS:-5}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
command -v go >/dev/null || { echo "missing go: install Go 1.26" >&2; exit 2; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/dbharness-bench-repl-XXXXXX")
chmod 755 "$WORK" # the servers run as postgres and keep their folders under it
BENCH_PID=""
cleanup() {
	if [ -n "$BENCH_PID" ]; then kill -INT "$BENCH_PID" 2>/dev/null || true; wait "$BENCH_PID" 2>/dev/null || true; fi
	rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

mkdir -p "$WORK/prog"
cat >"$WORK/prog/main.go" <<'EOF'
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/engines/postgres"
)

type run struct {
	start, promote, failover time.Duration
	writes                   float64
	ours, server             []time.Duration
}

func pct(xs []time.Duration, p float64) time.Duration {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[min(len(s)-1, int(p*float64(len(s))))]
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	runs, _ := strconv.Atoi(os.Args[1])
	load, _ := time.ParseDuration(os.Args[2])
	var all []run
	for i := range runs {
		r, err := once(ctx, os.Args[3], load)
		if err != nil {
			fmt.Fprintln(os.Stderr, "run", i+1, ":", err)
			os.Exit(1)
		}
		fmt.Printf("run %d: start %6s  writes %7.0f/s  lag ours p50 %6s max %6s  server's p50 %6s max %6s  promotion %6s  kill to first write %6s\n",
			i+1, r.start.Round(time.Millisecond), r.writes, pct(r.ours, 0.5).Round(time.Millisecond), pct(r.ours, 1).Round(time.Millisecond),
			pct(r.server, 0.5).Round(time.Millisecond), pct(r.server, 1).Round(time.Millisecond), r.promote.Round(time.Millisecond), r.failover.Round(time.Millisecond))
		all = append(all, r)
	}
	med := func(f func(run) time.Duration) time.Duration {
		var xs []time.Duration
		for _, r := range all {
			xs = append(xs, f(r))
		}
		return pct(xs, 0.5)
	}
	oursMax, serverMax := med(func(r run) time.Duration { return pct(r.ours, 1) }), med(func(r run) time.Duration { return pct(r.server, 1) })
	ratio := "-"
	if serverMax > 0 {
		ratio = fmt.Sprintf("%.2f", oursMax.Seconds()/serverMax.Seconds())
	}
	fmt.Printf("\nmedians over %d runs: start %s, lag max ours %s / server's %s (ratio %s), p50 ours %s / server's %s, promotion %s, kill to first write %s\n",
		len(all), med(func(r run) time.Duration { return r.start }).Round(time.Millisecond), oursMax.Round(time.Millisecond), serverMax.Round(time.Millisecond), ratio,
		med(func(r run) time.Duration { return pct(r.ours, 0.5) }).Round(time.Millisecond), med(func(r run) time.Duration { return pct(r.server, 0.5) }).Round(time.Millisecond),
		med(func(r run) time.Duration { return r.promote }).Round(time.Millisecond), med(func(r run) time.Duration { return r.failover }).Round(time.Millisecond))
}

func once(ctx context.Context, dir string, load time.Duration) (run, error) {
	var r run
	t0 := time.Now()
	inst, err := postgres.Engine{}.Start(ctx, engines.Spec{Provider: engines.ProviderNative, WorkDir: dir, Topology: postgres.ReplicatedTopology(2, "")})
	if inst != nil {
		defer inst.Stop(context.WithoutCancel(ctx))
	}
	if err != nil {
		return r, err
	}
	r.start = time.Since(t0)
	topo := inst.(postgres.Topology)
	setup, err := pgx.Connect(ctx, topo.DSN())
	if err != nil {
		return r, err
	}
	if _, err := setup.Exec(ctx, "CREATE TABLE w (id bigserial PRIMARY KEY, at timestamptz DEFAULT now(), pad text)"); err != nil {
		return r, err
	}
	setup.Close(ctx)
	lctx, cancel := context.WithTimeout(ctx, load)
	defer cancel()
	var writes atomic.Int64
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			c, err := pgx.Connect(ctx, topo.DSN())
			if err != nil {
				return
			}
			defer c.Close(context.WithoutCancel(ctx))
			for lctx.Err() == nil {
				if _, err := c.Exec(lctx, "INSERT INTO w (pad) VALUES (repeat('x', 100))"); err == nil {
					writes.Add(1)
				}
			}
		})
	}
	primary, _ := topo.NodeDSN("node-1")
	pc, err := pgx.Connect(ctx, primary)
	if err != nil {
		return r, err
	}
	tick := time.NewTicker(100 * time.Millisecond)
	for lctx.Err() == nil {
		<-tick.C
		lags, err := topo.ReplicationLag(ctx)
		if err == nil {
			for _, l := range lags {
				r.ours = append(r.ours, l.Lag)
			}
		}
		rows, err := pc.Query(ctx, "SELECT coalesce(extract(epoch FROM replay_lag), 0) FROM pg_stat_replication")
		if err == nil {
			for rows.Next() {
				var s float64
				if rows.Scan(&s) == nil {
					r.server = append(r.server, time.Duration(s*float64(time.Second)))
				}
			}
			rows.Close()
		}
	}
	tick.Stop()
	pc.Close(ctx)
	wg.Wait()
	r.writes = float64(writes.Load()) / load.Seconds()

	killed := time.Now()
	if err := topo.KillNode(ctx, "node-1"); err != nil {
		return r, err
	}
	if err := topo.Failover(ctx, ""); err != nil {
		return r, err
	}
	r.promote = time.Since(killed)
	for {
		c, err := pgx.Connect(ctx, topo.DSN())
		if err == nil {
			_, err = c.Exec(ctx, "INSERT INTO w (pad) VALUES ('after')")
			c.Close(ctx)
		}
		if err == nil {
			break
		}
		if time.Since(killed) > time.Minute {
			return r, fmt.Errorf("no write taken a minute after the kill: %v", err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	r.failover = time.Since(killed)
	return r, nil
}
EOF
cat >"$WORK/prog/go.mod" <<EOF
module benchrepl

go 1.26

require github.com/dbharness/dbharness v0.0.0

replace github.com/dbharness/dbharness => $ROOT
EOF
cp "$ROOT/go.sum" "$WORK/prog/go.sum"
echo "building ..."
(cd "$WORK/prog" && GOFLAGS=-mod=mod GOPROXY=off go mod tidy >/dev/null 2>&1 && go build -o "$WORK/prog/bench" .) || {
	echo "build failed (the module cache needs the repository's dependencies: run go build ./... in $ROOT once)" >&2
	exit 1
}
echo "PostgreSQL primary with 2 replicas, $RUNS runs, ${LOAD_SECONDS}s of inserts from 4 sessions each, $(nproc) CPUs:"
"$WORK/prog/bench" "$RUNS" "${LOAD_SECONDS}s" "$WORK" &
BENCH_PID=$!
wait "$BENCH_PID"
BENCH_PID=""
echo "(lag: the engine's, from WAL positions every 100ms: how long before a replica's answer the primary first stood past what it replayed,"
echo " so it includes the time between the two reads; the server's: pg_stat_replication.replay_lag at the same moments, NULL read as 0)"
