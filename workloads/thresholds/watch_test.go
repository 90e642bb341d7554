package thresholds

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestWatcherAbortsAfterDelay(t *testing.T) {
	s := bankSummary(t)
	ts, err := ParseAll([]Entry{
		{Metric: "latency{op:transfer}", Condition: "p(95)<20ms", AbortOnFail: true, DelayAbortEval: "30s", Line: "bank.feature:14"},
		{Metric: "errors", Condition: "rate<1%"}, // fails, but does not abort
		{Metric: "latency{op:balance}", Condition: "p(95)<1s", AbortOnFail: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	now := s.Start
	watch := watcher(ts, func() time.Time { return now })

	for _, at := range []time.Duration{0, time.Second, 29 * time.Second} {
		now = s.Start.Add(at)
		if err := watch(s); err != nil {
			t.Fatalf("at %s (before delayAbortEval): %v", at, err)
		}
	}
	now = s.Start.Add(30 * time.Second)
	err = watch(s)
	var ae *AbortError
	if !errors.As(err, &ae) {
		t.Fatalf("at 30s: %v, want an *AbortError", err)
	}
	if ae.After != 30*time.Second || ae.Result.Operation != "transfer" {
		t.Fatalf("AbortError = %+v", ae)
	}
	want := "bank.feature:14: threshold latency{op:transfer} p(95)<20ms failed after 30s (abortOnFail): p(95) of latency{op:transfer} is 95.039ms, limit < 20ms"
	if err.Error() != want {
		t.Fatalf("error %q\nwant  %q", err, want)
	}
}

func TestWatcherWaitsForData(t *testing.T) {
	s := bankSummary(t)
	s.Operations[0].Count, s.Operations[0].Errors, s.Operations[0].Histogram = 0, 0, ""
	s.Duration = 0 // a live summary before the end
	ts := []Threshold{mustParse(t, "latency{op:transfer}", "p(95)<20ms"), mustParse(t, "iterations", "rate>100")}
	for i := range ts {
		ts[i].AbortOnFail = true
	}
	now := s.Start.Add(time.Second)
	watch := watcher(ts[:1], func() time.Time { return now })
	if err := watch(s); err != nil {
		t.Fatalf("no transfers yet: %v, want no abort", err)
	}
	// 160 iterations in 2 s is 80/s, below 100/s: the elapsed time stands in for the duration.
	now = s.Start.Add(2 * time.Second)
	err := watcher(ts[1:], func() time.Time { return now })(s)
	if err == nil || !strings.Contains(err.Error(), "rate of iterations is 80/s, limit > 100/s") {
		t.Fatalf("err = %v, want an abort at 80/s", err)
	}
	if s.Duration != 0 {
		t.Fatalf("the watcher changed the live summary")
	}
}

func TestWatcherNothingToWatch(t *testing.T) {
	w := Watcher([]Threshold{mustParse(t, "errors", "rate<0")})
	if err := w(bankSummary(t)); err != nil {
		t.Fatalf("a threshold without abortOnFail aborted: %v", err)
	}
	if err := w(nil); err != nil {
		t.Fatal(err)
	}
}
