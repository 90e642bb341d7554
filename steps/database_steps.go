package steps

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/cucumber/godog"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/engines"
)

// versionGroup is the optional version after a database's name: "a PostgreSQL 15 database".
const versionGroup = `(?: (\d+(?:\.\d+)*))?`

func databaseSentences(w *World) []Sentence {
	list := []Sentence{
		{Area: "database", Keyword: "Given",
			Pattern: `^an? (.+?)` + versionGroup + ` database$`,
			Example: "a PostgreSQL 15 database",
			Help:    "Starts a private database of that engine and version (provider from --provider: a local process here, a container where Docker runs) and starts its collectors. The version is optional; `dbharness engines` lists the names (a flavor's name, like MariaDB, selects it).",
			fn:      w.startDatabase, check: checkDatabase},
		{Area: "database", Keyword: "Given",
			Pattern: `^an? (.+?) database with these settings:$`,
			Example: "a PostgreSQL database with these settings:",
			Table:   "| work_mem       | 64MB |\n| shared_buffers | 256MB |",
			Help:    "Starts the database with server settings in its own configuration names (docs/databases lists what each accepts), one per row: name, value.",
			fn:      w.startWithSettings, check: checkSettings},
		{Area: "database", Keyword: "When",
			Pattern: `^the statement "((?:[^"\\]|\\.)*)" runs$`,
			Example: `the statement "DROP INDEX pgbench_accounts_pkey" runs`,
			Help:    `Runs one statement (SQL, or the database's command language) against the database, to change it on purpose between measurements; write \" for a quote inside it. Runs that come after it are never compared with runs from before.`,
			fn:      w.runStatement, check: checkStatement},
		{Area: "database", Keyword: "Given",
			Pattern: `^the collectors scrape every (\S+)$`,
			Example: "the collectors scrape every 500ms",
			Help:    "Sets how often the database's metrics are sampled (default 1s).",
			fn:      w.setScrapeInterval, check: func(_ *plan, a args) error { _, err := scrapeInterval(a.s[0]); return err }},
	}
	return append(list, topologySentences(w)...)
}

// topologySentences are the topologies each engine declares, one sentence per engine and
// form: "a Redis cluster with 3 primaries and 1 replica each".
func topologySentences(w *World) []Sentence {
	var list []Sentence
	for _, name := range engines.Names() {
		eng, _ := engines.Lookup(name)
		d := eng.Describe()
		alts := make([]string, 0, len(d.Names()))
		for _, n := range d.Names() {
			alts = append(alts, regexp.QuoteMeta(n))
		}
		names := "(" + strings.Join(alts, "|") + ")"
		for _, form := range d.Topologies {
			groups := regexp.MustCompile(`^(?:` + form.Phrase + `)$`).NumSubexp()
			build := form.Build
			list = append(list, Sentence{Area: "database", Keyword: "Given", Database: d.Display,
				Pattern: `^an? ` + names + versionGroup + ` ` + form.Phrase + `$`,
				Example: fmt.Sprintf("a %s %s", d.Display, form.Example),
				Help:    form.Help,
				fn: stringArgs(2+groups, func(ctx context.Context, a []string) error {
					topo, err := build(a[2:])
					if err != nil {
						return err
					}
					return w.start(ctx, a[0], engines.Spec{Version: a[1], Topology: topo})
				}),
				check: func(p *plan, a args) error {
					if err := p.declare(a.s[0]); err != nil {
						return err
					}
					_, err := build(a.s[2:])
					return err
				}})
		}
	}
	return list
}

func (w *World) startDatabase(ctx context.Context, name, version string) error {
	return w.start(ctx, name, engines.Spec{Version: version})
}

func checkDatabase(p *plan, a args) error { return p.declare(a.s[0]) }

func (w *World) startWithSettings(ctx context.Context, name string, table *godog.Table) error {
	settings, err := settingsTable(table)
	if err != nil {
		return err
	}
	return w.start(ctx, name, engines.Spec{Settings: settings})
}

func checkSettings(p *plan, a args) error {
	if err := p.declare(a.s[0]); err != nil {
		return err
	}
	_, err := settingsTable(a.table)
	return err
}

func settingsTable(table *godog.Table) (map[string]string, error) {
	if table == nil {
		return nil, fmt.Errorf("this sentence needs a table of settings, | name | value |, on the lines after it")
	}
	settings := map[string]string{}
	for i, row := range table.Rows {
		if len(row.Cells) != 2 || strings.TrimSpace(row.Cells[0].Value) == "" {
			return nil, fmt.Errorf("settings table row %d: want two cells, | name | value |", i+1)
		}
		settings[strings.TrimSpace(row.Cells[0].Value)] = strings.TrimSpace(row.Cells[1].Value)
	}
	return settings, nil
}

// start starts the engine a scenario names (an engine's or a flavor's name) with spec
// (provider, work folder and logger from the run's options) and opens its collectors.
func (w *World) start(ctx context.Context, name string, spec engines.Spec) error {
	if w.db != nil {
		return fmt.Errorf("this scenario already has a %s database: one database per scenario for now", w.db.engine)
	}
	eng, flavor, err := engines.Find(name)
	if err != nil {
		return err
	}
	spec.Flavor = flavor
	spec.Provider, spec.WorkDir, spec.Logger = w.opts.Provider, w.opts.WorkDir, w.opts.Logger
	if w.opts.DSN != nil {
		spec.DSN = w.opts.DSN(eng.Name())
	}
	started := time.Now()
	inst, err := eng.Start(ctx, spec)
	if inst != nil {
		w.db = &database{engine: eng.Name(), desc: eng.Describe(), inst: inst, registry: prometheus.NewRegistry()}
		info := inst.Info()
		w.rec.Engine = &info
	}
	if err != nil {
		return w.skipUnavailable(err, fmt.Errorf("start %s: %s", eng.Name(), engines.RedactDSN(err.Error())))
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

// skipUnavailable turns an error that wraps engines.ErrUnavailable into a skip of the
// scenario (godog.ErrSkip) with the reason, which the record keeps, and returns other
// errors as they are (shown).
func (w *World) skipUnavailable(cause, shown error) error {
	if !errors.Is(cause, engines.ErrUnavailable) {
		return shown
	}
	w.skipped = engines.RedactDSN(shown.Error())
	return fmt.Errorf("%w: %s", godog.ErrSkip, w.skipped)
}

func scrapeInterval(every string) (time.Duration, error) {
	d, err := parseDuration(every)
	if err != nil {
		return 0, err
	}
	if d < 100*time.Millisecond {
		return 0, fmt.Errorf("scrape interval %s is too short: use 100ms or more", d)
	}
	return d, nil
}

func (w *World) setScrapeInterval(ctx context.Context, every string) error {
	d, err := scrapeInterval(every)
	if err != nil {
		return err
	}
	if w.db != nil && w.db.sampler != nil {
		return fmt.Errorf("set the scrape interval before the database step: sampling has already started every %s", w.interval)
	}
	w.interval = d
	return nil
}

func checkStatement(p *plan, a args) error {
	if p.engine == nil {
		return nil // the runtime error says a database comes first
	}
	if _, ok := p.engine.(engines.StatementRunner); !ok {
		return fmt.Errorf("%s cannot run statements from a scenario", p.engine.Describe().Display)
	}
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
		return fmt.Errorf("%s cannot run statements from a scenario", db.desc.Display)
	}
	if err := runner.RunStatement(ctx, db.inst, strings.ReplaceAll(statement, `\"`, `"`)); err != nil {
		return w.explain(err)
	}
	w.newSeries()
	return nil
}
