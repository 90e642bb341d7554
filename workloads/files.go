package workloads

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"

	"github.com/dbharness/dbharness/internal/yamlerr"
)

// A Format is a kind of workload file (the YCSB properties, the declarative SQL workloads),
// told apart by its top-level keys. Packages that read one register it in init().
type Format struct {
	Name string // "ycsb", "sql"
	// Detect says whether a file with these top-level keys is of this format.
	Detect func(keys []string) bool
	// Open reads the file for a database: the workload, and its own dataset if the file
	// declares one (nil: the workload's Dataset() names a registered one).
	Open func(database, path string, data []byte) (Workload, Dataset, error)
}

var (
	formatsMu sync.RWMutex
	formats   []Format
)

// RegisterFormat adds a kind of workload file.
func RegisterFormat(f Format) {
	if f.Name == "" || f.Detect == nil || f.Open == nil {
		panic("workloads: RegisterFormat needs a name, Detect and Open")
	}
	formatsMu.Lock()
	defer formatsMu.Unlock()
	formats = append(formats, f)
}

// IsFile says whether a workload name is a workload file rather than a registered name.
func IsFile(name string) bool {
	return strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml")
}

// OpenFile reads a workload file for a database. Problems name the file and line.
func OpenFile(database, path string) (Workload, Dataset, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("workload file: %w", err)
	}
	var top map[string]yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&top); err != nil {
		return nil, nil, fmt.Errorf("%s:%d: not a workload file: %s", path, max(yamlerr.Line(err), 1), yamlerr.Message(err))
	}
	keys := make([]string, 0, len(top))
	for k := range top {
		keys = append(keys, k)
	}
	formatsMu.RLock()
	defer formatsMu.RUnlock()
	var names []string
	for _, f := range formats {
		if f.Detect(keys) {
			return f.Open(database, path, data)
		}
		names = append(names, f.Name)
	}
	return nil, nil, fmt.Errorf("%s: not a workload file of a kind dbharness knows (%s): a YCSB file has properties like readproportion, a SQL workload file has operations", path, strings.Join(names, ", "))
}

// Resolve finds a workload for a database by the name a scenario gives: a registered
// workload, or a workload file (a path relative to dir, the feature file's folder).
// For a file it also returns the dataset the file declares, if any.
func Resolve(database, name, dir string) (Workload, Dataset, error) {
	if !IsFile(name) {
		w, err := Lookup(database, name)
		return w, nil, err
	}
	return OpenFile(database, filePath(name, dir))
}

// ResolveDataset finds a dataset by the name a scenario gives: a registered dataset, or the
// setup a workload file declares.
func ResolveDataset(database, name, dir string) (Dataset, error) {
	if !IsFile(name) {
		return LookupDataset(database, name)
	}
	w, ds, err := OpenFile(database, filePath(name, dir))
	if err != nil {
		return nil, err
	}
	if ds == nil {
		if w.Dataset() != "" {
			return LookupDataset(database, w.Dataset())
		}
		return nil, fmt.Errorf("%s declares no setup: it has no dataset to load", name)
	}
	return ds, nil
}

func filePath(name, dir string) string {
	if filepath.IsAbs(name) || dir == "" {
		return name
	}
	return filepath.Join(dir, name)
}
