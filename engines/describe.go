package engines

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/dbharness/dbharness/internal/nearest"
)

// A Description is what an engine tells the rest of dbharness about itself: the words
// scenarios use for it and its topologies, how its fault sentences name a part of a
// sharded topology, where its exporter usually listens, and what a machine needs to run it
// natively. The shared packages (steps, cli, runner, the install step) read it and know no
// database by name.
type Description struct {
	// Display is the name as people write it: "PostgreSQL", "SQL Server".
	Display string
	// Aliases are other names scenario writers use for the engine: "Postgres", "PG".
	Aliases []string
	// Flavors are the flavors the engine can start; the first is the default. A flavor's
	// own names select it: "a MariaDB database" is the mysql engine, flavor mariadb.
	Flavors []Flavor
	// Topologies are the multi-node shapes a scenario can ask for, besides a single server
	// ("a <name> database", which every engine has).
	Topologies []TopologyForm
	// Groups are the phrases fault sentences use to name one replication group of a sharded
	// topology: "the primary of slot 0 is killed". Nil for engines without groups.
	Groups []GroupForm
	// Nouns are what scenarios may call a whole multi-node instance besides the generic
	// words (database, cluster, topology): "ring", "replica set".
	Nouns []string
	// FailoverHelp says what `a failover is triggered` does on this engine.
	FailoverHelp string
	// ExporterPort is the port of the database's usual Prometheus exporter, which
	// `dbharness collect` listens on by default (9187 for postgres_exporter).
	ExporterPort int
	// Requires is what the native provider needs installed; the install step reads it.
	Requires []Requirement
}

// A Flavor is one variant an engine can start: "mariadb" and "mysql" of the mysql engine.
type Flavor struct {
	Name    string   // the registry word, e.g. "mariadb"
	Display string   // as people write it, e.g. "MariaDB"; empty means Name
	Aliases []string // other names that select it
}

// A TopologyForm is one sentence shape that declares a topology, written after the
// database's name: "a Redis cluster with 3 primaries and 1 replica each".
type TopologyForm struct {
	// Phrase is the regular expression after the name (and optional version), with one
	// group per number: `cluster with (\d+) primar(?:y|ies) and (\d+) replicas? each`.
	Phrase string
	// Example is a phrase that matches, for `dbharness steps`.
	Example string
	// Help says what starts and when the step ends.
	Help string
	// Build turns the phrase's groups into a Topology, or says what is wrong with them
	// (it runs before any database starts).
	Build func(args []string) (Topology, error)
}

// A GroupForm is a phrase naming one replication group of a sharded topology.
type GroupForm struct {
	// Phrase is a regular expression with groups: `slot (\d+)`.
	Phrase  string
	Example string // "slot 0"
	Help    string
	// Key validates the phrase's groups and returns the group key that Faults.Primary and
	// Faults.Failover take ("slot 0").
	Key func(args []string) (string, error)
}

// A Requirement is something the native provider needs on the machine. The install step
// (scripts/install-deps.sh, through `dbharness requirements`) installs what is missing.
type Requirement struct {
	// Debian is a Debian package name, e.g. "postgresql-15".
	Debian string
	// Maven is a Maven artifact g:a:v[:type[:classifier]], fetched into the cache folder.
	Maven string
	// WithDependencies fetches the Maven artifact's runtime dependencies too.
	WithDependencies bool
	// Why says what it is for, for the install step's output.
	Why string
}

// A Topology is the shape of an instance, generic across databases: a kind and node counts
// by role. Each engine documents the kinds and roles it reads.
type Topology struct {
	// Kind is e.g. "standalone", "replicated", "cluster", "sentinel", "ring"; empty means
	// standalone.
	Kind string
	// Counts are nodes by role, as the engine names them ("primaries", "replicas",
	// "sentinels", "nodes"). A role that is absent takes the engine's default; present with 0
	// means none.
	Counts map[string]int
	// Options are topology options the sentence or the scenario set.
	Options map[string]string
}

// Standalone is the topology kind of a single server.
const Standalone = "standalone"

// KindOr returns the kind, or Standalone when none is set.
func (t Topology) KindOr() string {
	if t.Kind == "" {
		return Standalone
	}
	return t.Kind
}

// Count returns the count for role, or def when the topology does not set it.
func (t Topology) Count(role string, def int) int {
	if n, ok := t.Counts[role]; ok {
		return n
	}
	return def
}

// Names lists every name that selects the engine (or one of its flavors), as written.
func (d Description) Names() []string {
	var out []string
	add := func(n string) {
		if n != "" && !slices.ContainsFunc(out, func(o string) bool { return strings.EqualFold(o, n) }) {
			out = append(out, n)
		}
	}
	add(d.Display)
	for _, a := range d.Aliases {
		add(a)
	}
	for _, f := range d.Flavors {
		add(f.Display)
		add(f.Name)
		for _, a := range f.Aliases {
			add(a)
		}
	}
	return out
}

// FlavorNames lists the flavors' registry words, the default first.
func (d Description) FlavorNames() []string {
	out := make([]string, len(d.Flavors))
	for i, f := range d.Flavors {
		out[i] = f.Name
	}
	return out
}

// validate checks a description at registration; errors are programming errors.
func (d Description) validate(name string) error {
	if d.Display == "" {
		return fmt.Errorf("engine %s: Description.Display is empty", name)
	}
	if len(d.Flavors) == 0 {
		return fmt.Errorf("engine %s: Description.Flavors is empty: name at least the default flavor", name)
	}
	for _, t := range d.Topologies {
		re, err := regexp.Compile(`^(?:` + t.Phrase + `)$`)
		if err != nil {
			return fmt.Errorf("engine %s: topology phrase %q: %w", name, t.Phrase, err)
		}
		if !re.MatchString(t.Example) || t.Build == nil || t.Help == "" {
			return fmt.Errorf("engine %s: topology phrase %q needs a matching example, help and Build", name, t.Phrase)
		}
	}
	for _, g := range d.Groups {
		re, err := regexp.Compile(`^(?:` + g.Phrase + `)$`)
		if err != nil {
			return fmt.Errorf("engine %s: group phrase %q: %w", name, g.Phrase, err)
		}
		if !re.MatchString(g.Example) || g.Key == nil {
			return fmt.Errorf("engine %s: group phrase %q needs a matching example and Key", name, g.Phrase)
		}
	}
	return nil
}

// Find resolves a name as a scenario writes it ("Postgres", "SQL Server", "MariaDB",
// "OpenSearch") to an engine and the flavor the name selects ("" for the default). The
// error lists the names that come closest.
func Find(written string) (Engine, string, error) {
	key := strings.ToLower(strings.Join(strings.Fields(written), " "))
	var all []string
	for _, name := range Names() {
		e, _ := Lookup(name)
		d := e.Describe()
		if key == strings.ToLower(name) || key == strings.ToLower(d.Display) ||
			slices.ContainsFunc(d.Aliases, func(a string) bool { return strings.EqualFold(a, key) }) {
			return e, "", nil
		}
		for _, f := range d.Flavors {
			if key == strings.ToLower(f.Name) || strings.EqualFold(f.Display, key) ||
				slices.ContainsFunc(f.Aliases, func(a string) bool { return strings.EqualFold(a, key) }) {
				if f.Name == d.Flavors[0].Name {
					return e, "", nil
				}
				return e, f.Name, nil
			}
		}
		all = append(all, d.Names()...)
	}
	if len(all) == 0 {
		return nil, "", fmt.Errorf("unknown database %q: no engine is registered (missing import of databases?)", written)
	}
	return nil, "", fmt.Errorf("unknown database %q; did you mean %s? (`dbharness engines` lists them all)",
		written, strings.Join(nearest.Names(written, all, 3), ", "))
}

// ErrNameAGroup is wrapped by Faults.Primary and Faults.Failover of a sharded topology asked
// for "the" primary: it has one per group, and the message says how to name one.
var ErrNameAGroup = errors.New("name a group")

// ErrNoProvider is wrapped by CheckProvider for a provider the engine does not have at all
// (as opposed to one this machine lacks).
var ErrNoProvider = errors.New("no such provider")

// CheckProvider is the usual Engine.Check: nil for a provider whose check passes, the check's
// error otherwise, and for a provider the engine lacks (a nil check) an error saying which
// providers it has. External is always usable here: it is checked at Start against the DSN.
func CheckProvider(p Provider, display string, checks map[Provider]func() error) error {
	if p == ProviderExternal {
		return nil
	}
	if check, ok := checks[p]; ok && check != nil {
		return check()
	}
	var have []string
	for _, cand := range Providers {
		if _, ok := checks[cand]; ok || cand == ProviderExternal {
			have = append(have, string(cand))
		}
	}
	if slices.Contains(Providers, p) {
		return fmt.Errorf("%s has no %s provider (%w): use %s", display, p, ErrNoProvider, strings.Join(have, ", "))
	}
	return fmt.Errorf("unknown provider %q (%w): %s runs with %s", p, ErrNoProvider, display, strings.Join(have, ", "))
}
