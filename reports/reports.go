// Package reports renders a run's result for people and machines. Renderers register by
// name, as godog's formatters do; WriteAll writes every one of them into a folder.
package reports

import (
	"bytes"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"sync"

	"github.com/dbharness/dbharness/result"
)

// A Renderer writes a report in one format.
type Renderer struct {
	Name        string
	Description string
	File        string // file name inside the output folder
	Render      func(w io.Writer, r *result.Report) error
}

var (
	mu        sync.RWMutex
	renderers = map[string]Renderer{}
)

// Register adds a renderer; it panics on an empty or duplicate name (a programming error).
func Register(r Renderer) {
	if r.Name == "" || r.File == "" || r.Render == nil {
		panic("reports: Register needs a name, a file and a render function")
	}
	mu.Lock()
	defer mu.Unlock()
	if _, dup := renderers[r.Name]; dup {
		panic("reports: Register called twice for " + r.Name)
	}
	renderers[r.Name] = r
}

// Renderers lists the registered renderers, sorted by name.
func Renderers() []Renderer {
	mu.RLock()
	defer mu.RUnlock()
	out := make([]Renderer, 0, len(renderers))
	for _, r := range renderers {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// WriteAll renders the report in every registered format into dir, each file atomically,
// and returns the paths written.
func WriteAll(dir string, rep *result.Report) ([]string, error) {
	var paths []string
	for _, r := range Renderers() {
		var buf bytes.Buffer
		if err := r.Render(&buf, rep); err != nil {
			return paths, fmt.Errorf("render %s report: %w", r.Name, err)
		}
		path := filepath.Join(dir, r.File)
		if err := result.WriteFileAtomic(path, buf.Bytes()); err != nil {
			return paths, err
		}
		paths = append(paths, path)
	}
	return paths, nil
}
