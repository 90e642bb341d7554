package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dbharness/dbharness/engines"
)

// lagTracker remembers when the primary first reached each WAL position it was seen at, so
// a replica's lag can be told in time: how long ago the primary wrote the oldest record the
// replica has not replayed.
//
// Note: pg_stat_replication's replay_lag goes NULL once a replica caught up with an idle
// primary, and pg_last_xact_replay_timestamp() stands still on an idle primary, so neither
// says "0 behind" and both mislead under a burst; positions compared with the primary's do
// not.
type lagTracker struct {
	mu     sync.Mutex
	points []lagPoint // oldest first, each a new position
	xmax   int64      // the primary's last known snapshot xmax
}

type lagPoint struct {
	at  time.Time
	lsn int64
}

// maxLagPoints bounds the history: at one call every 100 ms, ten minutes of new positions.
const maxLagPoints = 6000

// see records the primary's position now (only when it moved).
func (t *lagTracker) see(at time.Time, p position) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.xmax = max(t.xmax, p.xmax)
	lsn := p.lsn
	if n := len(t.points); n > 0 && t.points[n-1].lsn >= lsn {
		return
	}
	t.points = append(t.points, lagPoint{at, lsn})
	if len(t.points) > maxLagPoints {
		t.points = append(t.points[:0], t.points[len(t.points)-maxLagPoints:]...)
	}
}

// lag is how long ago the primary first had a position past the replica's, at now, and
// how many transactions the replica lacks; known is false before the primary was seen.
func (t *lagTracker) lag(now time.Time, replica position) (lag time.Duration, behind int64, known bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.points) == 0 {
		return 0, 0, false
	}
	behind = max(t.xmax-replica.xmax, 0)
	for _, p := range t.points {
		if p.lsn > replica.lsn {
			return now.Sub(p.at), behind, true
		}
	}
	return 0, behind, true
}

// position is a node's WAL position and the first transaction id it has not seen complete.
type position struct {
	lsn  int64
	xmax int64
}

// Note: pg_snapshot_xmax is one past the newest completed transaction id; a hot standby
// builds its snapshots from the transactions it replayed, so the difference of the two
// counts the write transactions the replica has not applied (read-only ones get no id).
const (
	primaryPositionQuery = `SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::int8,
  pg_snapshot_xmax(pg_current_snapshot())::text::int8`
	replicaPositionQuery = `SELECT pg_is_in_recovery(), COALESCE(pg_wal_lsn_diff(pg_last_wal_replay_lsn(), '0/0')::int8, 0),
  pg_snapshot_xmax(pg_current_snapshot())::text::int8, COALESCE((SELECT status FROM pg_stat_wal_receiver), 'stopped'),
  pg_is_wal_replay_paused()`
)

// ReplicationLag reads the primary's WAL position and every replica's replayed one and says
// how far each replica is behind. A primary that does not answer is judged by its last known
// position (its replicas cannot get further anyway).
func (c *cluster) ReplicationLag(ctx context.Context) ([]engines.ReplicaLag, error) {
	p := c.primaryMember()
	now := time.Now()
	primaryProblem := ""
	var pp position
	if p.node.Reachable() {
		err := queryNode(ctx, p, func(conn *pgx.Conn) error {
			return conn.QueryRow(ctx, primaryPositionQuery).Scan(&pp.lsn, &pp.xmax)
		})
		if err == nil {
			c.lag.see(now, pp)
		} else {
			primaryProblem = fmt.Sprintf("the primary %s does not answer", p.node.Name)
		}
	} else {
		primaryProblem = fmt.Sprintf("the primary %s is %s", p.node.Name, p.node.State())
	}
	var out []engines.ReplicaLag
	answered := 0
	for _, m := range c.members {
		if m == p {
			continue
		}
		l := engines.ReplicaLag{Node: m.node.Name, Addr: m.addr(), Behind: -1}
		if !m.node.Reachable() {
			l.Problem = m.node.State().String()
			out = append(out, l)
			continue
		}
		var rp position
		var recovery, paused bool
		var receiver string
		err := queryNode(ctx, m, func(conn *pgx.Conn) error {
			return conn.QueryRow(ctx, replicaPositionQuery).Scan(&recovery, &rp.lsn, &rp.xmax, &receiver, &paused)
		})
		if err != nil {
			l.Problem = err.Error()
			out = append(out, l)
			continue
		}
		answered++
		// Note: the time of the replica's answer, not of the primary's: a replica a few
		// milliseconds behind the position just read shows those milliseconds.
		if lag, behind, known := c.lag.lag(time.Now(), rp); known {
			l.Lag, l.Behind = lag, behind
		}
		switch {
		case !recovery:
			l.Problem = "it is a primary itself, not in recovery"
		case paused:
			l.Problem = "WAL replay is paused (pg_wal_replay_pause)"
		case primaryProblem != "":
			l.Problem = primaryProblem
		case receiver != "streaming":
			l.Problem = "its WAL receiver is " + receiver + ", not streaming"
		}
		out = append(out, l)
	}
	if answered == 0 && primaryProblem != "" {
		return out, errors.New("postgresql " + Replicated + ": neither the primary nor any replica answers: " + primaryProblem)
	}
	return out, nil
}
