package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/dbharness/dbharness/engines"
)

// serveCmd starts a database as a scenario's Given sentence would and keeps it until it is
// interrupted: for a peer tool (go-ycsb, pgbench, a shell) that must reach the same server as
// dbharness does from another process, and for a person who wants a private server for a
// while. The DSN goes to --dsn-file with its credentials (mode 0600); stdout shows it redacted.
func serveCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("serve", stderr)
	name := fs.String("engine", "", "the database, as a scenario names it (PostgreSQL, MariaDB, Redis, FerretDB, Cassandra, ...; `dbharness engines` lists them)")
	version := fs.String("version", "", "major version, as in `a PostgreSQL 15 database` (default: what is installed)")
	topology := fs.String("topology", "", `the topology phrase the database's sentences use, e.g. "ring of 3 nodes", "cluster with 3 primaries and 1 replica each" (default: standalone; dbharness steps lists them)`)
	provider := fs.String("provider", "auto", "how the database is started: auto, docker, native, embedded")
	workdir := fs.String("workdir", "", "parent of the database's private folder (default: the system's temporary folder)")
	dsnFile := fs.String("dsn-file", "", "write the DSN, credentials included, to this file (mode 0600) once the database serves")
	var settings, statements repeatedFlag
	fs.Var(&settings, "setting", "a server setting name=value, as in `with these settings:` (repeatable)")
	fs.Var(&statements, "statement", "a statement to run once the database serves, as in `the statement \"...\" runs` (repeatable, in order)")
	verbose := fs.Bool("v", false, "log what the engine does")
	if rest, err := parseInterspersed(fs, args); err != nil {
		return usageError(err)
	} else if len(rest) > 0 {
		return usageError(fmt.Errorf("serve: unexpected arguments %q: quote a topology phrase (--topology \"ring of 3 nodes\")", rest))
	}
	spec, eng, err := serveSpec(*name, *version, *topology, *provider, settings)
	if err != nil {
		return usageError(fmt.Errorf("serve: %w", err))
	}
	var runner engines.StatementRunner
	if len(statements) > 0 {
		r, ok := eng.(engines.StatementRunner)
		if !ok {
			return usageError(fmt.Errorf("serve: %s runs no statements (--statement)", eng.Name()))
		}
		runner = r
	}
	if *dsnFile != "" {
		if dir := filepath.Dir(*dsnFile); dir != "" {
			if st, err := os.Stat(dir); err != nil || !st.IsDir() {
				return usageError(fmt.Errorf("serve: --dsn-file %s: its folder %s does not exist", *dsnFile, dir))
			}
		}
	}
	spec.WorkDir = *workdir
	spec.Logger = newLogger(stderr, *verbose)
	fmt.Fprintf(stderr, "dbharness serve: starting %s (%s)...\n", eng.Describe().Display, spec.Topology.KindOr())
	began := time.Now()
	inst, err := eng.Start(ctx, spec)
	if inst != nil {
		defer func() {
			// Note: a ring drains node by node; the bound only catches a hang.
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 3*time.Minute)
			defer cancel()
			if err := inst.Stop(sctx); err != nil {
				fmt.Fprintln(stderr, "dbharness serve: stop:", engines.RedactDSN(err.Error()))
			}
		}()
	}
	if err != nil {
		return ExitError{Code: ExitFailed, Err: fmt.Errorf("serve: start %s: %s", eng.Name(), engines.RedactDSN(err.Error()))}
	}
	for _, st := range statements {
		if err := runner.RunStatement(ctx, inst, st); err != nil {
			return ExitError{Code: ExitFailed, Err: fmt.Errorf("serve: statement %q: %s", st, engines.RedactDSN(err.Error()))}
		}
	}
	if *dsnFile != "" {
		if err := writePrivate(*dsnFile, inst.DSN()+"\n"); err != nil {
			return ExitError{Code: ExitFailed, Err: fmt.Errorf("serve: --dsn-file: %w", err)}
		}
	}
	fmt.Fprintln(stdout, engines.RedactDSN(inst.DSN()))
	fmt.Fprintf(stderr, "dbharness serve: %s at %s ready in %s; Ctrl-C stops it\n", eng.Describe().Display, inst.Info().Address, time.Since(began).Round(time.Millisecond))
	select {
	case <-ctx.Done():
		return nil
	case <-inst.Done():
		return ExitError{Code: ExitFailed, Err: fmt.Errorf("serve: %s ended: %v", eng.Name(), inst.Err())}
	}
}

// serveSpec checks serve's flags and makes the Spec, before anything starts.
func serveSpec(name, version, topology, provider string, settings []string) (engines.Spec, engines.Engine, error) {
	if name == "" {
		return engines.Spec{}, nil, errors.New("--engine is required (`dbharness engines` lists the names)")
	}
	eng, flavor, err := engines.Find(name)
	if err != nil {
		return engines.Spec{}, nil, err
	}
	p, err := engines.ParseProvider(provider)
	if err != nil {
		return engines.Spec{}, nil, err
	}
	if p == engines.ProviderExternal {
		return engines.Spec{}, nil, errors.New("--provider external starts nothing: serve starts a database of its own")
	}
	spec := engines.Spec{Flavor: flavor, Version: version, Provider: p}
	if topology != "" {
		spec.Topology, err = parseTopology(eng, topology)
		if err != nil {
			return engines.Spec{}, nil, err
		}
	}
	for _, kv := range settings {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return engines.Spec{}, nil, fmt.Errorf("--setting %q: write name=value", kv)
		}
		if spec.Settings == nil {
			spec.Settings = map[string]string{}
		}
		spec.Settings[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	return spec, eng, nil
}

// parseTopology reads a topology phrase of the engine's sentences ("ring of 3 nodes").
func parseTopology(eng engines.Engine, phrase string) (engines.Topology, error) {
	phrase = strings.Join(strings.Fields(phrase), " ")
	var examples []string
	for _, form := range eng.Describe().Topologies {
		g := regexp.MustCompile(`^(?:` + form.Phrase + `)$`).FindStringSubmatch(phrase)
		if g == nil {
			examples = append(examples, fmt.Sprintf("%q", form.Example))
			continue
		}
		return form.Build(g[1:])
	}
	if len(examples) == 0 {
		return engines.Topology{}, fmt.Errorf("--topology %q: %s has one topology, standalone", phrase, eng.Describe().Display)
	}
	return engines.Topology{}, fmt.Errorf("--topology %q is not a %s topology: write one like %s", phrase, eng.Describe().Display, strings.Join(examples, ", "))
}

// writePrivate writes a file only its owner reads, atomically.
func writePrivate(path, content string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.WriteString(content); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
