// Command serve runs the Cassandra node (or ring) the cassandra engine starts, until it is
// interrupted, and prints its DSN: for benchmarks whose peer tool (go-ycsb) must reach the
// same node as dbharness from another process. -keyspaces creates keyspaces the peer tool
// expects to exist (go-ycsb creates its table, not its keyspace).
//
//	go run ./engines/cassandra/serve -nodes 1 -dsn-file /tmp/dsn -keyspaces goycsb
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/engines/cassandra"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "serve:", err)
		os.Exit(1)
	}
}

func run() error {
	nodes := flag.Int("nodes", 1, "nodes of the ring")
	workdir := flag.String("workdir", os.TempDir(), "parent of the nodes' folders")
	dsnFile := flag.String("dsn-file", "", "write the DSN to this file once the ring serves")
	keyspaces := flag.String("keyspaces", "", "comma-separated keyspaces to create (SimpleStrategy, one replica per node up to 3)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	spec := engines.Spec{Provider: engines.ProviderNative, WorkDir: *workdir, Logger: log}
	if *nodes > 1 {
		spec.Topology = cassandra.RingTopology(*nodes)
	}
	began := time.Now()
	inst, err := cassandra.StartInstance(ctx, spec)
	if inst != nil {
		defer func() {
			sctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			if err := inst.Stop(sctx); err != nil {
				fmt.Fprintln(os.Stderr, "serve: stop:", err)
			}
		}()
	}
	if err != nil {
		return err
	}
	log.Info("ring started", "nodes", *nodes, "took", time.Since(began).Round(time.Millisecond))
	for _, ks := range strings.Split(*keyspaces, ",") {
		if ks = strings.TrimSpace(ks); ks == "" {
			continue
		}
		stmt := fmt.Sprintf("CREATE KEYSPACE IF NOT EXISTS %s WITH replication = {'class': 'SimpleStrategy', 'replication_factor': %d}", ks, min(*nodes, 3))
		if err := (cassandra.Engine{}).RunStatement(ctx, inst, stmt); err != nil {
			return err
		}
	}
	fmt.Println(inst.DSN())
	if *dsnFile != "" {
		if err := os.WriteFile(*dsnFile, []byte(inst.DSN()+"\n"), 0o600); err != nil {
			return err
		}
	}
	select {
	case <-ctx.Done():
		return nil
	case <-inst.Done():
		return inst.Err()
	}
}
