package mongodb

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"

	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/engines/postgres"
	"github.com/dbharness/dbharness/engines/provider/native"
)

// Note: ferretdb.New writes a package variable of FerretDB's (its version's Package), so
// two instances created at once race; scenarios run in parallel, so creation is serialized.
var newFerretDB sync.Mutex

// embedded is FerretDB running in this process, behind the wire recorder, with its
// PostgreSQL when the backend is postgresql.
type embedded struct {
	meta engines.Info
	dsn  string
	dir  string
	pg   engines.Instance // nil on SQLite
	rec  *Recorder

	cancel  context.CancelFunc
	ran     chan struct{} // closed when FerretDB's Run returned
	done    chan struct{} // closed when stopped or exited
	logPath string

	mu       sync.Mutex
	stopping bool
	exitErr  error
	closed   bool
	stopOnce sync.Once
	stopErr  error
}

var (
	_ engines.Instance = (*embedded)(nil)
	_ engines.Killer   = (*embedded)(nil)
)

// startEmbedded starts FerretDB in this process on a loopback port, its data in SQLite files
// under a private folder or in a PostgreSQL the postgres engine starts, and its log (errors
// only: it logs every error reply as a warning) in that folder.
func startEmbedded(ctx context.Context, pl *plan) (*embedded, error) {
	slowms, err := pl.ferretdbSettings()
	if err != nil {
		return nil, err
	}
	// Note: a private folder carries its owner, so a run killed outright has it swept by the
	// next one.
	dir, err := native.PrivateDir(pl.spec.WorkDir, "dbharness-ferretdb-", nil)
	if err != nil {
		return nil, fmt.Errorf("ferretdb: data folder: %w", err)
	}
	in := &embedded{dir: dir, done: make(chan struct{}), ran: make(chan struct{}), logPath: filepath.Join(dir, "ferretdb.log")}
	backend, err := in.startBackend(ctx, pl)
	if err != nil {
		return in, err
	}
	logFile, err := os.OpenFile(in.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return in, fmt.Errorf("ferretdb: log file: %w", err)
	}
	cfg := ferretdb.Config{
		Logger:  slog.New(slog.NewTextHandler(logFile, &slog.HandlerOptions{Level: slog.LevelError})),
		Handler: backend,
	}
	if backend == BackendSQLite {
		data := filepath.Join(dir, "data")
		if err := os.Mkdir(data, 0o755); err != nil {
			logFile.Close()
			return in, fmt.Errorf("ferretdb: data folder: %w", err)
		}
		cfg.SQLiteURL = "file:" + data + "/"
	} else {
		cfg.PostgreSQLURL = in.pg.DSN()
	}
	fdb, err := listen(pl, &cfg)
	if err != nil {
		logFile.Close()
		return in, err
	}
	runCtx, cancel := context.WithCancel(context.Background())
	in.cancel = cancel
	go func() {
		defer close(in.ran)
		defer logFile.Close()
		_ = fdb.Run(runCtx)
	}()
	upstream := strings.TrimPrefix(strings.TrimSuffix(fdb.MongoDBURI(), "/"), "mongodb://")
	in.rec, err = newRecorder(upstream, slowms, pl.log)
	if err != nil {
		return in, fmt.Errorf("ferretdb: wire recorder: %w", err)
	}
	addr := in.rec.Addr()
	in.dsn = URI([]string{addr}, pl.uriOptions)
	in.meta = engines.Info{Engine: Name, Flavor: FlavorFerretDB, Provider: engines.ProviderEmbedded,
		Topology: Standalone, Address: addr, Version: FerretDBModuleVersion(),
		Settings: map[string]string{SettingBackend: backend, "ferretdb_address": upstream, "slowms": strconv.Itoa(slowms)}}
	go in.watch()
	if err := in.ready(ctx, pl); err != nil {
		return in, err
	}
	if len(pl.spec.Seed) > 0 {
		c, err := Connect(ctx, in.dsn)
		if err != nil {
			return in, err
		}
		defer c.Disconnect(context.WithoutCancel(ctx))
		if err := runSeeds(ctx, c, pl.spec.Seed); err != nil {
			return in, fmt.Errorf("ferretdb at %s: %w", addr, err)
		}
	}
	pl.log.Info("ferretdb ready", "address", addr, "backend", backend, "version", in.meta.Version, "data", dir)
	return in, nil
}

// startBackend starts FerretDB's PostgreSQL when the backend is (or defaults to) postgresql
// and says which backend runs.
func (in *embedded) startBackend(ctx context.Context, pl *plan) (string, error) {
	backend := pl.backend
	if backend == "" {
		backend = BackendPostgreSQL
		if _, err := engines.Resolve(ctx, postgres.Engine{}, engines.ProviderAuto); err != nil {
			pl.log.Info("ferretdb on SQLite: no PostgreSQL can start here for its postgresql backend", "why", err)
			backend = BackendSQLite
		}
	}
	if backend == BackendSQLite {
		return backend, nil
	}
	pg, err := postgres.Engine{}.Start(ctx, engines.Spec{Provider: engines.ProviderAuto, WorkDir: pl.spec.WorkDir,
		Logger: pl.spec.Logger, StartTimeout: pl.spec.StartTimeout})
	in.pg = pg
	if err != nil {
		return backend, fmt.Errorf("ferretdb: its postgresql backend: %w", err)
	}
	return backend, nil
}

// listen creates FerretDB on a free loopback port, trying another when the port is taken
// between our look and FerretDB's bind.
func listen(pl *plan, cfg *ferretdb.Config) (*ferretdb.FerretDB, error) {
	var last error
	for attempt := range 3 {
		want := pl.spec.Port
		if attempt > 0 {
			want = 0
		}
		port, err := native.FreePort(want, 0)
		if err != nil {
			return nil, fmt.Errorf("ferretdb: %w", err)
		}
		cfg.Listener = ferretdb.ListenerConfig{TCP: net.JoinHostPort("127.0.0.1", strconv.Itoa(port))}
		newFerretDB.Lock()
		fdb, err := ferretdb.New(cfg)
		newFerretDB.Unlock()
		if err == nil {
			return fdb, nil
		}
		last = err
		if !strings.Contains(err.Error(), "address already in use") {
			break
		}
	}
	return nil, fmt.Errorf("ferretdb: start (%s backend): %s", cfg.Handler, engines.RedactDSN(last.Error()))
}

// ready waits until FerretDB answers a ping through the recorder.
func (in *embedded) ready(ctx context.Context, pl *plan) error {
	ctx, cancel := context.WithTimeout(ctx, pl.timeout)
	defer cancel()
	for {
		c, err := Connect(ctx, in.dsn, Quick)
		if err == nil {
			_ = c.Disconnect(context.WithoutCancel(ctx))
			return nil
		}
		select {
		case <-in.done:
			return fmt.Errorf("ferretdb at %s exited while starting: %v", in.meta.Address, in.Err())
		case <-ctx.Done():
			return fmt.Errorf("ferretdb at %s does not answer: %v\n--- last lines of its log ---\n%s", in.meta.Address, err, native.LogTail(in.logPath, 10))
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// watch ends the instance when FerretDB stops serving or its PostgreSQL dies, unasked.
func (in *embedded) watch() {
	var pgDone <-chan struct{}
	if in.pg != nil {
		pgDone = in.pg.Done()
	}
	var why error
	select {
	case <-in.ran:
		why = fmt.Errorf("ferretdb at %s stopped serving\n--- last lines of its log ---\n%s", in.meta.Address, native.LogTail(in.logPath, 10))
	case <-pgDone:
		why = fmt.Errorf("ferretdb at %s lost its postgresql backend: %v", in.meta.Address, in.pg.Err())
	case <-in.done:
		return
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	if !in.stopping && in.exitErr == nil {
		in.exitErr = why
	}
	in.closeDone()
}

func (in *embedded) closeDone() {
	if !in.closed {
		in.closed = true
		close(in.done)
	}
}

// Info describes what runs.
func (in *embedded) Info() engines.Info { return in.meta }

// DSN is the URI clients use: the wire recorder's address.
func (in *embedded) DSN() string { return in.dsn }

// Done is closed when the instance stopped or FerretDB (or its PostgreSQL) ended unasked.
func (in *embedded) Done() <-chan struct{} { return in.done }

// Err says why FerretDB ended unasked.
func (in *embedded) Err() error {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.exitErr
}

// Recorder is the wire recorder in front of FerretDB.
func (in *embedded) Recorder() *Recorder { return in.rec }

// Kill ends FerretDB at once, as a crash would: every connection drops and the instance
// ends with an error.
func (in *embedded) Kill() error {
	in.mu.Lock()
	if in.exitErr == nil && !in.stopping {
		in.exitErr = fmt.Errorf("ferretdb at %s was killed (it exited unexpectedly; last lines of its log:\n%s)", in.meta.Address, native.LogTail(in.logPath, 5))
	}
	in.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return in.halt(ctx)
}

// halt stops serving: the recorder's connections, then FerretDB itself, waiting for it
// until ctx ends.
func (in *embedded) halt(ctx context.Context) error {
	if in.rec != nil {
		in.rec.Close()
	}
	if in.cancel == nil {
		return nil
	}
	in.cancel()
	select {
	case <-in.ran:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("ferretdb at %s did not stop: %w (a request still running in its backend?)\n--- last lines of its log ---\n%s",
			in.meta.Address, ctx.Err(), native.LogTail(in.logPath, 10))
	}
}

// Stop stops FerretDB, its PostgreSQL, and removes the data folder. It is safe to call more
// than once.
func (in *embedded) Stop(ctx context.Context) error {
	in.stopOnce.Do(func() {
		in.mu.Lock()
		in.stopping = true
		in.mu.Unlock()
		var errs []error
		if err := in.halt(ctx); err != nil {
			errs = append(errs, err)
		}
		if in.pg != nil {
			if err := in.pg.Stop(ctx); err != nil {
				errs = append(errs, fmt.Errorf("ferretdb: stop its postgresql: %w", err))
			}
		}
		if err := os.RemoveAll(in.dir); err != nil {
			errs = append(errs, fmt.Errorf("ferretdb: remove %s: %w", in.dir, err))
		}
		in.stopErr = errors.Join(errs...)
		in.mu.Lock()
		in.closeDone()
		in.mu.Unlock()
	})
	return in.stopErr
}

var _ engines.ServerProcesses = (*embedded)(nil)

// ServerPIDs are the processes of the PostgreSQL FerretDB keeps its data in (none on
// SQLite). FerretDB itself runs in this process: its CPU counts as the harness's.
func (in *embedded) ServerPIDs() []int {
	if sp, ok := in.pg.(engines.ServerProcesses); ok {
		return sp.ServerPIDs()
	}
	return nil
}
