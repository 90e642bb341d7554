// Package engines is the seam between scenarios and the databases they run against.
//
// An Engine starts one kind of database (PostgreSQL, Redis, ...) through one of several
// providers (a Docker container, a local process, an embedded server, an external DSN) and
// hands back an Instance: where to connect, what is running, and how to stop it. Each
// database lives in its own package under engines/ and registers itself in init(), the way
// database/sql drivers do, so adding a database touches no central switch.
package engines

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"
)

// Provider names how an engine gets a running database.
type Provider string

// The providers. Auto picks Docker when a Docker engine answers, else a native process, else
// an embedded server.
const (
	ProviderAuto     Provider = "auto"
	ProviderDocker   Provider = "docker"
	ProviderNative   Provider = "native"
	ProviderEmbedded Provider = "embedded"
	ProviderExternal Provider = "external"
)

// Providers lists every provider in the order auto tries them (external is never auto-picked).
var Providers = []Provider{ProviderDocker, ProviderNative, ProviderEmbedded, ProviderExternal}

// ParseProvider turns a flag or feature word into a Provider.
func ParseProvider(s string) (Provider, error) {
	p := Provider(strings.ToLower(strings.TrimSpace(s)))
	if p == "" {
		return ProviderAuto, nil
	}
	if p == ProviderAuto {
		return p, nil
	}
	for _, known := range Providers {
		if p == known {
			return p, nil
		}
	}
	return "", fmt.Errorf("unknown provider %q: choose one of auto, docker, native, embedded, external", s)
}

// Spec describes the database a scenario wants.
type Spec struct {
	Flavor   string            // e.g. "mariadb"; empty means the engine's default flavor
	Version  string            // major version wanted, e.g. "15"; empty means whatever is installed
	Topology Topology          // the shape; the zero value is a standalone server
	Provider Provider          // auto, docker, native, embedded, external
	Settings map[string]string // server settings (postgresql.conf parameters, ...)
	Seed     []string          // seed scripts (SQL statements or commands) run once after start
	DSN      string            // for the external provider
	Port     int               // preferred port for native servers; another is chosen if taken
	WorkDir  string            // parent of the private data directory; empty means os.TempDir()
	Logger   *slog.Logger      // nil means discard
	// StartTimeout bounds how long start-up may take; zero means the engine's default.
	StartTimeout time.Duration
}

// Info is what the result records about a running instance.
type Info struct {
	Engine   string            `json:"engine"`
	Flavor   string            `json:"flavor"`
	Version  string            `json:"version"`
	Provider Provider          `json:"provider"`
	Topology string            `json:"topology"`
	Address  string            `json:"address"`
	Settings map[string]string `json:"settings,omitempty"`
}

// Instance is a started database.
type Instance interface {
	// Info describes what runs: engine, flavor, server version, provider, settings.
	Info() Info
	// DSN is the connection string for clients, with credentials. Never log it: use
	// Info().Address or RedactDSN.
	DSN() string
	// Done is closed when the database stops, whether by Stop or because it died.
	Done() <-chan struct{}
	// Err says why the database stopped when it was not asked to (with its last log lines),
	// or nil while it runs or after a requested Stop.
	Err() error
	// Stop stops every process or container of the instance. It is safe to call more than once.
	Stop(ctx context.Context) error
}

// ServerProcesses is an optional Instance capability of servers the harness runs as local
// processes: the pid of each server's main process. Its descendants count with it (a
// PostgreSQL backend makes itself a group leader of its own, but stays the postmaster's
// child), so the servers' CPU can be measured apart from the harness's and the machine's
// other work.
type ServerProcesses interface {
	ServerPIDs() []int
}

// Killer is an optional Instance capability: kill the server abruptly (SIGKILL), for fault
// scenarios and for tests of what happens when the database dies mid-run.
type Killer interface {
	Kill() error
}

// Engine starts one kind of database.
type Engine interface {
	// Name is the registry key, e.g. "postgresql".
	Name() string
	// Describe says how scenarios name the engine, its flavors and topologies, and what
	// it needs installed; see Description.
	Describe() Description
	// Check says whether a provider can be used on this machine; the error says why not and
	// what to install.
	Check(ctx context.Context, p Provider) error
	// Start starts the database. On error it may still return a half-started Instance, which
	// the caller must Stop.
	Start(ctx context.Context, spec Spec) (Instance, error)
}

var (
	mu       sync.RWMutex
	registry = map[string]Engine{}
)

// Register makes an engine available by name. It panics on a nil engine, an empty name or a
// duplicate, as database/sql.Register does: those are programming errors found at init.
func Register(e Engine) {
	if e == nil {
		panic("engines: Register of a nil engine")
	}
	name := e.Name()
	if name == "" {
		panic("engines: Register of an engine with an empty name")
	}
	if err := e.Describe().validate(name); err != nil {
		panic("engines: Register: " + err.Error())
	}
	mu.Lock()
	defer mu.Unlock()
	if _, dup := registry[name]; dup {
		panic("engines: Register called twice for engine " + name)
	}
	registry[name] = e
}

// Names lists the registered engines, sorted.
func Names() []string {
	mu.RLock()
	defer mu.RUnlock()
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Lookup finds an engine by name; the error lists the registered ones.
func Lookup(name string) (Engine, error) {
	mu.RLock()
	e, ok := registry[strings.ToLower(name)]
	mu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("unknown engine %q: registered engines are %s", name, strings.Join(Names(), ", "))
	}
	return e, nil
}

// Resolve turns ProviderAuto into a concrete provider by asking the engine which providers it
// can use here, in the order docker, native, embedded. Any other provider is checked as is.
func Resolve(ctx context.Context, e Engine, p Provider) (Provider, error) {
	if p == "" {
		p = ProviderAuto
	}
	if p != ProviderAuto {
		if err := e.Check(ctx, p); err != nil {
			return "", fmt.Errorf("%s: provider %s is not usable: %w", e.Name(), p, err)
		}
		return p, nil
	}
	var reasons []string
	for _, cand := range []Provider{ProviderDocker, ProviderNative, ProviderEmbedded} {
		err := e.Check(ctx, cand)
		if err == nil {
			return cand, nil
		}
		reasons = append(reasons, fmt.Sprintf("%s: %v", cand, err))
	}
	return "", fmt.Errorf("%s: no provider is usable on this machine:\n  %s", e.Name(), strings.Join(reasons, "\n  "))
}

// ErrUnsupported is returned by an optional capability the instance's provider lacks.
var ErrUnsupported = errors.New("not supported by this engine or provider")

// ErrUnavailable is wrapped by an engine's Start (or a workload's Prepare) when what the
// scenario asks for cannot run here at all: a topology that needs a Docker engine where none
// answers, an operation the flavor this machine runs lacks. The scenario is then skipped
// with the error's reason instead of failed; an engine wraps it only where no install step
// would help, so a missing package still fails.
var ErrUnavailable = errors.New("not available here")

// A StatementRunner is an optional Engine capability: run one statement (SQL, or the
// database's command language) against an instance, for scenarios that change the database
// on purpose (drop an index, change a setting) between two measurements.
type StatementRunner interface {
	RunStatement(ctx context.Context, inst Instance, statement string) error
}

// A ScriptRunner is an optional Engine capability: run a script of several statements in
// order, for the schema and seed sentences. The error names the statement that failed, its
// number and its line in the script.
type ScriptRunner interface {
	RunScript(ctx context.Context, inst Instance, script string) error
}

// A ScriptError says which statement of a script failed.
type ScriptError struct {
	Statement int    // 1-based
	Line      int    // line of the script the statement starts on
	Text      string // the statement, secrets masked and cut to one line
	Err       error
}

func (e *ScriptError) Error() string {
	return fmt.Sprintf("statement %d (line %d of the script: %s): %v", e.Statement, e.Line, e.Text, e.Err)
}

func (e *ScriptError) Unwrap() error { return e.Err }
