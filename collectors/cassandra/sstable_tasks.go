package cassandra

import (
	"context"
	"strings"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
)

func init() {
	catalog.Register(
		metric("cassandra_sstable_tasks", catalog.Gauge, catalog.None, []string{"node", "kind"}, "system_views.sstable_tasks",
			"SSTable tasks running on the node by kind (compaction, cleanup, index build, ...): nodetool compactionstats."),
		metric("cassandra_sstable_tasks_remaining_bytes", catalog.Gauge, catalog.Bytes, node, "system_views.sstable_tasks.total-progress",
			"Bytes the running SSTable tasks still have to process."),
	)
}

// sstableTasks scrapes system_views.sstable_tasks.
type sstableTasks struct{}

func (sstableTasks) Name() string { return "sstable_tasks" }

func (sstableTasks) Scrape(ctx context.Context, c *Conn, e *collectors.Emitter) error {
	return c.eachNode(ctx, func(ctx context.Context, n string, s *gocql.Session) error {
		kinds := map[string]float64{}
		remaining := 0.0
		err := rows(ctx, s, "SELECT kind, progress, total, unit FROM system_views.sstable_tasks", func(r map[string]any) {
			kinds[strings.ToLower(str(r["kind"]))]++
			if strings.EqualFold(str(r["unit"]), "bytes") {
				p, _ := num(r["progress"])
				t, _ := num(r["total"])
				if t > p {
					remaining += t - p
				}
			}
		})
		if err != nil {
			return err
		}
		_ = e.Emit("cassandra_sstable_tasks", kinds["compaction"], n, "compaction")
		for k, v := range kinds {
			if k != "compaction" {
				_ = e.Emit("cassandra_sstable_tasks", v, n, k)
			}
		}
		return e.Emit("cassandra_sstable_tasks_remaining_bytes", remaining, n)
	})
}
