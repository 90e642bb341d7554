package steps

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/dbharness/dbharness/engines"
)

func replicationSentences(w *World) []Sentence {
	return []Sentence{
		{Area: "faults", Keyword: "Then",
			Pattern: `^replication lag stays below (\S+)$`,
			Example: "replication lag stays below 1s",
			Help: "Checks the replication lag sampled every 100ms while the last workload ran (of a topology with replicas): how long ago the primary " +
				"committed the oldest transaction a replica had not applied yet. Fails with the worst sample, its replica and when it was taken; the maximum goes into the report either way.",
			fn: w.checkLagBelow, check: func(_ *plan, a args) error { _, err := parseDuration(a.s[0]); return err }},
		{Area: "faults", Keyword: "Then",
			Pattern: `^the replicas? (?:catch|catches) up within (\S+)$`,
			Example: "the replicas catch up within 10s",
			Help: "Waits until every replica replicates and has applied everything the primary has (Cassandra: until the hints the other nodes kept for it are delivered), and records how long that took; the limit counts from the end " +
				"of the last workload run, or from the last fault or restart if that came later. Fails with what each replica still lacks.",
			fn: w.checkCaughtUp, check: func(_ *plan, a args) error { _, err := parseDuration(a.s[0]); return err }},
	}
}

// lagInterval is how often the lag of a running workload is sampled.
const lagInterval = 100 * time.Millisecond

// A lagWatch samples an instance's replication lag while a workload runs.
type lagWatch struct {
	stop    context.CancelFunc
	done    chan struct{}
	started time.Time

	mu      sync.Mutex
	samples int // rounds in which some replica's lag was measured
	worst   engines.ReplicaLag
	worstAt time.Duration // after the start
	perNode map[string]time.Duration
	errs    []string
}

// watchLag starts sampling when the instance reports replication lag; nil otherwise.
func watchLag(ctx context.Context, inst engines.Instance) *lagWatch {
	l, ok := inst.(engines.ReplicationLagger)
	if !ok {
		return nil
	}
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	lw := &lagWatch{stop: cancel, done: make(chan struct{}), started: time.Now(), perNode: map[string]time.Duration{}}
	go func() {
		defer close(lw.done)
		tick := time.NewTicker(lagInterval)
		defer tick.Stop()
		for {
			sctx, scancel := context.WithTimeout(ctx, time.Second)
			lags, err := l.ReplicationLag(sctx)
			scancel()
			lw.record(lags, err)
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	return lw
}

func (lw *lagWatch) record(lags []engines.ReplicaLag, err error) {
	lw.mu.Lock()
	defer lw.mu.Unlock()
	if err != nil {
		if errors.Is(err, engines.ErrUnsupported) {
			return
		}
		if len(lw.errs) < 3 {
			lw.errs = append(lw.errs, engines.RedactDSN(err.Error()))
		}
	}
	measured := false
	for _, l := range lags {
		if l.Behind < 0 {
			continue // not read: down, paused or not answering
		}
		measured = true
		lw.perNode[l.Node] = max(lw.perNode[l.Node], l.Lag)
		if l.Lag > lw.worst.Lag || lw.worst.Node == "" {
			lw.worst, lw.worstAt = l, time.Since(lw.started)
		}
	}
	if measured {
		lw.samples++
	}
}

// finish stops sampling and waits for the sampler.
func (lw *lagWatch) finish() {
	lw.stop()
	<-lw.done
}

// summary says what the watch saw, for the report.
func (lw *lagWatch) summary() string {
	lw.mu.Lock()
	defer lw.mu.Unlock()
	if lw.samples == 0 {
		return "replication lag: not measured (no replica answered)"
	}
	var parts []string
	for _, n := range slices.Sorted(maps.Keys(lw.perNode)) {
		parts = append(parts, fmt.Sprintf("%s %s", n, lw.perNode[n].Round(time.Millisecond)))
	}
	return fmt.Sprintf("replication lag at most %s over %d samples every %s", strings.Join(parts, ", "), lw.samples, lagInterval)
}

func (w *World) checkLagBelow(ctx context.Context, limit string) error {
	max, err := parseDuration(limit)
	if err != nil {
		return err
	}
	if w.background != nil {
		return errors.New("a workload still runs in the background: add `When the background workload has finished` first, so the lag covers the whole run")
	}
	lw := w.lastLag
	if lw == nil {
		if _, err := w.needDB(); err != nil {
			return err
		}
		if _, ok := w.db.inst.(engines.ReplicationLagger); !ok {
			return fmt.Errorf("%s (%s) has no replicas to measure: replication lag needs a topology with replicas", w.db.desc.Display, w.db.inst.Info().Topology)
		}
		return errors.New("no workload has run yet: the lag is sampled while a workload runs")
	}
	lw.mu.Lock()
	defer lw.mu.Unlock()
	if lw.samples == 0 {
		msg := "the replication lag could not be measured while the last workload ran: no replica answered"
		if len(lw.errs) > 0 {
			msg += " (" + strings.Join(lw.errs, "; ") + ")"
		}
		return errors.New(msg)
	}
	if lw.worst.Lag >= max {
		return fmt.Errorf("replication lag reached %s on %s (%s behind) %s into the run, not below %s (over %d samples every %s)",
			lw.worst.Lag.Round(time.Millisecond), lw.worst.Node, lw.worst.BehindText(), lw.worstAt.Round(100*time.Millisecond), max, lw.samples, lagInterval)
	}
	return nil
}

func (w *World) checkCaughtUp(ctx context.Context, within string) error {
	limit, err := parseDuration(within)
	if err != nil {
		return err
	}
	db, err := w.needDB()
	if err != nil {
		return err
	}
	l, ok := db.inst.(engines.ReplicationLagger)
	if !ok {
		return fmt.Errorf("%s (%s) has no replicas to catch up", db.desc.Display, db.inst.Info().Topology)
	}
	from := time.Now()
	if !w.loadEnd.IsZero() {
		from = w.loadEnd
	}
	if s := w.recoveryStart(); s.After(from) {
		from = s
	}
	err = poll(ctx, from.Add(limit), func(ctx context.Context) error {
		lags, err := l.ReplicationLag(ctx)
		if err != nil {
			return err
		}
		var behind []string
		for _, r := range lags {
			switch {
			case r.Problem != "":
				behind = append(behind, fmt.Sprintf("%s: %s", r.Node, r.Problem))
			case r.Behind != 0:
				behind = append(behind, fmt.Sprintf("%s is %s (%s) behind", r.Node, r.BehindText(), r.Lag.Round(time.Millisecond)))
			}
		}
		if len(behind) > 0 {
			return errors.New(strings.Join(behind, "; "))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("the replicas did not catch up within %s: %w", limit, err)
	}
	after := time.Since(from)
	w.event("recovered", fmt.Sprintf("the replicas caught up %s after %s", after.Round(10*time.Millisecond), map[bool]string{true: "the last fault", false: "the load"}[from.Equal(w.recoveryStart())]), after)
	return nil
}
