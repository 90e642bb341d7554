package mongodb

import (
	"os"
	"strings"
	"testing"
)

// The FerretDB version the engine reports in test binaries is the one go.mod requires.
func TestFerretDBVersionMatchesGoMod(t *testing.T) {
	b, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	want := "github.com/FerretDB/FerretDB " + ferretdbRequired + "\n"
	if !strings.Contains(string(b), want) {
		t.Errorf("go.mod does not require %q: update ferretdbRequired in flavor.go", strings.TrimSpace(want))
	}
}
