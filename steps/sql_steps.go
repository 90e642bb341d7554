package steps

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/cucumber/godog"

	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/workloads"
)

func sqlSentences(w *World) []Sentence {
	return []Sentence{
		{Area: "data", Keyword: "Given",
			Pattern: `^the schema:$`,
			Example: "the schema:",
			Table:   `"""` + "\nCREATE TABLE accounts (id bigint PRIMARY KEY, balance bigint NOT NULL DEFAULT 0);\nCREATE INDEX accounts_by_balance ON accounts (balance);\n" + `"""`,
			Help:    "Runs the statements of the doc string in order (separated by semicolons, as the database's own client splits them); an error says which statement failed and on which line. Runs after it are never compared with runs from before.",
			fn:      func(ctx context.Context, doc *godog.DocString) error { return w.runScript(ctx, "schema", doc) },
			check:   checkScript},
		{Area: "data", Keyword: "Given",
			Pattern: `^the seed data:$`,
			Example: "the seed data:",
			Table:   `"""` + "\nINSERT INTO accounts (id) SELECT g FROM generate_series(1, 1000) AS g;\n" + `"""`,
			Help:    "The same as `the schema:`, for the rows a scenario starts from.",
			fn:      func(ctx context.Context, doc *godog.DocString) error { return w.runScript(ctx, "seed data", doc) },
			check:   checkScript},
		{Area: "data", Keyword: "Given",
			Pattern: `^the SQL file "([^"]+)"$`,
			Example: `the SQL file "schema.sql"`,
			Help:    "Runs a file of statements, named relative to the feature file, like `the schema:`.",
			fn:      w.runSQLFile,
			check: func(p *plan, a args) error {
				if err := p.needScripts(); err != nil {
					return err
				}
				_, err := os.Stat(filepath.Join(p.dir, a.s[0]))
				return err
			}},
		{Area: "checks", Keyword: "Then",
			Pattern: `^the invariants of the workload hold$`,
			Example: "the invariants of the workload hold",
			Help:    "Runs the invariants the last workload's file declares (queries that must answer true, such as the ledger's entries adding up to its balances) and fails naming every one that does not hold; the answers go into the report.",
			fn:      w.checkInvariants},
	}
}

// needScripts says whether the declared database runs scripts.
func (p *plan) needScripts() error {
	if _, err := p.needEngine(); err != nil {
		return err
	}
	if _, ok := p.engine.(engines.ScriptRunner); !ok {
		return fmt.Errorf("%s runs no scripts of statements", p.engine.Describe().Display)
	}
	return nil
}

func checkScript(p *plan, a args) error {
	if a.doc == nil || strings.TrimSpace(a.doc.Content) == "" {
		return errors.New(`this sentence takes the statements in a doc string: the lines between """ and """ after it`)
	}
	return p.needScripts()
}

func (w *World) runScript(ctx context.Context, what string, doc *godog.DocString) error {
	if doc == nil {
		return errors.New(`this sentence takes the statements in a doc string: the lines between """ and """ after it`)
	}
	return w.script(ctx, what, doc.Content)
}

func (w *World) runSQLFile(ctx context.Context, name string) error {
	path := name
	if !filepath.IsAbs(path) {
		path = filepath.Join(w.dir(), name)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("SQL file: %w", err)
	}
	return w.script(ctx, path, string(b))
}

func (w *World) script(ctx context.Context, what, text string) error {
	db, err := w.needDB()
	if err != nil {
		return err
	}
	eng, err := engines.Lookup(db.engine)
	if err != nil {
		return err
	}
	runner, ok := eng.(engines.ScriptRunner)
	if !ok {
		return fmt.Errorf("%s runs no scripts of statements", db.desc.Display)
	}
	if err := runner.RunScript(ctx, db.inst, text); err != nil {
		return w.explain(fmt.Errorf("%s: %w", what, err))
	}
	w.newSeries()
	return nil
}

func (w *World) checkInvariants(ctx context.Context) error {
	if w.background != nil {
		return errors.New("a workload still runs in the background: add `When the background workload has finished` first")
	}
	if w.lastRun == nil {
		return errors.New("no workload has run yet: run one whose file declares invariants first")
	}
	ic, ok := w.lastRun.(workloads.InvariantChecker)
	if !ok {
		return fmt.Errorf("workload %q declares no invariants: they are written in a SQL workload file (docs/writing-workloads.md)", w.lastRun.Name())
	}
	got, err := ic.CheckInvariants(ctx, w.target())
	w.rec.Invariants = append(w.rec.Invariants, got...)
	if err != nil {
		return w.explain(err)
	}
	if len(got) == 0 {
		return fmt.Errorf("workload %q declares no invariants: nothing to check", w.lastRun.Name())
	}
	var broken []string
	for _, inv := range got {
		if !inv.Held {
			broken = append(broken, fmt.Sprintf("%q does not hold: %s answered %s", inv.Name, inv.Query, inv.Got))
		}
	}
	if len(broken) > 0 {
		return fmt.Errorf("%d of %d invariants of %s do not hold:\n  %s", len(broken), len(got), w.lastRun.Name(), strings.Join(broken, "\n  "))
	}
	return nil
}
