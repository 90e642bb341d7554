package cli

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/dbharness/dbharness/collectors/catalog"
	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/steps"
	"github.com/dbharness/dbharness/workloads"
)

func stepsCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("steps", stderr)
	patterns := fs.Bool("patterns", false, "also print each sentence's regular expression")
	if _, err := parseInterspersed(fs, args); err != nil {
		return usageError(err)
	}
	// Group by area, areas in the order they first appear.
	var areas []string
	byArea := map[string][]steps.Sentence{}
	for _, s := range steps.Vocabulary() {
		if _, seen := byArea[s.Area]; !seen {
			areas = append(areas, s.Area)
		}
		byArea[s.Area] = append(byArea[s.Area], s)
	}
	for _, area := range areas {
		fmt.Fprintf(stdout, "\n# %s\n", area)
		for _, s := range byArea[area] {
			if s.Database != "" {
				fmt.Fprintf(stdout, "%s %s   (%s)\n", s.Keyword, s.Example, s.Database)
			} else {
				fmt.Fprintf(stdout, "%s %s\n", s.Keyword, s.Example)
			}
			for _, row := range strings.Split(s.Table, "\n") {
				if row != "" {
					fmt.Fprintf(stdout, "      %s\n", row)
				}
			}
			fmt.Fprintf(stdout, "    %s\n", s.Help)
			if *patterns {
				fmt.Fprintf(stdout, "    pattern: %s\n", s.Pattern)
			}
		}
	}
	return nil
}

func enginesCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("engines", stderr)
	if _, err := parseInterspersed(fs, args); err != nil {
		return usageError(err)
	}
	for _, name := range engines.Names() {
		e, _ := engines.Lookup(name)
		d := e.Describe()
		fmt.Fprintf(stdout, "%s: %s (names: %s; flavors: %s)\n", name, d.Display, strings.Join(d.Names(), ", "), strings.Join(d.FlavorNames(), ", "))
		for _, t := range d.Topologies {
			fmt.Fprintf(stdout, "  topology  a %s %s\n", d.Display, t.Example)
		}
		for _, p := range engines.Providers {
			if err := e.Check(ctx, p); err != nil {
				fmt.Fprintf(stdout, "  %-9s no: %v\n", p, err)
			} else {
				fmt.Fprintf(stdout, "  %-9s yes\n", p)
			}
		}
		if p, err := engines.Resolve(ctx, e, engines.ProviderAuto); err == nil {
			fmt.Fprintf(stdout, "  auto      -> %s\n", p)
		} else {
			fmt.Fprintf(stdout, "  auto      -> none usable here\n")
		}
	}
	return nil
}

func metricsCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("metrics", stderr)
	db := fs.String("database", "", "only this database's metrics")
	if _, err := parseInterspersed(fs, args); err != nil {
		return usageError(err)
	}
	list := catalog.All()
	if *db != "" {
		list = catalog.ForDatabase(*db)
		if len(list) == 0 {
			return usageError(fmt.Errorf("no metrics for database %q: known databases are %s", *db, strings.Join(catalog.Databases(), ", ")))
		}
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tTYPE\tLABELS\tHELP")
	for _, m := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", m.Name, m.Type, strings.Join(m.Labels, ","), m.Help)
	}
	return tw.Flush()
}

func workloadsCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("workloads", stderr)
	if _, err := parseInterspersed(fs, args); err != nil {
		return usageError(err)
	}
	for _, db := range engines.Names() {
		fmt.Fprintf(stdout, "%s\n  datasets:\n", db)
		for _, name := range workloads.DatasetNames(db) {
			d, _ := workloads.LookupDataset(db, name)
			fmt.Fprintf(stdout, "    %-14s %s\n", name, d.Description())
		}
		fmt.Fprintf(stdout, "  workloads:\n")
		for _, name := range workloads.Names(db) {
			w, _ := workloads.Lookup(db, name)
			fmt.Fprintf(stdout, "    %-14s %s (dataset %q; operations: %s)\n", name, w.Description(), w.Dataset(), strings.Join(workloads.OperationNames(w), ", "))
		}
	}
	return nil
}

func requirementsCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("requirements", stderr)
	if _, err := parseInterspersed(fs, args); err != nil {
		return usageError(err)
	}
	// Note: one line per requirement, "<kind> <name> <engine> <why>", for
	// scripts/install-deps.sh to read with `read kind name engine why`.
	// Note: the harness's own needs, for every database: Prometheus and promtool prove the
	// generated dashboards and rules, Chromium the HTML report.
	fmt.Fprintln(stdout, "debian prometheus dbharness the dashboards and rules tests (prometheus, promtool)")
	fmt.Fprintln(stdout, "debian chromium dbharness the HTML report test (headless Chromium)")
	for _, name := range engines.Names() {
		e, _ := engines.Lookup(name)
		for _, r := range e.Describe().Requires {
			switch {
			case r.Debian != "":
				fmt.Fprintf(stdout, "debian %s %s %s\n", r.Debian, name, r.Why)
			case r.Maven != "" && r.WithDependencies:
				fmt.Fprintf(stdout, "maven-with-deps %s %s %s\n", r.Maven, name, r.Why)
			case r.Maven != "":
				fmt.Fprintf(stdout, "maven %s %s %s\n", r.Maven, name, r.Why)
			}
		}
	}
	return nil
}
