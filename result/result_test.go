package result

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestWriteAndReadJSONRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out", "result.json")
	in := &Report{SchemaVersion: SchemaVersion, StartedAt: time.Unix(100, 0).UTC(), Environment: DetectEnvironment(),
		Scenarios: []*Scenario{{Name: "s", Status: "passed", Checks: []Check{{Step: "x", Status: "passed", Passed: true}}}}}
	if err := WriteJSON(path, in); err != nil {
		t.Fatal(err)
	}
	out, err := ReadJSON(path)
	if err != nil {
		t.Fatal(err)
	}
	if out.Scenarios[0].Name != "s" || out.Environment.CPUs == 0 || out.Environment.GoVersion == "" {
		t.Errorf("round trip lost data: %+v", out)
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Errorf("temporary files left beside the result: %v", entries)
	}
}

func TestReadJSONNamesThePathAndTheProblem(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte("{not json"), 0o644)
	if _, err := ReadJSON(bad); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("ReadJSON(corrupt) = %v, want the path", err)
	}
	future := filepath.Join(dir, "future.json")
	os.WriteFile(future, []byte(`{"schema_version": 99}`), 0o644)
	if _, err := ReadJSON(future); err == nil || !strings.Contains(err.Error(), "schema version 99") {
		t.Errorf("ReadJSON(v99) = %v, want the version named", err)
	}
}

func TestWriteFileAtomicKeepsTheOldFileOnFailure(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "keep.json")
	if err := WriteFileAtomic(path, []byte("old")); err != nil {
		t.Fatal(err)
	}
	// A directory where the temp file should go makes the write fail before the rename.
	if err := WriteFileAtomic(filepath.Join(path, "child"), []byte("new")); err == nil {
		t.Fatal("writing below a file succeeded")
	}
	if b, _ := os.ReadFile(path); string(b) != "old" {
		t.Errorf("old file now %q", b)
	}
}
