package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/dbharness/dbharness/result"
)

// DefaultRoot is where baselines live unless told otherwise, relative to the working
// directory.
const DefaultRoot = "baselines/data"

// ErrNotFound is wrapped by Load and History when a baseline has no file yet.
var ErrNotFound = errors.New("baseline not found")

// A Store reads and writes the baseline files under Root.
type Store struct {
	Root string
	// Now is the clock for RecordedAt and acceptances; nil means time.Now.
	Now func() time.Time
}

// New returns a Store of the files under root; "" means DefaultRoot.
func New(root string) *Store {
	if root == "" {
		root = DefaultRoot
	}
	return &Store{Root: root}
}

func (s *Store) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Path returns the file of a baseline name: "postgresql/tpcb" is <root>/postgresql/tpcb.json.
// Names are relative slash-separated paths without "." or ".." elements.
func (s *Store) Path(name string) (string, error) {
	if err := CheckName(name); err != nil {
		return "", err
	}
	return filepath.Join(s.Root, filepath.FromSlash(name)+".json"), nil
}

// CheckName says what is wrong with a baseline name, or nil.
func CheckName(name string) error {
	switch {
	case name == "":
		return errors.New("baseline name is empty: use a name like \"postgresql/tpcb\"")
	case strings.HasPrefix(name, "/") || filepath.IsAbs(name):
		return fmt.Errorf("baseline name %q is an absolute path: use a relative name like \"postgresql/tpcb\"", name)
	case strings.ContainsAny(name, "\\\x00"):
		return fmt.Errorf("baseline name %q contains a backslash or NUL: use letters, digits, '-', '_', '.' and '/'", name)
	case strings.HasSuffix(name, ".json"):
		return fmt.Errorf("baseline name %q ends in .json: give the name without it", name)
	}
	for _, part := range strings.Split(name, "/") {
		if part == "" || part == "." || part == ".." {
			return fmt.Errorf("baseline name %q has an empty, \".\" or \"..\" element: use a name like \"postgresql/tpcb\"", name)
		}
	}
	return nil
}

// Load reads a baseline. A missing file wraps ErrNotFound; a corrupt file, another schema
// version or another name is an error naming the path and the problem.
func (s *Store) Load(name string) (*Baseline, error) {
	path, err := s.Path(name)
	if err != nil {
		return nil, err
	}
	return read(path, name)
}

// Names lists the baselines under Root ("postgresql/tpcb"), sorted.
func (s *Store) Names() ([]string, error) {
	var names []string
	err := filepath.WalkDir(s.Root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) && path == s.Root {
				return filepath.SkipDir
			}
			return err
		}
		if d.IsDir() || !strings.HasSuffix(path, ".json") {
			return nil
		}
		rel, err := filepath.Rel(s.Root, path)
		if err != nil {
			return err
		}
		names = append(names, filepath.ToSlash(strings.TrimSuffix(rel, ".json")))
		return nil
	})
	slices.Sort(names)
	return names, err
}

// History returns every run recorded for a baseline, oldest first.
func (s *Store) History(name string) ([]Run, error) {
	b, err := s.Load(name)
	if err != nil {
		return nil, err
	}
	return b.Runs, nil
}

// Record appends runs to a baseline, creating its file if needed, and returns the baseline
// as written. The runs get the next IDs and RecordedAt (when zero); they are not accepted.
// A file that cannot be read is left as it is and the error says why.
func (s *Store) Record(name string, runs ...Run) (*Baseline, error) {
	if len(runs) == 0 {
		return nil, fmt.Errorf("record baseline %s: no runs to record", name)
	}
	return s.update(name, true, func(b *Baseline) error {
		now := s.now()
		next := 1
		if n := len(b.Runs); n > 0 {
			next = b.Runs[n-1].ID + 1
		}
		for _, r := range runs {
			// A run already recorded (a scenario that records, then compares) is kept once.
			if slices.ContainsFunc(b.Runs, func(o Run) bool { return sameRun(o, r) }) {
				continue
			}
			r.ID, r.Accepted = next, 0
			if r.RecordedAt.IsZero() {
				r.RecordedAt = now
			}
			b.Runs = append(b.Runs, r)
			next++
		}
		return nil
	})
}

// sameRun says whether two runs are one: the same workload started at the same instant with
// the same seed.
func sameRun(a, b Run) bool {
	return a.Workload == b.Workload && a.Start.Equal(b.Start) && a.Seed == b.Seed
}

// Accept makes the latest n recorded runs the baseline, as a new generation; the runs
// accepted before stay in the file as history. It fails when the baseline has fewer than n
// runs or n < 1.
func (s *Store) Accept(name string, n int) (*Baseline, error) {
	return s.update(name, false, func(b *Baseline) error {
		if n < 1 {
			return fmt.Errorf("accept baseline %s: the number of runs must be at least 1, got %d", name, n)
		}
		if len(b.Runs) < n {
			return fmt.Errorf("accept baseline %s: it has %d recorded runs, fewer than the %d asked for: record more runs or accept fewer", name, len(b.Runs), n)
		}
		b.Generation++
		acc := Acceptance{Generation: b.Generation, At: s.now()}
		for i := len(b.Runs) - n; i < len(b.Runs); i++ {
			b.Runs[i].Accepted = b.Generation
			acc.Runs = append(acc.Runs, b.Runs[i].ID)
		}
		b.Acceptances = append(b.Acceptances, acc)
		return nil
	})
}

// update reads, changes and writes a baseline under the file's lock. create says whether a
// missing file starts as an empty baseline (or is ErrNotFound).
func (s *Store) update(name string, create bool, change func(*Baseline) error) (*Baseline, error) {
	path, err := s.Path(name)
	if err != nil {
		return nil, err
	}
	unlock, err := lock(path)
	if err != nil {
		return nil, err
	}
	defer unlock()
	b, err := read(path, name)
	if errors.Is(err, ErrNotFound) && create {
		b, err = &Baseline{Version: Version, Name: name}, nil
	}
	if err != nil {
		return nil, err
	}
	if err := change(b); err != nil {
		return nil, err
	}
	data, err := json.MarshalIndent(b, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode baseline %s: %w", name, err)
	}
	if err := result.WriteFileAtomic(path, append(data, '\n')); err != nil {
		return nil, fmt.Errorf("baseline %s: %w", name, err)
	}
	return b, nil
}

// read reads and validates the file of baseline name.
func read(path, name string) (*Baseline, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s has no file %s: record runs with `dbharness baseline record --name %s --result <result.json>`", ErrNotFound, name, path, name)
	}
	if err != nil {
		return nil, fmt.Errorf("read baseline %s: %w", name, err)
	}
	var head struct {
		Version *int `json:"version"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, fmt.Errorf("%s: not a baseline file (%v): fix or move it away; it is not overwritten", path, err)
	}
	if head.Version == nil {
		return nil, fmt.Errorf("%s: not a baseline file (no \"version\"): fix or move it away; it is not overwritten", path)
	}
	if *head.Version != Version {
		return nil, fmt.Errorf("%s: baseline schema version %d, this dbharness reads version %d: use a matching dbharness or move the file away; it is not overwritten", path, *head.Version, Version)
	}
	var b Baseline
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&b); err != nil {
		return nil, fmt.Errorf("%s: corrupt baseline file (%v): fix or move it away; it is not overwritten", path, err)
	}
	if err := b.validate(name); err != nil {
		return nil, fmt.Errorf("%s: %w: fix or move it away; it is not overwritten", path, err)
	}
	return &b, nil
}

// validate checks what the store relies on: the name, increasing run IDs, and acceptances
// that refer to recorded runs.
func (b *Baseline) validate(name string) error {
	if b.Name != name {
		return fmt.Errorf("the file holds baseline %q, not %q", b.Name, name)
	}
	ids := map[int]bool{}
	for i, r := range b.Runs {
		if r.ID < 1 || (i > 0 && r.ID <= b.Runs[i-1].ID) {
			return fmt.Errorf("run %d has id %d: ids must increase from 1", i+1, r.ID)
		}
		if r.Accepted < 0 || r.Accepted > b.Generation {
			return fmt.Errorf("run %d is marked accepted in generation %d, but the file is at generation %d", r.ID, r.Accepted, b.Generation)
		}
		ids[r.ID] = true
	}
	if len(b.Acceptances) != b.Generation {
		return fmt.Errorf("generation %d with %d acceptances recorded", b.Generation, len(b.Acceptances))
	}
	for i, a := range b.Acceptances {
		if a.Generation != i+1 {
			return fmt.Errorf("acceptance %d has generation %d", i+1, a.Generation)
		}
		for _, id := range a.Runs {
			if !ids[id] {
				return fmt.Errorf("acceptance %d names run %d, which is not in the file", a.Generation, id)
			}
		}
	}
	return nil
}

// EnvRoot names the environment variable that overrides DefaultRoot for the CLI and the
// steps (tests point it at a temporary folder).
const EnvRoot = "DBHARNESS_BASELINES"

// RootFromEnv returns $DBHARNESS_BASELINES, or DefaultRoot when it is empty.
func RootFromEnv() string {
	if r := os.Getenv(EnvRoot); r != "" {
		return r
	}
	return DefaultRoot
}
