package steps

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	_ "github.com/dbharness/dbharness/databases"
	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/workloads/load"
)

func TestEveryExampleMatchesItsPatternAndNoOther(t *testing.T) {
	seen := map[string]bool{}
	vocabulary := Vocabulary()
	for _, s := range vocabulary {
		if err := s.ExampleMatches(); err != nil {
			t.Error(err)
		}
		// godog runs strict: a step two sentences match is an error, so no example may
		// match another sentence's pattern.
		for _, other := range vocabulary {
			if other.Pattern != s.Pattern && regexp.MustCompile(other.Pattern).MatchString(s.Example) {
				t.Errorf("example %q also matches %q", s.Example, other.Pattern)
			}
		}
		if seen[s.Pattern] {
			t.Errorf("pattern %q defined twice", s.Pattern)
		}
		seen[s.Pattern] = true
		if s.Help == "" || s.Keyword == "" {
			t.Errorf("sentence %q lacks help or keyword", s.Example)
		}
	}
}

// A database that dies mid-run ends the load within seconds with an error that says the
// database exited and shows its log, and the partial summary is kept.
func TestDatabaseKilledMidRunEndsTheStepWithItsLog(t *testing.T) {
	ctx := context.Background()
	w := newWorld(Options{Provider: engines.ProviderNative})
	defer w.close()
	if err := w.startDatabase(ctx, "PostgreSQL", ""); err != nil {
		t.Fatal(err)
	}
	if err := w.loadDataset(ctx, "pgbench", 1); err != nil {
		t.Fatal(err)
	}
	killer, ok := w.db.inst.(engines.Killer)
	if !ok {
		t.Fatal("native instance cannot be killed")
	}
	time.AfterFunc(1500*time.Millisecond, func() { killer.Kill() })
	start := time.Now()
	err := w.runWorkload(ctx, "point-select", load.Options{Executor: "constant-vus", VUs: 2, Duration: 5 * time.Minute})
	took := time.Since(start)
	if took > time.Minute { // only a step that ignored the death runs its 5 minutes
		t.Errorf("the step took %s after the kill at 1.5s; want it to end when the database died", took)
	}
	if err == nil {
		t.Fatal("the step passed although the database was killed")
	}
	for _, want := range []string{"exited during the step", "exited unexpectedly", "last lines"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if n := strings.Count(err.Error(), "--- last lines of"); n != 1 {
		t.Errorf("the server's log tail appears %d times, want once:\n%v", n, err)
	}
	if w.lastLoad == nil || w.lastLoad.Iterations == 0 || !w.rec.Partial {
		t.Errorf("want a partial summary with the operations measured before the kill; got %+v partial=%v", w.lastLoad, w.rec.Partial)
	}
}

func TestChecksNeedALoadFirst(t *testing.T) {
	w := newWorld(Options{})
	if err := w.checkLatency(context.Background(), "95", "x", "1ms"); err == nil || !strings.Contains(err.Error(), "no workload has run") {
		t.Errorf("checkLatency without load = %v", err)
	}
	if err := w.loadDataset(context.Background(), "pgbench", 1); err == nil || !strings.Contains(err.Error(), "a PostgreSQL 15 database") {
		t.Errorf("dataset without database = %v, want the sentence to add", err)
	}
}

func TestParsers(t *testing.T) {
	for in, want := range map[string]float64{"0.1%": 0.001, "1%": 0.01, "0.05": 0.05} {
		if got, err := parsePercent(in); err != nil || got != want {
			t.Errorf("parsePercent(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"abc", "150%", "2", "-1%"} {
		if _, err := parsePercent(bad); err == nil {
			t.Errorf("parsePercent(%q) accepted", bad)
		}
	}
	if _, err := parseDuration("20 seconds"); err == nil || !strings.Contains(err.Error(), "500ms, 20s") {
		t.Errorf("parseDuration(20 seconds) = %v", err)
	}
}

// The fault, background and read-back sentences say what to write first when used out of
// order, without a database where none is needed to know that.
func TestFaultAndLoadSentencesInTheWrongOrder(t *testing.T) {
	ctx := context.Background()
	w := newWorld(Options{})
	cases := []struct {
		step func() error
		want string
	}{
		{func() error { return w.breakPrimary(ctx, "killed") }, "no database yet"},
		{func() error { return w.waitBackground(ctx) }, "no workload runs in the background"},
		{func() error { return w.checkNoLoss(ctx) }, "no workload has run yet"},
		{func() error { return w.checkNewPrimary(ctx, "1s") }, "no database yet"},
		{func() error { return w.analyze(ctx) }, "no database yet"},
		{func() error { return w.wait(ctx, "soon") }, "is not a duration"},
		{func() error { return w.checkLossAtMost(ctx, "lots") }, "is not a rate"},
	}
	for i, c := range cases {
		if err := c.step(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("case %d: error %v, want it to say %q", i, err, c.want)
		}
	}
}

// A database without topology verbs (a single PostgreSQL) refuses fault sentences and says
// why, and a workload that does not record its writes cannot be read back.
func TestFaultsNeedATopologyAndReadBackNeedsARecordingWorkload(t *testing.T) {
	ctx := context.Background()
	w := newWorld(Options{Provider: engines.ProviderNative})
	defer w.close()
	if err := w.startDatabase(ctx, "PostgreSQL", ""); err != nil {
		t.Fatal(err)
	}
	if err := w.breakPrimary(ctx, "killed"); err == nil || !strings.Contains(err.Error(), "cannot break or check nodes") {
		t.Errorf("fault on PostgreSQL = %v", err)
	}
	if err := w.loadDataset(ctx, "pgbench", 1); err != nil {
		t.Fatal(err)
	}
	if err := w.runWorkload(ctx, "point-select", load.Options{Executor: "constant-vus", VUs: 1, Duration: 200 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	if err := w.checkNoLoss(ctx); err == nil || !strings.Contains(err.Error(), "does not record its acknowledged writes") {
		t.Errorf("read-back after point-select = %v", err)
	}
}
