package ycsb

import (
	"context"
	"embed"
	"fmt"
	"path"
	"sort"
	"strings"
	"sync"

	"github.com/dbharness/dbharness/workloads"
)

// DatasetName is the dataset every YCSB workload runs on: the usertable.
const DatasetName = "ycsb"

// RecordsPerScale is how many records scale 1 of the ycsb dataset loads.
const RecordsPerScale = 1000

//go:embed core/*.yaml
var coreFiles embed.FS

// Core returns YCSB's core workloads A to F, parsed from the files in core/.
func Core() ([]Spec, error) {
	entries, err := coreFiles.ReadDir("core")
	if err != nil {
		return nil, err
	}
	var specs []Spec
	for _, e := range entries {
		name := path.Join("core", e.Name())
		b, err := coreFiles.ReadFile(name)
		if err != nil {
			return nil, err
		}
		s, err := Parse("workloads/ycsb/"+name, b)
		if err != nil {
			return nil, err
		}
		specs = append(specs, s)
	}
	sort.Slice(specs, func(i, j int) bool { return specs[i].Name < specs[j].Name })
	return specs, nil
}

// RegisterDB registers a database's YCSB binding: the ycsb dataset and the core workloads
// (ycsb-a to ycsb-f) for that database. Call it from the database's workloads package init().
// It panics if the embedded core files are invalid (a build defect caught by the tests).
func RegisterDB(database string, db DB) {
	mu.Lock()
	if _, dup := bindings[database]; dup {
		mu.Unlock()
		panic("ycsb: RegisterDB called twice for " + database)
	}
	bindings[database] = db
	mu.Unlock()
	specs, err := Core()
	if err != nil {
		panic("ycsb: core workloads: " + err.Error())
	}
	workloads.RegisterDataset(dataset{database: database, db: db, spec: specs[0]})
	for _, s := range specs {
		workloads.Register(newWorkload(database, db, s))
	}
}

// Note: filled by init() of the database packages, read afterwards (like workloads').
var (
	mu       sync.RWMutex
	bindings = map[string]DB{}
)

// LookupDB returns the YCSB binding of a database; the error lists the databases that have
// one.
func LookupDB(database string) (DB, error) {
	mu.RLock()
	defer mu.RUnlock()
	if db, ok := bindings[database]; ok {
		return db, nil
	}
	names := make([]string, 0, len(bindings))
	for n := range bindings {
		names = append(names, n)
	}
	sort.Strings(names)
	return nil, fmt.Errorf("%s has no YCSB binding: YCSB workloads run on %s", database, strings.Join(names, ", "))
}

// NewWorkload binds a spec read from a user's file to a database registered with RegisterDB
// (the CLI runs such files), checking that the database supports its operations.
func NewWorkload(database string, db DB, s Spec) workloads.Workload {
	return newWorkload(database, db, s)
}

// dataset is the load phase: the usertable with scale × RecordsPerScale records.
type dataset struct {
	database string
	db       DB
	spec     Spec // the table layout: name, field count and length
}

func (d dataset) Name() string     { return DatasetName }
func (d dataset) Database() string { return d.database }
func (d dataset) Description() string {
	return fmt.Sprintf("YCSB's usertable: scale N = N×%d records of %d fields of %d bytes (the load phase)",
		RecordsPerScale, d.spec.FieldCount, d.spec.FieldLength)
}

func (d dataset) Load(ctx context.Context, t workloads.Target, scale int, progress func(done, total int64)) error {
	if scale < 1 {
		return fmt.Errorf("ycsb dataset: scale must be at least 1, got %d", scale)
	}
	return d.db.Load(ctx, t, d.spec, int64(scale)*RecordsPerScale, progress)
}

// Note: a YCSB file is recognised by any of YCSB's own property names.
func init() {
	props := fieldsByKey()
	workloads.RegisterFormat(workloads.Format{
		Name: "ycsb",
		Detect: func(keys []string) bool {
			for _, k := range keys {
				if _, ok := props[k]; ok && k != "name" && k != "description" {
					return true
				}
			}
			return false
		},
		Open: func(database, path string, data []byte) (workloads.Workload, workloads.Dataset, error) {
			spec, err := Parse(path, data)
			if err != nil {
				return nil, nil, err
			}
			db, err := LookupDB(database)
			if err != nil {
				return nil, nil, err
			}
			return newWorkload(database, db, spec), nil, nil
		},
	})
}
