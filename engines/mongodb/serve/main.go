// Command serve runs the server the mongodb engine starts, until it is interrupted, and
// prints its URI: for benchmarks whose peer tool (go-ycsb) must reach the same server as
// dbharness from another process. With -backend postgresql it also starts the PostgreSQL
// that FerretDB keeps its data in, and stops it on exit.
//
//	go run ./engines/mongodb/serve -backend sqlite -uri-file /tmp/uri
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/engines/mongodb"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "serve:", err)
		os.Exit(1)
	}
}

func run() error {
	backend := flag.String("backend", mongodb.BackendPostgreSQL, "FerretDB's backend: sqlite or postgresql")
	workdir := flag.String("workdir", os.TempDir(), "parent of the data folders")
	uriFile := flag.String("uri-file", "", "write the URI to this file once the server answers")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	inst, err := mongodb.Engine{}.Start(ctx, engines.Spec{Provider: engines.ProviderEmbedded, Flavor: mongodb.FlavorFerretDB,
		WorkDir: *workdir, Logger: log, Settings: map[string]string{mongodb.SettingBackend: *backend}})
	if inst != nil {
		defer func() {
			sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := inst.Stop(sctx); err != nil {
				fmt.Fprintln(os.Stderr, "serve: stop:", err)
			}
		}()
	}
	if err != nil {
		return err
	}
	fmt.Println(inst.DSN())
	if *uriFile != "" {
		if err := os.WriteFile(*uriFile, []byte(inst.DSN()+"\n"), 0o600); err != nil {
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
