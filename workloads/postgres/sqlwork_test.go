package postgres

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbharness/dbharness/workloads"
	"github.com/dbharness/dbharness/workloads/internal/scratchdb"
	"github.com/dbharness/dbharness/workloads/load"
)

// The ledger of features/postgresql runs on a real server: its setup loads (twice: the drop
// makes it repeatable), every operation runs under load without errors, and its invariant
// holds afterwards. A ledger that moves balances without entries breaks the invariant, and
// the check says so: it is not one that passes on anything.
func TestDeclarativeLedgerKeepsItsInvariant(t *testing.T) {
	ctx := context.Background()
	target := workloads.Target{Engine: Database, DSN: scratchdb.New(t)}
	w, ds, err := workloads.OpenFile(Database, "../../features/postgresql/ledger.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if ds == nil {
		t.Fatal("the ledger declares a setup, but no dataset came with it")
	}
	for range 2 {
		if err := ds.Load(ctx, target, 1, nil); err != nil {
			t.Fatalf("load the setup: %v", err)
		}
	}
	s, err := load.Run(ctx, w, target, load.Options{Executor: "shared-iterations", Iterations: 600, VUs: 4, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	if s.Total.Errors != 0 || s.Iterations != 600 {
		t.Fatalf("%d iterations, %d errors: %v", s.Iterations, s.Total.Errors, s.Total.ErrorExamples)
	}
	for _, op := range []string{"post", "balance", "statement"} {
		if o, err := s.Op(op); err != nil || o.Count == 0 {
			t.Errorf("operation %s ran %v times (%v)", op, o, err)
		}
	}
	held, err := w.(workloads.InvariantChecker).CheckInvariants(ctx, target)
	if err != nil || len(held) != 2 || !held[0].Held || !held[1].Held {
		t.Fatalf("invariants = %+v, %v; want both held", held, err)
	}
	c := conn(t, target.DSN)
	if n := count(t, c, "SELECT count(*) FROM accounts WHERE last_entry IS NOT NULL"); n == 0 {
		t.Error("no account names its last entry: the id the insert returned did not reach the update")
	}

	// The same ledger, but a posting forgets its entry.
	b, _ := os.ReadFile("../../features/postgresql/ledger.yaml")
	broken := strings.Replace(string(b), "      - sql: INSERT INTO entries (account_id, amount, memo) VALUES (:account, :amount, :memo) RETURNING id\n        returns: [entry_id]\n", "      - sql: SELECT 0\n        returns: [entry_id]\n", 1)
	path := filepath.Join(t.TempDir(), "broken.yaml")
	os.WriteFile(path, []byte(broken), 0o644)
	bw, _, err := workloads.OpenFile(Database, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := load.Run(ctx, bw, target, load.Options{Executor: "shared-iterations", Iterations: 50, VUs: 1, Seed: 7}); err != nil {
		t.Fatal(err)
	}
	held, err = bw.(workloads.InvariantChecker).CheckInvariants(ctx, target)
	if err != nil || len(held) != 2 || held[0].Held || !held[1].Held || held[0].Got != "false" {
		t.Errorf("invariants of the broken ledger = %+v, %v; want the first broken", held, err)
	}
}

// A workload file whose setup fails names the file and line of the statement that failed.
func TestSetupErrorsNameTheFileAndLine(t *testing.T) {
	ctx := context.Background()
	target := workloads.Target{Engine: Database, DSN: scratchdb.New(t)}
	path := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(path, []byte("name: bad\nsetup:\n  schema: |\n    CREATE TABLE a (id int);\n    CREATE TABLE b (id nosuchtype);\noperations:\n  - name: o\n    statements: [SELECT 1]\n"), 0o644)
	_, ds, err := workloads.OpenFile(Database, path)
	if err != nil {
		t.Fatal(err)
	}
	err = ds.Load(ctx, target, 1, nil)
	if err == nil || !strings.Contains(err.Error(), path+":5: setup schema, statement 2") || !strings.Contains(err.Error(), "nosuchtype") {
		t.Errorf("Load = %v, want file, line 5 and statement 2 named", err)
	}
	// Before its dataset, a run says what to load.
	w, _, _ := workloads.OpenFile(Database, "../../features/postgresql/ledger.yaml")
	_, err = workloads.ForRun(ctx, w, target)
	if err == nil || !strings.Contains(err.Error(), "ledger.yaml") || !strings.Contains(err.Error(), "dataset") {
		t.Errorf("a run before the setup = %v, want it to say to load the dataset", err)
	}
}
