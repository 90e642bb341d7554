package postgres

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/dbharness/dbharness/collectors"
)

// waitsQuery counts the active client sessions by what they wait on, CPU for none. The
// harness's own sessions (collectors, the engine's checks: application names dbharness-*)
// are left out.
const waitsQuery = `SELECT coalesce(wait_event_type || ':' || wait_event, 'CPU'), count(*)
FROM pg_stat_activity
WHERE state = 'active' AND backend_type = 'client backend' AND pid <> pg_backend_pid()
  AND application_name NOT LIKE 'dbharness-%'
GROUP BY 1`

// waitEventsReported is how many wait events a profile reports, the largest shares.
const waitEventsReported = 10

// A waitSampler samples pg_stat_activity every interval on a connection of its own, from
// Mark until Analyze, and counts the session samples per wait event.
type waitSampler struct {
	interval time.Duration
	cancel   context.CancelFunc
	done     chan struct{}
	started  time.Time

	mu       sync.Mutex
	counts   map[string]int64
	samples  int64         // samples taken
	sessions int64         // session samples in all
	cost     time.Duration // time the samples' queries took
	errs     int64
	lastErr  error
	ended    time.Time
}

// waitProfile is what a sampler counted, once it stopped.
type waitProfile struct {
	interval time.Duration
	counts   map[string]int64
	samples  int64
	sessions int64
	cost     time.Duration
	span     time.Duration
	errs     int64
	lastErr  error
}

// startWaitSampler connects a session of its own (with the pool's settings) and starts
// sampling.
func startWaitSampler(ctx context.Context, pool *pgxpool.Pool, interval time.Duration) (*waitSampler, error) {
	cfg := pool.Config().ConnConfig.Copy()
	cfg.RuntimeParams["application_name"] = applicationName
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("wait sampling: connect: %w", err)
	}
	_ = untracked(ctx, conn)
	sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	w := &waitSampler{interval: interval, cancel: cancel, done: make(chan struct{}), started: time.Now(), counts: map[string]int64{}}
	go w.run(sctx, conn)
	return w, nil
}

func (w *waitSampler) run(ctx context.Context, conn *pgx.Conn) {
	defer close(w.done)
	defer conn.Close(context.Background())
	tick := time.NewTicker(w.interval)
	defer tick.Stop()
	for {
		w.sample(ctx, conn)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// sample takes one sample; a failed one is counted and the sampling goes on.
func (w *waitSampler) sample(ctx context.Context, conn *pgx.Conn) {
	qctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	start := time.Now()
	rows, err := conn.Query(qctx, waitsQuery)
	got := map[string]int64{}
	if err == nil {
		for rows.Next() {
			var ev string
			var n int64
			if err = rows.Scan(&ev, &n); err != nil {
				break
			}
			got[ev] += n
		}
		rows.Close()
		if err == nil {
			err = rows.Err()
		}
	}
	took := time.Since(start)
	w.mu.Lock()
	defer w.mu.Unlock()
	w.cost += took
	if err != nil {
		if ctx.Err() == nil {
			w.errs++
			w.lastErr = err
		}
		return
	}
	w.samples++
	for ev, n := range got {
		w.counts[ev] += n
		w.sessions += n
	}
}

// stop ends the sampling and waits for the sampler.
func (w *waitSampler) stop() {
	w.cancel()
	<-w.done
	w.mu.Lock()
	if w.ended.IsZero() {
		w.ended = time.Now()
	}
	w.mu.Unlock()
}

// profile is what the sampler counted; call it after stop.
func (w *waitSampler) profile() *waitProfile {
	w.mu.Lock()
	defer w.mu.Unlock()
	counts := make(map[string]int64, len(w.counts))
	for k, v := range w.counts {
		counts[k] = v
	}
	return &waitProfile{interval: w.interval, counts: counts, samples: w.samples, sessions: w.sessions, cost: w.cost,
		span: w.ended.Sub(w.started), errs: w.errs, lastErr: w.lastErr}
}

// waitFindings stops the sampling begun by Mark and reports the wait events of the largest
// shares of active time; without a Mark, or with no sample at all, a gap.
func (c *Collector) waitFindings() []collectors.Finding {
	if w := c.stopWaits(); w != nil {
		c.mu.Lock()
		c.lastWaits = w.profile()
		c.mu.Unlock()
	}
	c.mu.Lock()
	p := c.lastWaits
	c.mu.Unlock()
	switch {
	case c.set.waitInterval == 0:
		return []collectors.Finding{collectors.Gap(KindWaitEvent, "wait sampling is off ("+SettingWaitInterval+" = off)")}
	case p == nil:
		return []collectors.Finding{collectors.Gap(KindWaitEvent, "nothing was sampled: the wait sampling starts at Mark, when a load starts")}
	case p.samples == 0:
		return []collectors.Finding{collectors.Gap(KindWaitEvent, fmt.Sprintf("no sample of pg_stat_activity succeeded (%d failed, last: %v)", p.errs, p.lastErr))}
	}
	return p.findings()
}

// findings are the wait events of the largest shares, largest first.
func (p *waitProfile) findings() []collectors.Finding {
	if p.sessions == 0 {
		return nil // no client session was ever active: no time to divide
	}
	events := make([]string, 0, len(p.counts))
	for ev := range p.counts {
		events = append(events, ev)
	}
	slices.SortFunc(events, func(a, b string) int {
		if c := cmp.Compare(p.counts[b], p.counts[a]); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	method := fmt.Sprintf("pg_stat_activity sampled every %s on a connection of its own for %s: %d samples of %d active client sessions in all (%.2f on average); the samples' queries took %s (%.2f%% of the span)",
		p.interval, p.span.Round(time.Millisecond), p.samples, p.sessions, float64(p.sessions)/float64(p.samples),
		p.cost.Round(time.Millisecond), 100*p.cost.Seconds()/max(p.span.Seconds(), 1e-9))
	if p.errs > 0 {
		method += fmt.Sprintf("; %d samples failed (last: %v)", p.errs, p.lastErr)
	}
	var out []collectors.Finding
	for _, ev := range events[:min(len(events), waitEventsReported)] {
		n := p.counts[ev]
		share := float64(n) / float64(p.sessions)
		sessions := float64(n) / float64(p.samples)
		out = append(out, collectors.Finding{Kind: KindWaitEvent, Subject: ev, Method: method,
			Summary: fmt.Sprintf("%s: %.1f%% of active time (%.2f sessions on average, %d session samples)", ev, 100*share, sessions, n),
			Values:  map[string]float64{"share": share, "samples": float64(n), "sessions": sessions}})
	}
	return out
}
