package mysql

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/dbharness/dbharness/engines"
)

// lagTracker remembers when the primary first had each GTID position it was seen at, so a
// replica's lag can be told in time: how long ago the primary committed the oldest
// transaction the replica has not applied.
//
// Note: Seconds_Behind_Master counts whole seconds and reads 0 whenever the SQL thread has
// caught up with what the I/O thread received, however far behind that is; positions
// compared with the primary's say both how many transactions and how long.
type lagTracker struct {
	mu     sync.Mutex
	points []lagPoint // oldest first, each a new position
}

type lagPoint struct {
	at  time.Time
	pos Position
}

// maxLagPoints bounds the history: at one call every 100 ms, ten minutes of new positions.
const maxLagPoints = 6000

// see records the primary's position now (only when it moved).
func (t *lagTracker) see(at time.Time, pos Position) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if n := len(t.points); n > 0 && pos.Missing(t.points[n-1].pos) == 0 {
		return
	}
	t.points = append(t.points, lagPoint{at, pos})
	if len(t.points) > maxLagPoints {
		t.points = append(t.points[:0], t.points[len(t.points)-maxLagPoints:]...)
	}
}

// lag says how far a replica that applied applied is behind, at now.
func (t *lagTracker) lag(now time.Time, applied Position) (time.Duration, int64, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.points) == 0 {
		return 0, 0, false
	}
	behind := t.points[len(t.points)-1].pos.Missing(applied)
	if behind == 0 {
		return 0, 0, true
	}
	for _, p := range t.points {
		if p.pos.Missing(applied) > 0 {
			return now.Sub(p.at), behind, true
		}
	}
	return 0, behind, true
}

// ReplicationLag reads the primary's GTID position and every replica's applied one and says
// how far each replica is behind. A primary that does not answer is judged by its last known
// position (its replicas cannot get further anyway).
func (in *instance) ReplicationLag(ctx context.Context) ([]engines.ReplicaLag, error) {
	if in.topology == Standalone {
		return nil, fmt.Errorf("mysql standalone: no replicas to measure: %w", engines.ErrUnsupported)
	}
	d := dialectFor(in.flavor)
	p := in.primaryNode()
	now := time.Now()
	primaryProblem := ""
	if p.Reachable() {
		db := in.admin.open(p)
		pos, err := position(ctx, d, db, d.PrimaryPosition)
		db.Close()
		if err == nil {
			in.lag.see(now, pos)
		} else {
			primaryProblem = fmt.Sprintf("the primary %s does not answer", p.Name)
		}
	} else {
		primaryProblem = fmt.Sprintf("the primary %s is %s", p.Name, p.State())
	}
	var out []engines.ReplicaLag
	answered := 0
	for _, n := range in.nodes() {
		if n == p {
			continue
		}
		l := engines.ReplicaLag{Node: n.Name, Addr: n.Addr, Behind: -1}
		if !n.Reachable() {
			l.Problem = n.State().String()
			out = append(out, l)
			continue
		}
		s, err := in.readReplica(ctx, d, n)
		if err != nil {
			l.Problem = err.Error()
			out = append(out, l)
			continue
		}
		answered++
		lag, behind, known := in.lag.lag(now, s.applied)
		if known {
			l.Lag, l.Behind = lag, behind
		}
		l.Problem = s.problem(d, p.Addr)
		if l.Problem == "" && primaryProblem != "" {
			l.Problem = primaryProblem
		}
		out = append(out, l)
	}
	if answered == 0 && primaryProblem != "" {
		return out, errors.New("mysql replicated: neither the primary nor any replica answers: " + primaryProblem)
	}
	return out, nil
}
