package workloads

import (
	"fmt"
	"sort"
	"strings"
	"sync"
)

// Note: the registries are filled by init() of the database packages and only read after
// that; the mutex makes late registration (tests, plugins) safe anyway.
var (
	mu        sync.RWMutex
	workloads = map[key]Workload{}
	datasets  = map[key]Dataset{}
)

type key struct{ database, name string }

func keyOf(database, name string) key {
	return key{strings.ToLower(strings.TrimSpace(database)), strings.ToLower(strings.TrimSpace(name))}
}

// Register makes a workload available by database and name. It panics on a nil workload, an
// empty name or database, or a duplicate: those are programming errors found at init.
func Register(w Workload) {
	if w == nil {
		panic("workloads: Register of a nil workload")
	}
	k := keyOf(w.Database(), w.Name())
	if k.name == "" || k.database == "" {
		panic(fmt.Sprintf("workloads: Register of a workload with an empty name or database (%q, %q)", w.Database(), w.Name()))
	}
	if len(w.Operations()) == 0 {
		panic("workloads: Register of workload " + k.database + "/" + k.name + " without operations")
	}
	mu.Lock()
	defer mu.Unlock()
	if _, dup := workloads[k]; dup {
		panic("workloads: Register called twice for workload " + k.database + "/" + k.name)
	}
	workloads[k] = w
}

// RegisterDataset makes a dataset available by database and name. It panics like Register.
func RegisterDataset(d Dataset) {
	if d == nil {
		panic("workloads: RegisterDataset of a nil dataset")
	}
	k := keyOf(d.Database(), d.Name())
	if k.name == "" || k.database == "" {
		panic(fmt.Sprintf("workloads: RegisterDataset of a dataset with an empty name or database (%q, %q)", d.Database(), d.Name()))
	}
	mu.Lock()
	defer mu.Unlock()
	if _, dup := datasets[k]; dup {
		panic("workloads: RegisterDataset called twice for dataset " + k.database + "/" + k.name)
	}
	datasets[k] = d
}

// Lookup finds a workload; the error lists the workloads known for that database.
func Lookup(database, name string) (Workload, error) {
	mu.RLock()
	w, ok := workloads[keyOf(database, name)]
	mu.RUnlock()
	if !ok {
		return nil, unknown("workload", database, name, Names(database))
	}
	return w, nil
}

// LookupDataset finds a dataset; the error lists the datasets known for that database.
func LookupDataset(database, name string) (Dataset, error) {
	mu.RLock()
	d, ok := datasets[keyOf(database, name)]
	mu.RUnlock()
	if !ok {
		return nil, unknown("dataset", database, name, DatasetNames(database))
	}
	return d, nil
}

func unknown(kind, database, name string, known []string) error {
	if len(known) == 0 {
		return fmt.Errorf("unknown %s %q: no %ss are registered for database %q (is its workloads package imported?)", kind, name, kind, database)
	}
	return fmt.Errorf("unknown %s %q for %s: known %ss are %s", kind, name, database, kind, strings.Join(known, ", "))
}

// Names lists the workloads registered for a database, sorted.
func Names(database string) []string {
	mu.RLock()
	defer mu.RUnlock()
	return sortedNames(workloads, database)
}

// DatasetNames lists the datasets registered for a database, sorted.
func DatasetNames(database string) []string {
	mu.RLock()
	defer mu.RUnlock()
	return sortedNames(datasets, database)
}

// Databases lists the databases that have at least one workload or dataset, sorted.
func Databases() []string {
	mu.RLock()
	defer mu.RUnlock()
	seen := map[string]bool{}
	for k := range workloads {
		seen[k.database] = true
	}
	for k := range datasets {
		seen[k.database] = true
	}
	out := make([]string, 0, len(seen))
	for db := range seen {
		out = append(out, db)
	}
	sort.Strings(out)
	return out
}

func sortedNames[V any](m map[key]V, database string) []string {
	db := strings.ToLower(strings.TrimSpace(database))
	var out []string
	for k := range m {
		if k.database == db {
			out = append(out, k.name)
		}
	}
	sort.Strings(out)
	return out
}
