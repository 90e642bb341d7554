// Package mysql starts MySQL-family servers for scenarios: MariaDB (flavor mariadb, the
// default) as native processes from the OS packages, standalone or a primary with GTID
// replicas; MySQL 8 and MariaDB as containers through the testcontainers-go modules where a
// Docker engine exists; or an external server named by a DSN. It also owns the DSN format
// (see ParseDSN) that the MySQL collector and workloads connect with.
package mysql

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/engines/provider/docker"
)

// Name is the engine's registry name.
const Name = "mysql"

// The flavors.
const (
	FlavorMariaDB = "mariadb"
	FlavorMySQL   = "mysql"
)

// The topology kinds and the role counted.
const (
	Standalone    = engines.Standalone
	Replicated    = "replicated"
	CountReplicas = "replicas"
	// OptionReplication is the Topology option that says how replicas acknowledge:
	// "async" (the default) or "semi-sync" (the primary waits for one replica to have
	// received each transaction before the commit returns).
	OptionReplication = "replication"
	SemiSync          = "semi-sync"
)

func init() { engines.Register(Engine{}) }

// Engine starts MySQL-family servers.
type Engine struct{}

var (
	_ engines.Engine          = Engine{}
	_ engines.StatementRunner = Engine{}
)

// Name returns "mysql".
func (Engine) Name() string { return Name }

// Describe gives the words scenarios use for MySQL and MariaDB and their topologies.
func (Engine) Describe() engines.Description {
	return engines.Description{
		Display: "MySQL",
		Flavors: []engines.Flavor{
			{Name: FlavorMariaDB, Display: "MariaDB"},
			{Name: FlavorMySQL, Display: "MySQL"},
		},
		Topologies: []engines.TopologyForm{
			{Phrase: `primary with (\d+) semi-synchronous replicas?`,
				Example: "primary with 2 semi-synchronous replicas",
				Help: "Starts a primary and GTID replicas (read-only) with semi-synchronous replication: a commit returns once a replica has the transaction, " +
					"so a failover to the most advanced replica loses no acknowledged write. The step ends when every replica has caught up.",
				Build: func(a []string) (engines.Topology, error) { return replicatedTopology(a[0], SemiSync) }},
			{Phrase: `primary with (\d+) replicas?`,
				Example: "primary with 2 replicas",
				Help:    "Starts a primary and asynchronous GTID replicas (read-only), with no automatic failover; the step ends when every replica has caught up.",
				Build:   func(a []string) (engines.Topology, error) { return replicatedTopology(a[0], "async") }},
		},
		Nouns: []string{"replication group"},
		FailoverHelp: "MySQL/MariaDB: promotes the most advanced reachable replica once it has applied what it received (a planned failover first makes " +
			"the old primary read-only and waits for the replica to catch up): STOP SLAVE, RESET SLAVE ALL, read_only off, and every other node replicates from it.",
		ExporterPort: 9104, // mysqld_exporter
		Requires: []engines.Requirement{
			{Debian: "mariadb-server", Why: "the MariaDB server (mariadbd, mariadb-install-db): flavor mariadb natively"},
			{Debian: "mariadb-client", Why: "the mariadb command-line client, for the benchmark scripts"},
			{Debian: "sysbench", Why: "sysbench, the peer tool of the OLTP benchmarks"},
			{Debian: "prometheus-mysqld-exporter", Why: "mysqld_exporter, the peer of the collector benchmark"},
		},
	}
}

func replicatedTopology(n, replication string) (engines.Topology, error) {
	r, _ := strconv.Atoi(n)
	if r < 1 || r > 8 {
		return engines.Topology{}, fmt.Errorf("a primary with replicas needs 1 to 8 replicas, not %s", n)
	}
	return engines.Topology{Kind: Replicated, Counts: map[string]int{CountReplicas: r},
		Options: map[string]string{OptionReplication: replication}}, nil
}

// Check says whether provider p can start a MySQL-family server here. Natively that is
// MariaDB; flavor mysql natively is refused at Start with the reason.
func (Engine) Check(ctx context.Context, p engines.Provider) error {
	return engines.CheckProvider(p, "MySQL", map[engines.Provider]func() error{
		engines.ProviderNative: func() error { _, err := findBinaries(); return err },
		engines.ProviderDocker: func() error { return docker.Check(ctx) },
	})
}

// Start starts the server or topology the spec names with its provider (auto resolves
// first). The Instance it returns is a Topology. On error it may return a half-started
// instance, which the caller must Stop.
func (e Engine) Start(ctx context.Context, spec engines.Spec) (engines.Instance, error) {
	if spec.DSN != "" && (spec.Provider == "" || spec.Provider == engines.ProviderAuto) {
		spec.Provider = engines.ProviderExternal
	}
	flavor, err := flavorOf(spec)
	if err != nil {
		return nil, err
	}
	spec.Flavor = flavor
	p, err := engines.Resolve(ctx, e, spec.Provider)
	if err != nil {
		return nil, err
	}
	if p == engines.ProviderExternal {
		return instanceOrNil(startExternal(ctx, spec))
	}
	pl, err := newPlan(spec)
	if err != nil {
		return nil, err
	}
	switch p {
	case engines.ProviderNative:
		return instanceOrNil(startNative(ctx, pl))
	case engines.ProviderDocker:
		return instanceOrNil(startDocker(ctx, pl))
	}
	return nil, fmt.Errorf("mysql: provider %s is not supported: use native, docker or external", p)
}

// flavorOf is the spec's flavor, or the one its version names: MariaDB numbers its
// releases 10 and up, MySQL 5, 8 and 9, so "a MySQL 8 database" is flavor mysql.
func flavorOf(spec engines.Spec) (string, error) {
	switch f := strings.ToLower(strings.TrimSpace(spec.Flavor)); f {
	case FlavorMariaDB, FlavorMySQL:
		return f, nil
	case "":
	default:
		return "", fmt.Errorf("mysql: unknown flavor %q: use mariadb or mysql", spec.Flavor)
	}
	major, _ := strconv.Atoi(strings.SplitN(spec.Version, ".", 2)[0])
	if major > 0 && major < 10 {
		return FlavorMySQL, nil
	}
	return FlavorMariaDB, nil
}

// instanceOrNil keeps a nil *instance from becoming a non-nil Instance interface.
func instanceOrNil(in *instance, err error) (engines.Instance, error) {
	if in == nil {
		return nil, err
	}
	return in, err
}

// errNoNativeMySQL is what flavor mysql says natively: it wraps engines.ErrUnavailable,
// so a scenario skips with the reason.
var errNoNativeMySQL = fmt.Errorf("mysql: flavor mysql (MySQL 8) has no native server here: Debian ships MariaDB only and no package registry serves a MySQL 8 server; it runs with provider docker (the mysql:%s image) or external (DBHARNESS_MYSQL_DSN): %w", DefaultMySQLImage, engines.ErrUnavailable)

func logger(spec engines.Spec) *slog.Logger {
	if spec.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return spec.Logger.With("engine", Name)
}
