package steps

import (
	"context"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dbharness/dbharness/collectors"
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

// A kind of finding the database never reports is refused, not taken for "none found": a
// typo (big-keys) must not pass. Validation says so before anything starts, and so does the
// step.
func TestAnUnknownFindingKindFails(t *testing.T) {
	c := NewChecker()
	problems := c.Check("", []StepText{{Text: "a Redis database", Line: 1}, {Text: "the analysis finds no big-keys", Line: 2}})
	if len(problems) != 1 || problems[0].Line != 2 || !strings.Contains(problems[0].Err.Error(), "its kinds are") || !strings.Contains(problems[0].Err.Error(), "big-key") {
		t.Errorf("problems = %v, want line 2 to list the kinds", problems)
	}
	w := newWorld(Options{})
	w.db = &database{engine: "redis"}
	w.analyzed = true
	if err := w.checkNoFinding(context.Background(), "big-keys"); err == nil || !strings.Contains(err.Error(), "big-key") {
		t.Errorf("checkNoFinding(big-keys) = %v, want it refused with the kinds", err)
	}
}

// A kind the analysis could not look for (the key sample failed) makes "no X" fail with the
// reason instead of passing on nothing; a positive check ignores the gap.
func TestAGapMakesNoFindingFail(t *testing.T) {
	w := newWorld(Options{})
	w.db = &database{engine: "redis"}
	w.analyzed = true
	w.findings = []collectors.Finding{collectors.Gap("big-key", "the key sample failed: SCAN timed out")}
	err := w.checkNoFinding(context.Background(), "big-key")
	if err == nil || !strings.Contains(err.Error(), "SCAN timed out") {
		t.Errorf("checkNoFinding with a gap = %v, want the reason", err)
	}
	w.findings = nil
	if err := w.checkNoFinding(context.Background(), "big-key"); err != nil {
		t.Errorf("checkNoFinding with nothing found and no gap = %v", err)
	}
}

// Two runs are one series only when every load option is the same: a ramp to 10/s and one
// to 1000/s are not, though both have one stage.
func TestSameLoadComparesEveryOption(t *testing.T) {
	ramp := func(target int) load.Options {
		return load.Options{Executor: "ramping-arrival-rate", StartRate: 1, PreAllocatedVUs: 2, MaxVUs: 4,
			Stages: []load.Stage{{Duration: time.Second, Target: target}}}
	}
	if sameLoad(ramp(10), ramp(1000)) {
		t.Error("ramps to 10/s and to 1000/s count as one series")
	}
	a, b := ramp(10), ramp(10)
	a.Seed, b.Seed = 1, 2
	if !sameLoad(a, b) {
		t.Error("the same load with other seeds counts as two series")
	}
	c := ramp(10)
	c.OpTimeout = time.Second
	if sameLoad(a, c) {
		t.Error("another operation timeout counts as the same load")
	}
}

// A recovery limit counts from the fault, not from the check: two checks of 15s after one
// fault allow 15s in all.
func TestRecoveryLimitsCountFromTheFault(t *testing.T) {
	w := newWorld(Options{})
	w.fault.at = time.Now().Add(-10 * time.Second)
	if got, want := w.recoveryDeadline(15*time.Second), w.fault.at.Add(15*time.Second); !got.Equal(want) {
		t.Errorf("deadline %s, want 15s after the fault (%s)", got, want)
	}
	w.fault.restored = w.fault.at.Add(8 * time.Second)
	if got, want := w.recoveryDeadline(15*time.Second), w.fault.restored.Add(15*time.Second); !got.Equal(want) {
		t.Errorf("deadline %s, want 15s after the restart (%s)", got, want)
	}
}

// declareTestDeadlocks declares the test database's finding kind once: the declarations are
// the process's, and -count=3 runs the test three times.
var declareTestDeadlocks sync.Once

// `no deadlock is found` fails with the deadlock's graph (the finding's Detail), so the
// failure shows what deadlocked, not only that something did.
func TestNoDeadlockFailsWithTheGraph(t *testing.T) {
	declareTestDeadlocks.Do(func() {
		collectors.DeclareFindings("zz-deadlocks", collectors.FindingKind{Kind: "deadlock", Subject: "the objects locked"})
	})
	w := newWorld(Options{})
	w.db = &database{engine: "zz-deadlocks"}
	w.analyzed = true
	if err := w.checkNoDeadlock(context.Background()); err != nil {
		t.Errorf("checkNoDeadlock with no deadlock = %v", err)
	}
	w.findings = []collectors.Finding{{Kind: "deadlock", Subject: "accounts", Summary: "2 transactions deadlocked",
		Detail: "victim: process 1 UPDATE accounts ...\nwaits for: KEY lock held by process 2"}}
	err := w.checkNoDeadlock(context.Background())
	if err == nil || !strings.Contains(err.Error(), "2 transactions deadlocked") || !strings.Contains(err.Error(), "waits for: KEY lock held by process 2") {
		t.Errorf("checkNoDeadlock with a deadlock = %v, want the summary and the graph", err)
	}
	w.db = &database{engine: "redis"}
	if err := w.checkNoDeadlock(context.Background()); err == nil || !strings.Contains(err.Error(), "its kinds are") {
		t.Errorf("checkNoDeadlock on a database without deadlock findings = %v, want it refused with the kinds", err)
	}
}

// applier is an engine that records the statements a scenario runs.
type applier struct{ ran *[]string }

func (applier) Name() string { return "zz-apply" }
func (applier) Describe() engines.Description {
	return engines.Description{Display: "Applier", Flavors: []engines.Flavor{{Name: "zz-apply"}}}
}
func (applier) Check(context.Context, engines.Provider) error { return nil }
func (applier) Start(context.Context, engines.Spec) (engines.Instance, error) {
	return &engines.Handle{}, nil
}
func (a applier) RunStatement(_ context.Context, _ engines.Instance, st string) error {
	*a.ran = append(*a.ran, st)
	return nil
}

var (
	registerApplier sync.Once
	applied         []string // the statements the test engine ran
)

// `the top missing-index finding is applied` runs the first finding's statement, starts a
// new series, forgets the findings (they describe the database before), and records the
// change; with nothing to apply it says why.
func TestTheTopFindingIsApplied(t *testing.T) {
	// Note: registered once per process (-count=3 runs the test three times), so the
	// statements it ran go to a package variable the test empties.
	registerApplier.Do(func() {
		engines.Register(applier{ran: &applied})
		collectors.DeclareFindings("zz-apply", collectors.FindingKind{Kind: "missing-index", Subject: "the table and key"})
	})
	applied = nil
	ran := func() []string { return applied }
	w := newWorld(Options{})
	w.db = &database{engine: "zz-apply", desc: applier{}.Describe(), inst: &engines.Handle{}}
	w.analyzed = true
	if err := w.applyFinding(context.Background(), "missing-index"); err == nil || !strings.Contains(err.Error(), "nothing to apply") {
		t.Errorf("with no finding: %v", err)
	}
	w.findings = []collectors.Finding{
		{Kind: "missing-index", Subject: "dbo.orders (status)"},
		{Kind: "missing-index", Subject: "dbo.orders (customer_id)", Apply: "CREATE INDEX ix ON dbo.orders (customer_id)"},
		{Kind: "missing-index", Subject: "dbo.lines (order_id)", Apply: "CREATE INDEX ix2 ON dbo.lines (order_id)"},
	}
	w.rec.Loads = append(w.rec.Loads, nil)
	if err := w.applyFinding(context.Background(), "missing-index"); err != nil {
		t.Fatal(err)
	}
	if len(ran()) != 1 || ran()[0] != "CREATE INDEX ix ON dbo.orders (customer_id)" {
		t.Errorf("ran %q, want the first finding with a statement", ran())
	}
	if w.analyzed || w.findings != nil || w.series != 1 {
		t.Errorf("after the change: analyzed %v, findings %v, series %d; want them reset and a new series", w.analyzed, w.findings, w.series)
	}
	if len(w.rec.Events) != 1 || w.rec.Events[0].Kind != "change" || !strings.Contains(w.rec.Events[0].Text, "dbo.orders (customer_id)") {
		t.Errorf("events %+v", w.rec.Events)
	}
	w.analyzed = true
	w.findings = []collectors.Finding{{Kind: "missing-index", Subject: "dbo.orders (status)"}}
	if err := w.applyFinding(context.Background(), "missing-index"); err == nil || !strings.Contains(err.Error(), "dbo.orders (status)") {
		t.Errorf("a finding without a statement: %v", err)
	}
	problems := NewChecker().Check("", []StepText{{Text: "a Redis database", Line: 1}, {Text: "the top missing-index finding is applied", Line: 2}})
	if len(problems) != 1 || !strings.Contains(problems[0].Err.Error(), "its kinds are") {
		t.Errorf("validation on a database without the kind: %v", problems)
	}
}
