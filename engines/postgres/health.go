package postgres

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"

	"github.com/dbharness/dbharness/engines"
)

// role asks a node whether it is in recovery.
func (c *cluster) role(ctx context.Context, m *member) string {
	if r := m.node.Role(); r != "" {
		return r
	}
	var recovery bool
	if err := queryNode(ctx, m, func(conn *pgx.Conn) error {
		return conn.QueryRow(ctx, "SELECT pg_is_in_recovery()").Scan(&recovery)
	}); err != nil {
		return engines.RoleDown
	}
	if recovery {
		return engines.RoleReplica
	}
	return engines.RolePrimary
}

// Nodes lists every node with its role now, asking all of them at once.
func (c *cluster) Nodes(ctx context.Context) ([]engines.Node, error) {
	out := make([]engines.Node, len(c.members))
	var wg sync.WaitGroup
	for i, m := range c.members {
		wg.Go(func() { out[i] = engines.Node{Name: m.node.Name, Addr: m.addr(), Role: c.role(ctx, m)} })
	}
	wg.Wait()
	return out, ctx.Err()
}

// Primary is the node the others stream from: node-1 until a failover promotes another.
// There are no groups.
func (c *cluster) Primary(ctx context.Context, group string) (engines.Node, error) {
	if group != "" {
		return engines.Node{}, fmt.Errorf("postgresql %s has no groups (%q): write `the primary is killed`", Replicated, group)
	}
	m := c.primaryMember()
	return engines.Node{Name: m.node.Name, Addr: m.addr(), Role: c.role(ctx, m)}, nil
}

// Healthy says whether the primary takes writes and every other node streams from it.
func (c *cluster) Healthy(ctx context.Context) error {
	select {
	case <-c.set.Done():
		if err := c.Err(); err != nil {
			return err
		}
		return fmt.Errorf("postgresql %s: the instance has stopped", Replicated)
	default:
	}
	p := c.primaryMember()
	if !p.node.Reachable() {
		return fmt.Errorf("postgresql %s: the primary %s at %s is %s", Replicated, p.node.Name, p.addr(), p.node.State())
	}
	streaming := map[string]string{}
	var recovery bool
	err := queryNode(ctx, p, func(conn *pgx.Conn) error {
		if err := conn.QueryRow(ctx, "SELECT pg_is_in_recovery()").Scan(&recovery); err != nil {
			return err
		}
		rows, err := conn.Query(ctx, "SELECT application_name, state FROM pg_stat_replication")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var name, state string
			if err := rows.Scan(&name, &state); err != nil {
				return err
			}
			streaming[name] = state
		}
		return rows.Err()
	})
	if err != nil {
		return fmt.Errorf("postgresql %s: the primary %s at %s does not answer: %w", Replicated, p.node.Name, p.addr(), err)
	}
	if recovery {
		return fmt.Errorf("postgresql %s: %s at %s is still in recovery, not a primary", Replicated, p.node.Name, p.addr())
	}
	var problems []string
	for _, m := range c.members {
		switch {
		case m == p:
		case !m.node.Reachable():
			problems = append(problems, fmt.Sprintf("replica %s at %s is %s", m.node.Name, m.addr(), m.node.State()))
		case streaming[m.node.Name] != "streaming":
			state := streaming[m.node.Name]
			if state == "" {
				state = "not connected"
			}
			problems = append(problems, fmt.Sprintf("replica %s at %s is %s to the primary %s (last log lines: %s)", m.node.Name, m.addr(), state, p.node.Name, oneLine(m.node.LogTail(3))))
		}
	}
	if len(problems) > 0 {
		slices.Sort(problems)
		return fmt.Errorf("postgresql %s: %s", Replicated, strings.Join(problems, "; "))
	}
	return nil
}

// waitStreaming waits until the topology is healthy: every replica streams.
func (c *cluster) waitStreaming(ctx context.Context) error {
	if err := waitFor(ctx, c.timeout, c.Healthy); err != nil {
		return fmt.Errorf("postgresql %s: the replicas did not start streaming: %w", Replicated, err)
	}
	return nil
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
