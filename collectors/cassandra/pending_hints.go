package cassandra

import (
	"context"
	"net"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
)

func init() {
	catalog.Register(
		metric("cassandra_hints_pending_files", catalog.Gauge, catalog.None, []string{"node", "target"}, "system_views.pending_hints.files",
			"Hint files the node keeps for a replica that missed writes (target: its address): 0 again once hinted handoff delivered them."),
		metric("cassandra_hints_oldest_age_seconds", catalog.Gauge, catalog.Seconds, []string{"node", "target"}, "system_views.pending_hints.oldest",
			"Age of the oldest hint the node keeps for the target: hints older than max_hint_window are not written."),
	)
}

// pendingHints scrapes system_views.pending_hints: hinted handoff's backlog per target.
type pendingHints struct{}

func (pendingHints) Name() string { return "pending_hints" }

func (pendingHints) Scrape(ctx context.Context, c *Conn, e *collectors.Emitter) error {
	return c.eachNode(ctx, func(ctx context.Context, n string, s *gocql.Session) error {
		return rows(ctx, s, "SELECT address, port, files, oldest FROM system_views.pending_hints", func(r map[string]any) {
			target := str(r["address"])
			if p := str(r["port"]); p != "" && p != "<nil>" {
				target = net.JoinHostPort(target, p)
			}
			if v, ok := num(r["files"]); ok {
				_ = e.Emit("cassandra_hints_pending_files", v, n, target)
			}
			if t, ok := r["oldest"].(time.Time); ok && !t.IsZero() {
				_ = e.Emit("cassandra_hints_oldest_age_seconds", time.Since(t).Seconds(), n, target)
			}
		})
	})
}
