// Package postgres starts PostgreSQL for dbharness: a local server process from the OS
// packages (native), a container through testcontainers-go (docker), or an existing server
// (external). Every instance has pg_stat_statements loaded and track_io_timing on, because
// the collectors read them.
package postgres

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/engines/provider/docker"
)

// Name is the engine's registry name.
const Name = "postgresql"

func init() { engines.Register(Engine{}) }

// Engine starts PostgreSQL.
type Engine struct{}

var _ engines.Engine = Engine{}

// Name returns "postgresql".
func (Engine) Name() string { return Name }

// Describe gives the words scenarios use for PostgreSQL.
func (Engine) Describe() engines.Description {
	return engines.Description{
		Display: "PostgreSQL",
		Aliases: []string{"Postgres", "PG"},
		Flavors: []engines.Flavor{{Name: "postgresql", Display: "PostgreSQL"}},
		Topologies: []engines.TopologyForm{
			{Phrase: `primary with (\d+) replicas?(?: and synchronous_commit (off|local|remote_write|on|remote_apply))?`,
				Example: "primary with 2 replicas",
				Help: "Starts a PostgreSQL primary and hot-standby replicas of it (pg_basebackup, streaming replication), natively. " +
					"With `and synchronous_commit remote_apply` (or on, remote_write) a commit waits for one replica (synchronous_standby_names = 'ANY 1 (*)'); off and local keep the replicas asynchronous. " +
					"The step ends when every replica streams from the primary.",
				Build: func(a []string) (engines.Topology, error) {
					n, _ := strconv.Atoi(a[0])
					if n < 1 || n > maxReplicas {
						return engines.Topology{}, fmt.Errorf("a primary with replicas needs 1 to %d replicas, not %s", maxReplicas, a[0])
					}
					return ReplicatedTopology(n, a[1]), nil
				}},
		},
		FailoverHelp: "PostgreSQL: pg_promote() on the replica that received the most WAL (the primary, if it runs, is stopped cleanly first and rejoins as a replica), the other replicas repointed to it; a replica that was a primary is rewound with pg_rewind when it is restarted.",
		ExporterPort: 9187, // postgres_exporter
		Requires: []engines.Requirement{
			{Debian: "postgresql-15", Why: "the PostgreSQL 15 server"},
			{Debian: "postgresql-contrib", Why: "pg_stat_statements and pgbench, the peer tool of the benchmarks"},
			{Debian: "postgresql-client", Why: "psql, for the benchmark scripts"},
			{Debian: "prometheus-postgres-exporter", Why: "postgres_exporter, the peer of the collector benchmark"},
		},
	}
}

// Check says whether provider p can start PostgreSQL here.
func (Engine) Check(ctx context.Context, p engines.Provider) error {
	return engines.CheckProvider(p, "PostgreSQL", map[engines.Provider]func() error{
		engines.ProviderNative: func() error { _, err := findNative(""); return err },
		engines.ProviderDocker: func() error { return docker.Check(ctx) },
	})
}

// Start starts PostgreSQL with the provider the spec names (auto resolves first).
func (e Engine) Start(ctx context.Context, spec engines.Spec) (engines.Instance, error) {
	switch k := spec.Topology.KindOr(); k {
	case engines.Standalone, Replicated:
	default:
		return nil, fmt.Errorf("postgresql: unknown topology %q: use standalone or %s", k, Replicated)
	}
	if spec.DSN != "" && (spec.Provider == "" || spec.Provider == engines.ProviderAuto) {
		spec.Provider = engines.ProviderExternal
	}
	if spec.Topology.KindOr() == Replicated {
		// Note: replicas are native children only (engines/nodes); auto means native here.
		if spec.Provider != "" && spec.Provider != engines.ProviderAuto && spec.Provider != engines.ProviderNative {
			return nil, fmt.Errorf("postgresql: a primary with replicas runs with the native provider only, not %s: use --provider native or auto", spec.Provider)
		}
		if _, err := engines.Resolve(ctx, e, engines.ProviderNative); err != nil {
			return nil, err
		}
		return clusterOrNil(startReplicated(ctx, spec))
	}
	p, err := engines.Resolve(ctx, e, spec.Provider)
	if err != nil {
		return nil, err
	}
	switch p {
	case engines.ProviderNative:
		return startNative(ctx, spec)
	case engines.ProviderDocker:
		return startDocker(ctx, spec)
	case engines.ProviderExternal:
		return startExternal(ctx, spec)
	}
	return nil, fmt.Errorf("postgresql: provider %s is not supported", p)
}

// SettingServerLog is a setting of our own every native server carries: the file its log
// goes to, so the collector's analysis can read the log through the server
// (pg_read_file) and find deadlocks in it. Docker and external servers lack it.
const SettingServerLog = "dbharness.server_log"

// serverSettings are the settings every instance starts with; the spec's settings override.
func serverSettings(spec engines.Spec) map[string]string {
	s := map[string]string{
		"shared_preload_libraries": "pg_stat_statements",
		"pg_stat_statements.track": "all",
		"track_io_timing":          "on",
	}
	maps.Copy(s, spec.Settings)
	return s
}

// reportedSettings are read back from the server into the result's environment, because
// they change what a benchmark measures.
var reportedSettings = []string{
	"shared_buffers", "work_mem", "max_connections", "fsync", "synchronous_commit",
	"wal_level", "checkpoint_timeout", "max_wal_size", "effective_cache_size", "jit",
}

// prepare runs what every fresh instance needs after it accepts connections: the
// pg_stat_statements extension, the seed scripts, and the facts the result records.
func prepare(ctx context.Context, dsn string, spec engines.Spec, info *engines.Info) error {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return fmt.Errorf("postgresql at %s: connect: %s", info.Address, engines.RedactDSN(err.Error()))
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements"); err != nil {
		return fmt.Errorf("postgresql at %s: create extension pg_stat_statements: %w (is pg_stat_statements in shared_preload_libraries, and postgresql-contrib installed?)", info.Address, err)
	}
	for i, script := range spec.Seed {
		if _, err := conn.Exec(ctx, script); err != nil {
			return fmt.Errorf("postgresql at %s: seed script %d: %w", info.Address, i+1, err)
		}
	}
	if err := conn.QueryRow(ctx, "SHOW server_version").Scan(&info.Version); err != nil {
		return fmt.Errorf("postgresql at %s: read server_version: %w", info.Address, err)
	}
	names := append(slices.Clone(reportedSettings), slices.Sorted(maps.Keys(spec.Settings))...)
	rows, err := conn.Query(ctx, "SELECT name, setting || COALESCE(unit, '') FROM pg_settings WHERE name = ANY($1)", names)
	if err != nil {
		return fmt.Errorf("postgresql at %s: read settings: %w", info.Address, err)
	}
	defer rows.Close()
	info.Settings = map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return fmt.Errorf("postgresql at %s: read settings: %w", info.Address, err)
		}
		info.Settings[k] = v
	}
	err = rows.Err()
	return err
}

func ping(dsn string) func(context.Context) error {
	return func(ctx context.Context) error {
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			return err
		}
		defer conn.Close(context.WithoutCancel(ctx))
		return conn.Ping(ctx)
	}
}

// settingArgs turns settings into postgres "-c name=value" arguments, sorted for stable logs.
func settingArgs(settings map[string]string) []string {
	var args []string
	for _, k := range slices.Sorted(maps.Keys(settings)) {
		args = append(args, "-c", k+"="+settings[k])
	}
	return args
}
