package gate

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dbharness/dbharness/baselines/stats"
	"github.com/dbharness/dbharness/baselines/store"
	"github.com/dbharness/dbharness/collectors/catalog"
	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/machine"
	"github.com/dbharness/dbharness/result"
)

// noise are the relative deviations of five runs from their level: ±1% at most, as runs
// on a quiet machine vary.
var noise = []float64{-0.01, -0.005, 0, 0.005, 0.01}

// otherNoise is another draw of the same noise, for the second side of an A/A comparison.
var otherNoise = []float64{-0.007, 0.008, -0.002, 0.003, -0.004}

// synthRun is one run of a one-operation workload at opsPerSec with a p95 of p95ms, and
// database metrics.
func synthRun(opsPerSec, p95ms, dev float64, metrics map[string]float64) store.Run {
	f := 1 + dev
	m := store.Measures{Name: "transfer", Count: 10000, OpsPerSec: opsPerSec * f,
		P50: time.Duration(p95ms / 3 * f * float64(time.Millisecond)),
		P95: time.Duration(p95ms * f * float64(time.Millisecond)),
		P99: time.Duration(2 * p95ms * f * float64(time.Millisecond))}
	r := store.Run{Workload: "postgresql/tpcb", Executor: "constant-vus",
		Environment: result.Environment{Host: "ci-1", CPUModel: "Xeon", CPUs: 8, OS: "linux", Arch: "amd64"},
		Engine:      &engines.Info{Engine: "postgresql", Version: "15.8", Settings: map[string]string{"shared_buffers": "128MB"}},
		Operations:  []store.Measures{m}, Total: m, Metrics: map[string]store.Metric{}}
	r.Total.Name = "*"
	for name, v := range metrics {
		r.Metrics[name] = store.Metric{Stat: store.PerSecond, Value: v}
	}
	return r
}

// sides builds five baseline and five candidate runs; the candidate is slower by slowdown
// (0.10 = 10% fewer ops/s, 10% higher latency) and its blocks read move by blocksShift
// standard deviations.
func sides(slowdown, blocksShift float64, candNoise []float64) (base, cand []store.Run) {
	blocks := []float64{10, 11, 12, 13, 14} // standard deviation 1.58
	sd := stats.StdDev(blocks)
	wobble := []float64{5, 6, 7, 8, 9}
	for i := range 5 {
		base = append(base, synthRun(1000, 10, noise[i], map[string]float64{
			"db_blocks_read_total": blocks[i], "db_wobble_total": wobble[i], "db_constant": 3,
			"db_commits_total": 1000 * (1 + noise[i]),
		}))
		cand = append(cand, synthRun(1000*(1-slowdown), 10*(1+slowdown), candNoise[i], map[string]float64{
			"db_blocks_read_total": blocks[i] + blocksShift*sd, "db_wobble_total": wobble[(i+2)%5], "db_constant": 3,
			// commits scale with throughput but vary more: they move less than 5 SD.
			"db_commits_total": 1000 * (1 - slowdown) * (1 + 8*candNoise[i]),
		}))
	}
	return base, cand
}

func TestTenPercentSlowerIsRegressedAndTheMovedMetricRanksFirst(t *testing.T) {
	base, cand := sides(0.10, 5, noise)
	rep := Compare("postgresql/tpcb", base, cand, Options{})
	if rep.Verdict != stats.Regressed {
		t.Fatalf("verdict %s, want regressed; rows %+v", rep.Verdict, rep.Rows)
	}
	for _, row := range rep.Rows {
		want := stats.Regressed
		if row.Measure == "error rate" {
			want = stats.Unchanged
		}
		if row.Verdict != want {
			t.Errorf("%s %s: %s, want %s", row.Operation, row.Measure, row.Verdict, want)
		}
	}
	if len(rep.Rows) != 4 {
		t.Errorf("a one-operation workload gives %d rows, want 4 (no separate total)", len(rep.Rows))
	}
	if len(rep.Attribution) == 0 || rep.Attribution[0].Metric != "db_blocks_read_total" {
		t.Fatalf("attribution %+v, want db_blocks_read_total first", rep.Attribution)
	}
	if got := float64(rep.Attribution[0].Effect); got < 4.99 || got > 5.01 {
		t.Errorf("effect %v, want 5", got)
	}
	for _, m := range rep.Attribution {
		if m.Metric == "db_constant" || m.Metric == "db_wobble_total" {
			t.Errorf("%s listed: it did not move", m.Metric)
		}
	}
	if len(rep.Warnings) != 0 {
		t.Errorf("warnings on alike sides: %v", rep.Warnings)
	}
}

func TestAAIsUnchanged(t *testing.T) {
	base, cand := sides(0, 0, otherNoise)
	rep := Compare("postgresql/tpcb", base, cand, Options{})
	if rep.Verdict != stats.Unchanged {
		t.Errorf("A/A verdict %s, want unchanged; rows %+v", rep.Verdict, rep.Rows)
	}
	if len(rep.Attribution) != 0 {
		t.Errorf("attribution without a regression: %+v", rep.Attribution)
	}
}

func TestTooFewRunsIsInconclusive(t *testing.T) {
	base, cand := sides(0.10, 5, noise)
	rep := Compare("x", base[:3], cand[:3], Options{})
	if rep.Verdict != stats.Inconclusive {
		t.Errorf("3 runs per side: %s, want inconclusive", rep.Verdict)
	}
	// At 95% confidence (alpha 0.05) four runs per side can decide.
	rep = Compare("x", base[:4], cand[:4], Options{Confidence: 0.95})
	if rep.Verdict != stats.Regressed {
		t.Errorf("4 runs per side at 95%%: %s, want regressed", rep.Verdict)
	}
}

func TestErrorsAppearingIsARegression(t *testing.T) {
	base, cand := sides(0, 0, otherNoise)
	for i := range cand {
		cand[i].Total.Errors, cand[i].Total.ErrorRate = 10, 0.001*(1+otherNoise[i])
		cand[i].Operations[0].ErrorRate = cand[i].Total.ErrorRate
	}
	rep := Compare("x", base, cand, Options{})
	if rep.Verdict != stats.Regressed {
		t.Errorf("verdict %s, want regressed", rep.Verdict)
	}
	for _, row := range rep.Rows {
		if row.Measure == "error rate" && (row.Verdict != stats.Regressed || float64(row.Baseline) != 0) {
			t.Errorf("error rate row %+v", row)
		}
	}
}

func TestEnvironmentMismatchIsFlagged(t *testing.T) {
	base, cand := sides(0, 0, otherNoise)
	for i := range cand {
		cand[i].Environment.CPUModel = "EPYC"
		cand[i].Engine = &engines.Info{Engine: "postgresql", Version: "16.2", Settings: map[string]string{"shared_buffers": "1GB"}}
	}
	rep := Compare("x", base, cand, Options{})
	text := strings.Join(rep.Warnings, "\n")
	for _, want := range []string{"CPU model differs: baseline Xeon, candidate EPYC: a comparison across machines",
		"engine version differs: baseline 15.8, candidate 16.2", "setting shared_buffers differs: baseline 128MB, candidate 1GB"} {
		if !strings.Contains(text, want) {
			t.Errorf("warnings lack %q:\n%s", want, text)
		}
	}
}

func TestMarkdownAndJSON(t *testing.T) {
	base, cand := sides(0.10, 5, noise)
	rep := Compare("postgresql/tpcb", base, cand, Options{})
	var md bytes.Buffer
	if err := rep.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s", md.String())
	for _, want := range []string{
		"### Baseline `postgresql/tpcb`: regressed",
		"| measure | baseline | candidate | delta (95% CI) | p | verdict |",
		"| transfer ops/s | 1,000 | 900 | -10.0% (",
		"| transfer p95 | 10ms | 11ms | +10.0% (",
		"| transfer error rate | 0% | 0% | ~ | - | unchanged |",
		"In the same window",
		"- `db_blocks_read_total` per second 12 → 19.9 (+66%, 5.0 SD)",
	} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("Markdown lacks %q", want)
		}
	}
	if strings.Contains(strings.ToLower(md.String()), "because") {
		t.Error("the report says \"because\"")
	}
	b, err := json.Marshal(Compare("x", base[:2], cand[:2], Options{})) // NaN statistics
	if err != nil {
		t.Fatalf("JSON of an undecided comparison: %v", err)
	}
	var back Report
	if err := json.Unmarshal(b, &back); err != nil || back.Verdict != stats.Inconclusive {
		t.Errorf("round trip: %v, %+v", err, back)
	}
}

func TestHistoryFindsWhereAShiftBegan(t *testing.T) {
	var runs []store.Run
	for i := range 20 {
		level := 1000.0
		if i >= 12 {
			level = 900
		}
		r := synthRun(level, 10, noise[i%5], nil)
		r.ID = i + 1
		runs = append(runs, r)
	}
	shifts := History(runs, stats.EDivisiveConfig{Seed: 1})
	found := false
	for _, s := range shifts {
		if s.Measure == "ops/s" && s.Operation == "transfer" {
			found = true
			if s.RunID != 13 || s.Before < 990 || s.After > 910 {
				t.Errorf("shift %+v, want from run 13, 1000 -> 900", s)
			}
		}
	}
	if !found {
		t.Errorf("no ops/s shift found: %+v", shifts)
	}
}

func TestFormatting(t *testing.T) {
	for x, want := range map[float64]string{12: "12", 4800: "4,800", 0.991: "0.991", 1234567: "1,234,567", 99.14: "99.1", 0: "0", 1.5: "1.5", -2500: "-2,500"} {
		if got := formatNumber(x); got != want {
			t.Errorf("formatNumber(%v) = %q, want %q", x, got, want)
		}
	}
	m := Moved{Metric: "postgresql_blocks_read_total", Stat: store.PerSecond, Baseline: 12, Candidate: 4800, Effect: 41}
	if got, want := movedText(m), "postgresql_blocks_read_total per second 12 → 4,800 (+399x, 41.0 SD)"; got != want {
		t.Errorf("movedText = %q, want %q", got, want)
	}
	for s, want := range map[float64]string{0.0041: "4.1ms", 0.000812: "812µs", 1.25: "1.25s"} {
		if got := formatSeconds(s); got != want {
			t.Errorf("formatSeconds(%v) = %q, want %q", s, got, want)
		}
	}
}

func TestCompareReportSaysWhereTheHistoryShifted(t *testing.T) {
	// Ten recorded runs: five at 1000 ops/s, then five at 900 (an earlier, accepted shift);
	// the candidate's five runs sit at 810: a second shift, in the candidate's runs.
	var recorded, cand []store.Run
	for i := range 10 {
		level := 1000.0
		if i >= 5 {
			level = 900
		}
		r := synthRun(level, 10, noise[i%5], nil)
		r.ID = i + 1
		recorded = append(recorded, r)
	}
	for i := range 5 {
		cand = append(cand, synthRun(810, 10, otherNoise[i], nil))
	}
	rep := Compare("postgresql/tpcb", recorded[5:], cand, Options{})
	rep.AddHistory(recorded, cand, stats.EDivisiveConfig{Seed: 1})
	var inHistory, inCandidate bool
	for _, s := range rep.Shifts {
		if s.Operation != "transfer" || s.Measure != "ops/s" {
			continue
		}
		switch {
		case s.RunID == 6 && !s.Candidate:
			inHistory = true
		case s.RunID == 11 && s.Candidate:
			inCandidate = true
		default:
			t.Errorf("unexpected shift %+v", s)
		}
	}
	if !inHistory || !inCandidate || rep.HistoryRuns != 15 {
		t.Fatalf("want ops/s shifts from run 6 (history) and 11 (candidate) over 15 runs; got %d runs, %+v", rep.HistoryRuns, rep.Shifts)
	}
	var md bytes.Buffer
	if err := rep.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Change points in the history (15 runs", "transfer ops/s: from run 11, in the candidate's runs", "transfer ops/s: from run 6 ("} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("markdown lacks %q:\n%s", want, md.String())
		}
	}
}

// A labelled series kept with the runs is ranked like any metric, so the report can name
// the statement whose time moved, not only that the sum of all statements did.
func TestAttributionNamesTheStatementThatMoved(t *testing.T) {
	const slow = `postgresql_statements_seconds_total{query="UPDATE accounts SET balance = balance + $1 WHERE aid = $2"}`
	const other = `postgresql_statements_seconds_total{query="SELECT abalance FROM accounts WHERE aid = $1"}`
	var base, cand []store.Run
	for i, dev := range noise {
		base = append(base, synthRun(1000, 2, dev, map[string]float64{slow: 0.10 * (1 + dev), other: 0.05 * (1 + otherNoise[i])}))
		cand = append(cand, synthRun(900, 2.2, otherNoise[i], map[string]float64{slow: 0.31 * (1 + otherNoise[i]), other: 0.05 * (1 + dev)}))
	}
	moved := Attribute(base, cand, 3, 2)
	if len(moved) == 0 || moved[0].Metric != slow {
		t.Fatalf("moved = %+v, want the UPDATE first", moved)
	}
	if !strings.Contains(moved[0].Text, "UPDATE accounts") || !strings.Contains(moved[0].Text, "+2.1x") {
		t.Errorf("text %q, want the statement and its +2.1x", moved[0].Text)
	}
	for _, m := range moved {
		if m.Metric == other {
			t.Errorf("the unchanged SELECT moved: %+v", m)
		}
	}
}

// withMachine gives runs what the machine did: neighbours CPUs of other work, the servers'
// CPU per operation.
func withMachine(runs []store.Run, neighbours, pressure, serverCPUPerOp float64) []store.Run {
	for i := range runs {
		ops := float64(runs[i].Total.Count)
		runs[i].Machine = &machine.Usage{Seconds: 10, CPUs: 2, OtherCPU: neighbours * 10, CPUPressure: pressure,
			ServerCPU: serverCPUPerOp * ops * (1 + noise[i%len(noise)]), ServersSeen: true, ClientCPU: 0.2 * ops / 10000 * (1 + otherNoise[i%len(otherNoise)])}
	}
	return runs
}

// A candidate that is slower because its machine was busier is not called regressed: the
// verdict is inconclusive, says the machine was busy with the figures, and the CPU per
// operation (unchanged) still decides. The same slowdown on equally quiet machines is a
// regression, and so is a server CPU per operation that grew, busy or not.
func TestABusyMachineExplainsASlowdownButNotACostIncrease(t *testing.T) {
	side := func(opsPerSec, p95 float64, dev []float64) []store.Run {
		var runs []store.Run
		for _, d := range dev {
			runs = append(runs, synthRun(opsPerSec, p95, d, nil))
		}
		return runs
	}
	quiet := withMachine(side(1000, 2, noise), 0.02, 0.03, 0.0005)
	busy := withMachine(side(800, 3, otherNoise), 1.3, 0.55, 0.0005)
	rep := Compare("pg/x", quiet, busy, Options{})
	if rep.Verdict != stats.Inconclusive || rep.Busy == "" || !strings.Contains(rep.Busy, "neighbours 0.02 → 1.3 CPUs") {
		t.Fatalf("verdict %s, busy %q; want inconclusive because the candidate's machine was busier", rep.Verdict, rep.Busy)
	}
	var md bytes.Buffer
	rep.WriteMarkdown(&md)
	if !strings.Contains(md.String(), "inconclusive: machine busy") || !strings.Contains(md.String(), "server CPU/op") {
		t.Errorf("markdown does not say the machine was busy or show the cost:\n%s", md.String())
	}

	calm := withMachine(side(800, 3, otherNoise), 0.03, 0.04, 0.0005)
	if rep := Compare("pg/x", quiet, calm, Options{}); rep.Verdict != stats.Regressed || rep.Busy != "" {
		t.Errorf("the same slowdown on a quiet machine: verdict %s, busy %q; want regressed", rep.Verdict, rep.Busy)
	}

	costly := withMachine(side(800, 3, otherNoise), 1.3, 0.55, 0.0007)
	rep = Compare("pg/x", quiet, costly, Options{})
	if rep.Verdict != stats.Regressed || !slices.Contains(rep.DecidedBy, "all operations server CPU/op") {
		t.Errorf("40%% more server CPU per operation on a busy machine: verdict %s decided by %v; want regressed by the cost", rep.Verdict, rep.DecidedBy)
	}
}

// TestRoundsAreComparedAsPairs: runs taken in rounds whose machine drifted 10% from round to
// round, the candidate 6% slower within each round, are regressed when compared as pairs,
// while the same values without rounds cannot decide; the Markdown says how they were
// compared.
func TestRoundsAreComparedAsPairs(t *testing.T) {
	drift := []float64{0, 0.10, -0.08, 0.05, -0.12}
	var base, cand []store.Run
	for i, d := range drift {
		b := synthRun(1000, 2, d+noise[i]/2, nil)
		c := synthRun(1000*0.94, 2/0.94, d+otherNoise[i]/2, nil)
		b.Round, c.Round = 5-i, 5-i // recorded in any order; the round pairs them
		base, cand = append(base, b), append(cand, c)
	}
	rep := Compare("pg/x", base, cand, Options{})
	if rep.Rounds != 5 || rep.Verdict != stats.Regressed {
		t.Fatalf("in rounds: %d rounds, verdict %s; want 5 rounds, regressed; rows %+v", rep.Rounds, rep.Verdict, rep.Rows)
	}
	var md bytes.Buffer
	rep.WriteMarkdown(&md)
	if !strings.Contains(md.String(), "5 rounds of a baseline and a candidate run") || !strings.Contains(md.String(), "(rank ") {
		t.Errorf("the Markdown does not say the runs were paired:\n%s", md.String())
	}
	for i := range base {
		base[i].Round, cand[i].Round = 0, 0
	}
	if rep := Compare("pg/x", base, cand, Options{}); rep.Rounds != 0 || rep.Verdict != stats.Inconclusive {
		t.Errorf("without rounds: %d rounds, verdict %s; want unpaired and inconclusive", rep.Rounds, rep.Verdict)
	}
	// A round with a run on one side only breaks the pairing: no pairs are made up.
	base[0].Round, cand[0].Round = 1, 2
	if _, _, ok := inRounds(base, cand); ok {
		t.Error("runs with missing rounds were paired")
	}
}

// TestOneRunPerSideShowsItsSecondsInterval: one run against one run cannot decide, but the
// throughput row gets an interval from the runs' seconds and says what it shows.
func TestOneRunPerSideShowsItsSecondsInterval(t *testing.T) {
	seconds := func(opsPerSec float64) []store.Interval {
		var out []store.Interval
		for i := range 10 {
			out = append(out, store.Interval{OpsPerSec: opsPerSec * (1 + noise[i%5])})
		}
		return out
	}
	b, c := synthRun(1000, 2, 0, nil), synthRun(800, 2.5, 0, nil)
	b.Intervals, c.Intervals = seconds(1000), seconds(800)
	rep := Compare("pg/x", []store.Run{b}, []store.Run{c}, Options{})
	if rep.Verdict != stats.Inconclusive {
		t.Errorf("one run per side: %s, want inconclusive", rep.Verdict)
	}
	row := rep.Rows[0]
	if row.Measure != "ops/s" || !(float64(row.CIHigh) < 0.9) || !(float64(row.CILow) > 0.7) {
		t.Fatalf("ops/s row %+v: want an interval around 0.8 from the seconds", row)
	}
	if !slices.ContainsFunc(row.Warnings, func(w string) bool { return strings.Contains(w, "only the noise within a run") }) {
		t.Errorf("the row does not say what its interval shows: %q", row.Warnings)
	}
}

// The metrics of the label-change tests, declared as collectors declare theirs: a
// statement's plan is an attribute, a scraper's name is not.
func init() {
	catalog.Register(
		catalog.Metric{Name: "gatetest_top_sql_elapsed_seconds_total", Type: catalog.Counter, Unit: catalog.Seconds,
			Help: "Time per statement.", Labels: []string{"inst_id", "sql_id", "plan_hash_value", "sql_text"},
			Attributes: []string{"plan_hash_value"}, Database: "gatetest"},
		catalog.Metric{Name: "gatetest_scrape_duration_seconds", Type: catalog.Gauge, Unit: catalog.Seconds,
			Help: "Time per scraper.", Labels: []string{"node", "scraper"}, Database: "gatetest"})
}

// A statement that ran with another plan in the candidate's runs is reported with the label
// that changed; series that differ in more than one label (another statement) are not.
func TestLabelChangesNameANewPlan(t *testing.T) {
	series := func(plan, sqlID, text string) string {
		return store.SeriesName("gatetest_top_sql_elapsed_seconds_total",
			map[string]string{"inst_id": "1", "sql_id": sqlID, "plan_hash_value": plan, "sql_text": text})
	}
	run := func(names ...string) store.Run {
		r := store.Run{Metrics: map[string]store.Metric{"gatetest_top_sql_elapsed_seconds_total": {Stat: store.PerSecond, Value: 1}}}
		for _, n := range names {
			r.Metrics[n] = store.Metric{Stat: store.PerSecond, Value: 0.2}
		}
		return r
	}
	const upd = "UPDATE accounts SET balance = balance + :1 WHERE id = :2"
	base := []store.Run{run(series("2843271099", "7x3ad0bgmyv4k", upd), series("1311255720", "g4y6nw3tts7cc", "SELECT balance FROM accounts WHERE id = :1"))}
	cand := []store.Run{run(series("1094335251", "7x3ad0bgmyv4k", upd), series("3884345238", "an4ks8dpbkz1s", "INSERT INTO entries VALUES (:1)"))}
	got := LabelChanges(base, cand)
	if len(got) != 1 {
		t.Fatalf("changes %+v, want the update's plan only", got)
	}
	c := got[0]
	if c.Label != "plan_hash_value" || c.From[0] != "2843271099" || c.To[0] != "1094335251" || !strings.Contains(c.Series, `sql_id="7x3ad0bgmyv4k"`) {
		t.Errorf("change %+v", c)
	}
	if !strings.Contains(c.Text, "plan_hash_value 2843271099 → 1094335251") {
		t.Errorf("text %q", c.Text)
	}
	if same := LabelChanges(base, base); len(same) != 0 {
		t.Errorf("the same series on both sides: %+v", same)
	}
	rep := Compare("oracle/plsql-bank", base, cand, Options{})
	if len(rep.Changed) != 1 || len(rep.Summary().Changed) != 1 {
		t.Errorf("the report's changes %+v", rep.Changed)
	}
}

// A top-N list that kept another scraper on one side is another series, not a change: only
// a label the metric declares an attribute can change.
func TestLabelChangesIgnoreLabelsThatNameTheSeries(t *testing.T) {
	run := func(scraper string) store.Run {
		name := store.SeriesName("gatetest_scrape_duration_seconds", map[string]string{"node": "n1", "scraper": scraper})
		return store.Run{Metrics: map[string]store.Metric{name: {Stat: store.Mean, Value: 0.01}}}
	}
	if got := LabelChanges([]store.Run{run("pg_stat_database")}, []store.Run{run("pg_locks")}); len(got) != 0 {
		t.Errorf("changes %+v, want none: scraper names the series", got)
	}
	undeclared := func(v string) store.Run {
		name := store.SeriesName("nobody_declared_this", map[string]string{"a": "1", "b": v})
		return store.Run{Metrics: map[string]store.Metric{name: {Stat: store.Mean, Value: 1}}}
	}
	if got := LabelChanges([]store.Run{undeclared("x")}, []store.Run{undeclared("y")}); len(got) != 0 {
		t.Errorf("changes %+v, want none for a metric nobody declared", got)
	}
}

func TestParseSeriesNameReadsWhatSeriesNameWrites(t *testing.T) {
	labels := map[string]string{"sql_text": `SELECT "A", x FROM t WHERE y = '{,}'`, "inst_id": "1"}
	metric, got, ok := ParseSeriesName(store.SeriesName("m_total", labels))
	if !ok || metric != "m_total" || len(got) != 2 || got["sql_text"] != labels["sql_text"] || got["inst_id"] != "1" {
		t.Errorf("ParseSeriesName = %q, %v, %v", metric, got, ok)
	}
	if m, l, ok := ParseSeriesName("plain_total"); !ok || m != "plain_total" || l != nil {
		t.Errorf("a name without labels: %q %v %v", m, l, ok)
	}
	for _, bad := range []string{`m{a="x"`, `m{a=x}`, `m{="x"}`} {
		if _, _, ok := ParseSeriesName(bad); ok {
			t.Errorf("%q parsed", bad)
		}
	}
}
