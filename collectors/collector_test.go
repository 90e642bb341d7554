package collectors_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// seamtest is a pretend database whose scrapers are test doubles: the seam's behaviour
// (timeouts, failures, catalog checks) does not depend on a real server.
const seamDB = "seamtest"

func init() {
	catalog.Register(
		catalog.Metric{Name: "seamtest_ops_total", Type: catalog.Counter, Help: "Ops.", Labels: []string{"op"}, Database: seamDB},
		catalog.Metric{Name: "seamtest_sessions", Type: catalog.Gauge, Help: "Sessions.", Database: seamDB},
		catalog.Metric{Name: "seamtest_latency_seconds", Type: catalog.Histogram, Unit: catalog.Seconds, Help: "Latency.", Database: seamDB},
	)
}

// conn is the connection type of the test doubles.
type conn struct{ calls *atomic.Int64 }

// scraper is a test double: it runs fn.
type scraper struct {
	name string
	fn   func(ctx context.Context, c conn, e *collectors.Emitter) error
}

func (s scraper) Name() string { return s.name }
func (s scraper) Scrape(ctx context.Context, c conn, e *collectors.Emitter) error {
	c.calls.Add(1)
	return s.fn(ctx, c, e)
}

var (
	okScraper = scraper{"ok", func(_ context.Context, _ conn, e *collectors.Emitter) error {
		if err := e.Emit("seamtest_ops_total", 42, "read"); err != nil {
			return err
		}
		if err := e.Emit("seamtest_sessions", 3); err != nil {
			return err
		}
		return e.EmitHistogram("seamtest_latency_seconds", 2, 0.3, map[float64]uint64{0.1: 1, 1: 2})
	}}
	failScraper = scraper{"fail", func(context.Context, conn, *collectors.Emitter) error {
		return errors.New("relation does not exist")
	}}
	// slowScraper honours ctx, but only returns when it ends.
	slowScraper = scraper{"slow", func(ctx context.Context, _ conn, e *collectors.Emitter) error {
		<-ctx.Done()
		return ctx.Err()
	}}
	// stuckScraper ignores ctx and emits long after its timeout: the value must be dropped,
	// and the scrape must not wait for it (stuckDone is set when it finally returns).
	stuckDone    atomic.Bool
	stuckScraper = scraper{"stuck", func(_ context.Context, _ conn, e *collectors.Emitter) error {
		time.Sleep(10 * time.Second)
		_ = e.Emit("seamtest_ops_total", 1, "late")
		stuckDone.Store(true)
		return nil
	}}
)

func newExporter(t *testing.T, scrapers []collectors.Scraper[conn], opts ...collectors.Option) (*collectors.Exporter[conn], *prometheus.Registry) {
	t.Helper()
	cfg, err := collectors.NewConfig(append([]collectors.Option{collectors.WithTimeout(100 * time.Millisecond), collectors.WithStrict(false)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	e, err := collectors.New(seamDB, conn{new(atomic.Int64)}, scrapers, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	reg := prometheus.NewPedanticRegistry()
	if err := reg.Register(e); err != nil {
		t.Fatal(err)
	}
	return e, reg
}

func TestFailingAndSlowScrapersDoNotStopTheOthers(t *testing.T) {
	e, reg := newExporter(t, []collectors.Scraper[conn]{okScraper, failScraper, slowScraper, stuckScraper},
		collectors.WithConcurrency(4))
	start := time.Now()
	want := `
# HELP dbharness_scrape_success Whether the last run of a scraper succeeded (1) or failed or timed out (0).
# TYPE dbharness_scrape_success gauge
dbharness_scrape_success{collector="seamtest",scraper="fail"} 0
dbharness_scrape_success{collector="seamtest",scraper="ok"} 1
dbharness_scrape_success{collector="seamtest",scraper="slow"} 0
dbharness_scrape_success{collector="seamtest",scraper="stuck"} 0
# HELP seamtest_ops_total Ops.
# TYPE seamtest_ops_total counter
seamtest_ops_total{op="read"} 42
# HELP seamtest_sessions Sessions.
# TYPE seamtest_sessions gauge
seamtest_sessions 3
# HELP seamtest_latency_seconds Latency.
# TYPE seamtest_latency_seconds histogram
seamtest_latency_seconds_bucket{le="0.1"} 1
seamtest_latency_seconds_bucket{le="1"} 2
seamtest_latency_seconds_bucket{le="+Inf"} 2
seamtest_latency_seconds_sum 0.3
seamtest_latency_seconds_count 2
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want),
		"dbharness_scrape_success", "seamtest_ops_total", "seamtest_sessions", "seamtest_latency_seconds"); err != nil {
		t.Error(err)
	}
	if stuckDone.Load() {
		t.Errorf("the scrape (100ms scraper timeouts) waited %s for the stuck scraper", time.Since(start))
	}
	if n := testutil.CollectAndCount(e, "dbharness_scrape_duration_seconds"); n != 4 {
		t.Errorf("got %d scrape durations, want one per scraper (4)", n)
	}
	errs := e.ScrapeErrors()
	if len(errs) != 3 {
		t.Fatalf("ScrapeErrors = %v, want fail, slow and stuck", errs)
	}
	if !strings.Contains(errs["fail"].Error(), "relation does not exist") {
		t.Errorf("fail error = %v", errs["fail"])
	}
	for _, name := range []string{"slow", "stuck"} {
		if !strings.Contains(errs[name].Error(), "timed out after 100ms") || !errors.Is(errs[name], context.DeadlineExceeded) {
			t.Errorf("%s error = %v, want a timeout", name, errs[name])
		}
	}
	time.Sleep(2100 * time.Millisecond) // let the stuck scraper emit late, into a sealed emitter
}

func TestScrapeDurationIsMeasured(t *testing.T) {
	e, _ := newExporter(t, []collectors.Scraper[conn]{slowScraper})
	got := testutil.ToFloat64(prometheus.CollectorFunc(func(ch chan<- prometheus.Metric) {
		all := make(chan prometheus.Metric, 10)
		e.Collect(all)
		close(all)
		for m := range all {
			if strings.Contains(m.Desc().String(), "dbharness_scrape_duration_seconds") {
				ch <- m
			}
		}
	}))
	if got < 0.1 || got > 2 {
		t.Errorf("duration of a scraper timed out at 100ms = %gs", got)
	}
}

func TestEmitterRefusesWhatTheCatalogDoesNotDeclare(t *testing.T) {
	cases := map[string]struct {
		fn   func(e *collectors.Emitter) error
		want string
	}{
		"undeclared": {func(e *collectors.Emitter) error { return e.Emit("seamtest_op_total", 1, "read") },
			`unknown metric "seamtest_op_total"; closest: seamtest_ops_total`},
		"other database": {func(e *collectors.Emitter) error { return e.Emit("dbharness_scrape_success", 1, "a", "b") },
			"declared for another database"},
		"label count": {func(e *collectors.Emitter) error { return e.Emit("seamtest_ops_total", 1) },
			"0 label values for the declared labels [op]"},
		"wrong type": {func(e *collectors.Emitter) error { return e.Emit("seamtest_latency_seconds", 1) },
			"declared as a histogram"},
		"duplicate": {func(e *collectors.Emitter) error {
			_ = e.Emit("seamtest_ops_total", 1, "write")
			return e.Emit("seamtest_ops_total", 2, "write")
		}, "already emitted"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var emitErr error
			s := scraper{"bad", func(_ context.Context, _ conn, e *collectors.Emitter) error {
				emitErr = tc.fn(e)
				return nil // the scraper ignores the error: the seam must still fail it
			}}
			e, reg := newExporter(t, []collectors.Scraper[conn]{s, okScraper})
			if _, err := reg.Gather(); err != nil {
				t.Fatalf("Gather failed: %v", err)
			}
			if emitErr == nil || !strings.Contains(emitErr.Error(), tc.want) {
				t.Errorf("Emit error = %v, want %q", emitErr, tc.want)
			}
			if err := e.ScrapeErrors()["bad"]; err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("scraper error = %v, want %q", err, tc.want)
			}
			if _, ok := e.ScrapeErrors()["ok"]; ok {
				t.Error("the good scraper failed too")
			}
		})
	}
}

func TestStrictEmitterPanics(t *testing.T) {
	cfg, err := collectors.NewConfig()
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.Strict {
		t.Fatal("Strict is off by default in a test binary")
	}
	panicked := make(chan any, 1)
	s := scraper{"bad", func(_ context.Context, _ conn, e *collectors.Emitter) error {
		defer func() { panicked <- recover() }()
		return e.Emit("seamtest_undeclared_total", 1)
	}}
	e, err := collectors.New(seamDB, conn{new(atomic.Int64)}, []collectors.Scraper[conn]{s}, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	testutil.CollectAndCount(e)
	if p := <-panicked; p == nil || !strings.Contains(p.(string), "unknown metric") {
		t.Errorf("strict Emit of an undeclared metric: recovered %v, want a panic", p)
	}
}

func TestWithScrapersSelects(t *testing.T) {
	e, _ := newExporter(t, []collectors.Scraper[conn]{okScraper, failScraper}, collectors.WithScrapers("ok"))
	if got := e.Scrapers(); len(got) != 1 || got[0] != "ok" {
		t.Errorf("Scrapers = %v, want [ok]", got)
	}
	if n := testutil.CollectAndCount(e, "dbharness_scrape_success"); n != 1 {
		t.Errorf("%d scrapers ran, want 1", n)
	}
	cfg, _ := collectors.NewConfig(collectors.WithScrapers("nope"))
	_, err := collectors.New(seamDB, conn{new(atomic.Int64)}, []collectors.Scraper[conn]{okScraper}, cfg, nil)
	if err == nil || !strings.Contains(err.Error(), `unknown scraper "nope"`) {
		t.Errorf("New with an unknown scraper: %v", err)
	}
}

func TestCloseCancelsAndClosesOnce(t *testing.T) {
	cfg, _ := collectors.NewConfig(collectors.WithTimeout(time.Minute), collectors.WithStrict(false))
	var closed atomic.Int64
	e, err := collectors.New(seamDB, conn{new(atomic.Int64)}, []collectors.Scraper[conn]{slowScraper}, cfg,
		func() error { closed.Add(1); return nil })
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { testutil.CollectAndCount(e); close(done) }()
	time.Sleep(50 * time.Millisecond)
	_ = e.Close()
	_ = e.Close()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not cancel a running scrape")
	}
	if closed.Load() != 1 {
		t.Errorf("close func ran %d times, want 1", closed.Load())
	}
	if err := e.ScrapeErrors()["slow"]; err == nil || !strings.Contains(err.Error(), "collector closed") {
		t.Errorf("error after Close = %v", err)
	}
}

func TestOptionsValidate(t *testing.T) {
	for _, o := range []collectors.Option{collectors.WithTimeout(0), collectors.WithConcurrency(0), collectors.WithSetting("", "x")} {
		if _, err := collectors.NewConfig(o); err == nil {
			t.Error("NewConfig accepted an invalid option")
		}
	}
	cfg, err := collectors.NewConfig()
	if err != nil || cfg.Timeout != collectors.DefaultTimeout || cfg.Logger == nil {
		t.Errorf("defaults = %+v, %v", cfg, err)
	}
}

// A failing source is worth one warning, not one per scrape or per scraper it takes down.
func TestFailuresWarnOnceAndSkipsNever(t *testing.T) {
	var logged strings.Builder
	logger := slog.New(slog.NewTextHandler(&logged, &slog.HandlerOptions{Level: slog.LevelInfo}))
	n := 0
	flaky := scraper{"flaky", func(context.Context, conn, *collectors.Emitter) error {
		n++
		return fmt.Errorf("connection refused (attempt %d)", n) // new words every time
	}}
	skipped := scraper{"skipped", func(context.Context, conn, *collectors.Emitter) error {
		return fmt.Errorf("scrape skipped: %w: its node is down", collectors.ErrSkipped)
	}}
	_, reg := newExporter(t, []collectors.Scraper[conn]{flaky, skipped}, collectors.WithLogger(logger))
	for range 3 {
		if _, err := reg.Gather(); err != nil {
			t.Fatal(err)
		}
	}
	if got := strings.Count(logged.String(), "scraper failed"); got != 1 || !strings.Contains(logged.String(), "attempt 1") {
		t.Errorf("want exactly one warning, about the first failure of flaky; got %d:\n%s", got, logged.String())
	}
}
