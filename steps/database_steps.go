package steps

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/cucumber/godog"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/engines"
)

// Note: people write "Postgres" and "PostgreSQL"; the registry knows one name.
var engineAliases = map[string]string{"postgres": "postgresql", "pg": "postgresql"}

func databaseSentences(w *World) []Sentence {
	return []Sentence{
		{Area: "database", Keyword: "Given",
			Pattern: `^an? ([A-Za-z]+)(?: (\d+(?:\.\d+)?))? database$`,
			Example: "a PostgreSQL 15 database",
			Help:    "Starts a private database of that engine and version (provider from --provider: a local process here, a container where Docker runs) and starts its collectors. The version is optional.",
			fn:      w.startDatabase},
		{Area: "database", Keyword: "Given",
			Pattern: `^an? ([A-Za-z]+) database with these settings:$`,
			Example: "a Redis database with these settings:",
			Table:   "| maxmemory        | 64mb        |\n| maxmemory-policy | allkeys-lfu |",
			Help:    "Starts the database with server settings (postgresql.conf parameters, redis.conf directives), one per row: name, value.",
			fn:      w.startWithSettings},
		{Area: "database", Keyword: "Given",
			Pattern: `^an? ([A-Za-z]+) cluster with (\d+) primar(?:y|ies) and (\d+) replicas? each$`,
			Example: "a Redis cluster with 3 primaries and 1 replica each",
			Help:    "Starts a sharded cluster: that many primaries, each with that many replicas, every slot assigned; the step ends when the cluster reports it is healthy.",
			fn:      w.startCluster},
		{Area: "database", Keyword: "Given",
			Pattern: `^an? ([A-Za-z]+) sentinel group with (\d+) replicas? and (\d+) sentinels?$`,
			Example: "a Redis sentinel group with 2 replicas and 3 sentinels",
			Help:    "Starts a primary with replicas, watched by sentinels that elect a new primary when it fails (quorum: a majority of the sentinels).",
			fn:      w.startSentinel},
		{Area: "database", Keyword: "Given",
			Pattern: `^an? ([A-Za-z]+) primary with (\d+) replicas?$`,
			Example: "a Redis primary with 2 replicas",
			Help:    "Starts a primary and asynchronous replicas of it, with no automatic failover.",
			fn:      w.startReplicated},
		{Area: "database", Keyword: "When",
			Pattern: `^the statement "((?:[^"\\]|\\.)*)" runs$`,
			Example: `the statement "DROP INDEX pgbench_accounts_pkey" runs`,
			Help:    `Runs one statement (SQL, or the database's command language) against the database, to change it on purpose between measurements; write \" for a quote inside it. Runs that come after it are never compared with runs from before.`,
			fn:      w.runStatement},
		{Area: "database", Keyword: "Given",
			Pattern: `^the collectors scrape every (\S+)$`,
			Example: "the collectors scrape every 500ms",
			Help:    "Sets how often the database's metrics are sampled (default 1s).",
			fn:      w.setScrapeInterval},
	}
}

func (w *World) startDatabase(ctx context.Context, name, version string) error {
	return w.start(ctx, name, engines.Spec{Version: version})
}

func (w *World) startWithSettings(ctx context.Context, name string, table *godog.Table) error {
	settings := map[string]string{}
	for i, row := range table.Rows {
		if len(row.Cells) != 2 || strings.TrimSpace(row.Cells[0].Value) == "" {
			return fmt.Errorf("settings table row %d: want two cells, | name | value |", i+1)
		}
		settings[strings.TrimSpace(row.Cells[0].Value)] = strings.TrimSpace(row.Cells[1].Value)
	}
	return w.start(ctx, name, engines.Spec{Settings: settings})
}

func (w *World) startCluster(ctx context.Context, name string, primaries, replicas int) error {
	if primaries < 1 {
		return fmt.Errorf("a cluster needs at least 1 primary, not %d", primaries)
	}
	return w.start(ctx, name, engines.Spec{Topology: "cluster", Nodes: primaries, Replicas: noneAsMinusOne(replicas)})
}

func (w *World) startSentinel(ctx context.Context, name string, replicas, sentinels int) error {
	if sentinels < 1 {
		return fmt.Errorf("a sentinel group needs at least 1 sentinel, not %d", sentinels)
	}
	return w.start(ctx, name, engines.Spec{Topology: "sentinel", Replicas: noneAsMinusOne(replicas), Sentinels: sentinels})
}

func (w *World) startReplicated(ctx context.Context, name string, replicas int) error {
	return w.start(ctx, name, engines.Spec{Topology: "replicated", Replicas: noneAsMinusOne(replicas)})
}

// noneAsMinusOne: in engines.Spec zero replicas means the engine's default, -1 means none.
func noneAsMinusOne(n int) int {
	if n == 0 {
		return -1
	}
	return n
}

// start starts the named engine with spec (provider, work folder and logger from the run's
// options) and opens its collectors.
func (w *World) start(ctx context.Context, name string, spec engines.Spec) error {
	if w.db != nil {
		return fmt.Errorf("this scenario already has a %s database: one database per scenario for now", w.db.engine)
	}
	key := strings.ToLower(name)
	if alias, ok := engineAliases[key]; ok {
		key = alias
	}
	eng, err := engines.Lookup(key)
	if err != nil {
		return err
	}
	spec.Provider, spec.WorkDir, spec.Logger = w.opts.Provider, w.opts.WorkDir, w.opts.Logger
	if w.opts.DSN != nil {
		spec.DSN = w.opts.DSN(eng.Name())
	}
	started := time.Now()
	inst, err := eng.Start(ctx, spec)
	if inst != nil {
		w.db = &database{engine: eng.Name(), inst: inst, registry: prometheus.NewRegistry()}
		info := inst.Info()
		w.rec.Engine = &info
	}
	if err != nil {
		return fmt.Errorf("start %s: %s", eng.Name(), engines.RedactDSN(err.Error()))
	}
	w.opts.Logger.Info("database started", "engine", eng.Name(), "address", inst.Info().Address, "took", time.Since(started).Round(time.Millisecond))
	coll, err := collectors.Open(ctx, eng.Name(), inst.DSN(), collectors.WithLogger(w.opts.Logger))
	if err != nil {
		return fmt.Errorf("open %s collectors at %s: %s", eng.Name(), inst.Info().Address, engines.RedactDSN(err.Error()))
	}
	w.db.collector = coll
	if err := w.db.registry.Register(coll); err != nil {
		return fmt.Errorf("register %s collectors: %w", eng.Name(), err)
	}
	w.ensureSampler(ctx)
	return nil
}

func (w *World) setScrapeInterval(ctx context.Context, every string) error {
	d, err := parseDuration(every)
	if err != nil {
		return err
	}
	if d < 100*time.Millisecond {
		return fmt.Errorf("scrape interval %s is too short: use 100ms or more", d)
	}
	if w.db != nil && w.db.sampler != nil {
		return fmt.Errorf("set the scrape interval before the database step: sampling has already started every %s", w.interval)
	}
	w.interval = d
	return nil
}

func (w *World) runStatement(ctx context.Context, statement string) error {
	db, err := w.needDB()
	if err != nil {
		return err
	}
	eng, err := engines.Lookup(db.engine)
	if err != nil {
		return err
	}
	runner, ok := eng.(engines.StatementRunner)
	if !ok {
		return fmt.Errorf("%s cannot run statements from a scenario", db.engine)
	}
	if err := runner.RunStatement(ctx, db.inst, strings.ReplaceAll(statement, `\"`, `"`)); err != nil {
		return w.explain(err)
	}
	w.newSeries()
	return nil
}
