package cassandra

import (
	"cmp"
	"context"
	"slices"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
)

func init() {
	catalog.Register(metric("cassandra_table_disk_usage_bytes", catalog.Gauge, catalog.Bytes, tableLabels, "system_views.disk_usage.mebibytes",
		"Disk space the table's live SSTables take on the node (to the MiB), the largest tables (tables.limit)."))
}

// diskUsage scrapes system_views.disk_usage.
type diskUsage struct{ limit int }

func (diskUsage) Name() string { return "disk_usage" }

func (d diskUsage) Scrape(ctx context.Context, c *Conn, e *collectors.Emitter) error {
	type row struct {
		ks, table string
		mib       float64
	}
	return c.eachNode(ctx, func(ctx context.Context, n string, s *gocql.Session) error {
		var rs []row
		err := rows(ctx, s, "SELECT keyspace_name, table_name, mebibytes FROM system_views.disk_usage", func(r map[string]any) {
			if ks := str(r["keyspace_name"]); userTable(ks) {
				v, _ := num(r["mebibytes"])
				rs = append(rs, row{ks, str(r["table_name"]), v})
			}
		})
		if err != nil {
			return err
		}
		slices.SortFunc(rs, func(a, b row) int {
			return cmp.Or(cmp.Compare(b.mib, a.mib), cmp.Compare(a.ks+"."+a.table, b.ks+"."+b.table))
		})
		for _, r := range rs[:min(len(rs), d.limit)] {
			_ = e.Emit("cassandra_table_disk_usage_bytes", r.mib*(1<<20), n, r.ks, r.table)
		}
		return nil
	})
}
