package mysql

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/dbharness/dbharness/engines"
)

// errSingle is what a standalone server says to a failover.
var errSingle = errors.New("mysql standalone: a single server has no replica to fail over to: use the topology `primary with N replicas`")

// catchUpTimeout bounds how long a failover waits for the replica it promotes to apply what
// it has received (a planned one: everything the old primary wrote).
const catchUpTimeout = 30 * time.Second

// Failover promotes a replica and makes every other reachable node replicate from it. target
// is "" (the most advanced reachable replica) or a node name (that replica; or, naming the
// primary, its most advanced replica). When the old primary answers, the failover is
// planned: the primary turns read-only first and the replica applies everything it wrote, so
// nothing is lost. When it is down, the replica first applies everything it has received.
func (in *instance) Failover(ctx context.Context, target string) error {
	if in.meta.Provider == engines.ProviderExternal {
		return fmt.Errorf("mysql %s: failover: %w (the harness does not run this server)", in.topology, engines.ErrUnsupported)
	}
	if in.topology == Standalone {
		return errSingle
	}
	d := dialectFor(in.flavor)
	old := in.primaryNode()
	if target == old.Name {
		target = ""
	}
	var cand *node
	if target != "" {
		n, err := in.set.Node(target)
		if err != nil {
			return err
		}
		if !n.Reachable() {
			return fmt.Errorf("mysql replicated: failover to %s at %s: the node is %s", n.Name, n.Addr, n.State())
		}
		cand = n
	} else {
		best, err := in.mostAdvanced(ctx, d, old)
		if err != nil {
			return err
		}
		cand = best
	}
	planned := old.Reachable() && in.admin.exec(ctx, old, "SET GLOBAL read_only = ON") == nil
	wait, cancel := context.WithTimeout(ctx, catchUpTimeout)
	defer cancel()
	if planned {
		db := in.admin.open(old)
		pos, err := position(wait, d, db, d.PrimaryPosition)
		db.Close()
		if err != nil {
			return fmt.Errorf("mysql replicated: failover: read %s's position: %s", old.Name, engines.RedactDSN(err.Error()))
		}
		if err := in.waitApplied(wait, d, cand, func(replicaState) Position { return pos }); err != nil {
			_ = in.admin.exec(ctx, old, "SET GLOBAL read_only = OFF") // give the old primary its writes back
			return fmt.Errorf("mysql replicated: failover to %s: %w", cand.Name, err)
		}
	} else if err := in.waitApplied(wait, d, cand, received(d)); err != nil {
		return fmt.Errorf("mysql replicated: failover to %s: %w", cand.Name, err)
	}
	db := in.admin.open(cand)
	applied, _ := row(ctx, db, d.AppliedPosition)
	db.Close()
	if err := in.admin.exec(ctx, cand, d.Stop, d.Reset, "SET GLOBAL read_only = OFF"); err != nil {
		return fmt.Errorf("mysql replicated: promote %s: %w", cand.Name, err)
	}
	if err := in.setSemiSync(ctx, cand, true); err != nil {
		return err
	}
	if old.Reachable() {
		_ = in.setSemiSync(ctx, old, false) // it becomes a replica
	}
	in.mu.Lock()
	in.primary = slices.Index(in.nodes(), cand)
	in.promoted = applied["pos"]
	in.mu.Unlock()
	in.log.Info("failover: new primary", "primary", cand.Name, "planned", planned, "position", applied["pos"])
	var errs []error
	for _, n := range in.nodes() {
		if n == cand || !n.Reachable() {
			continue
		}
		from := "slave_pos"
		if n == old {
			from = "current_pos"
		}
		errs = append(errs, in.pointAt(ctx, n, cand, from))
	}
	return errors.Join(errs...)
}

// received is what a replica has received: its I/O thread's GTID position.
func received(d Dialect) func(replicaState) Position {
	return func(s replicaState) Position {
		p, _ := d.ParsePosition(s.status[d.ReceivedPosition])
		return p
	}
}

// mostAdvanced is the reachable replica that has received the most of old's transactions.
func (in *instance) mostAdvanced(ctx context.Context, d Dialect, old *node) (*node, error) {
	var best *node
	var bestPos Position
	var problems []string
	for _, n := range in.nodes() {
		if n == old {
			continue
		}
		if !n.Reachable() {
			problems = append(problems, fmt.Sprintf("%s is %s", n.Name, n.State()))
			continue
		}
		s, err := in.readReplica(ctx, d, n)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", n.Name, err))
			continue
		}
		pos := received(d)(s)
		if best == nil || pos.Missing(bestPos) > 0 {
			best, bestPos = n, pos
		}
	}
	if best == nil {
		return nil, fmt.Errorf("mysql replicated: failover: no replica can take over (%s)", strings.Join(problems, "; "))
	}
	return best, nil
}

// waitApplied waits until replica r has applied the position want returns (read from its
// status each time).
func (in *instance) waitApplied(ctx context.Context, d Dialect, r *node, want func(replicaState) Position) error {
	var last string
	err := poll(ctx, 20*time.Millisecond, func(ctx context.Context) error {
		s, err := in.readReplica(ctx, d, r)
		if err != nil {
			last = err.Error()
			return err
		}
		if msg := s.status[d.LastSQLError]; msg != "" {
			last = "its SQL thread failed: " + msg
			return errors.New(last)
		}
		if n := want(s).Missing(s.applied); n > 0 {
			last = fmt.Sprintf("%d transactions not applied yet", n)
			return errors.New(last)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("%s at %s did not catch up within %s: %s", r.Name, r.Addr, catchUpTimeout, last)
	}
	return nil
}

// Healthy says whether the topology serves fully: the primary answers and takes writes, and
// every replica replicates from it with both threads running.
func (in *instance) Healthy(ctx context.Context) error {
	select {
	case <-in.set.Done():
		if err := in.Err(); err != nil {
			return err
		}
		return fmt.Errorf("mysql %s: the instance has stopped", in.topology)
	default:
	}
	p := in.primaryNode()
	if !p.Reachable() {
		return fmt.Errorf("mysql %s: the primary %s at %s is %s", in.topology, p.Name, p.Addr, p.State())
	}
	db := in.admin.open(p)
	ro, err := row(ctx, db, "SELECT @@global.read_only AS ro")
	db.Close()
	if err != nil {
		return fmt.Errorf("mysql %s: the primary %s at %s does not answer: %s", in.topology, p.Name, p.Addr, engines.RedactDSN(err.Error()))
	}
	if ro["ro"] != "0" {
		return fmt.Errorf("mysql %s: the primary %s at %s is read-only", in.topology, p.Name, p.Addr)
	}
	d := dialectFor(in.flavor)
	var problems []string
	for _, n := range in.nodes() {
		if n == p || !n.Managed() && in.meta.Provider != engines.ProviderExternal {
			continue
		}
		if !n.Reachable() {
			problems = append(problems, fmt.Sprintf("replica %s at %s is %s", n.Name, n.Addr, n.State()))
			continue
		}
		s, err := in.readReplica(ctx, d, n)
		if err != nil {
			problems = append(problems, fmt.Sprintf("replica %s at %s: %v", n.Name, n.Addr, err))
			continue
		}
		if pr := s.problem(d, p.Addr); pr != "" {
			problems = append(problems, fmt.Sprintf("replica %s at %s: %s", n.Name, n.Addr, pr))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("mysql %s: %s", in.topology, strings.Join(problems, "; "))
	}
	return nil
}

// afterRestart puts a restarted node back in its place: the primary opens for writes again;
// any other node replicates from the primary (an old primary from where the failover left
// off, see rejoin).
func (in *instance) afterRestart(ctx context.Context, n *node) error {
	if in.topology == Standalone {
		return nil
	}
	p := in.primaryNode()
	if n == p {
		if err := in.setSemiSync(ctx, n, true); err != nil {
			return err
		}
		return in.admin.exec(ctx, n, "SET GLOBAL read_only = OFF")
	}
	d := dialectFor(in.flavor)
	s, err := in.readReplica(ctx, d, n)
	if err != nil {
		return fmt.Errorf("mysql %s: %s after its restart: %w", in.topology, n.Name, err)
	}
	if len(s.status) > 0 && s.problem(d, p.Addr) == "" {
		return nil // it resumed replicating from the primary by itself
	}
	if len(s.status) == 0 {
		return in.rejoin(ctx, d, n, p)
	}
	return in.pointAt(ctx, n, p, "slave_pos")
}

// rejoin makes an old primary a replica of the new one. It starts from the position the
// failover promoted, not from its own: transactions it wrote that never reached a replica
// (asynchronous replication loses them on a failover) are not in the new primary's binlog
// and would stop replication. They stay on this node only, and the log says how many.
func (in *instance) rejoin(ctx context.Context, d Dialect, n, p *node) error {
	in.mu.Lock()
	promoted := in.promoted
	in.mu.Unlock()
	if d.Flavor != FlavorMariaDB || promoted == "" {
		return in.pointAt(ctx, n, p, "current_pos")
	}
	db := in.admin.open(n)
	own, err := position(ctx, d, db, d.PrimaryPosition)
	db.Close()
	if err == nil {
		at, _ := d.ParsePosition(promoted)
		if lost := own.Missing(at); lost > 0 {
			in.log.Warn("the old primary has transactions the failover lost; they stay on it only", "node", n.Name, "transactions", lost)
		}
	}
	if err := in.admin.exec(ctx, n, d.Stop, "SET GLOBAL gtid_slave_pos = '"+promoted+"'"); err != nil {
		return fmt.Errorf("mysql %s: rejoin %s: %w", in.topology, n.Name, err)
	}
	return in.pointAt(ctx, n, p, "slave_pos")
}
