// Package postgres registers PostgreSQL's datasets and workloads: the pgbench dataset and the
// tpcb (pgbench's TPC-B-like transaction) and point-select (pgbench -S) workloads, the YCSB
// core operations (the ycsb dataset and workloads ycsb-a to ycsb-f), the orders dataset (a
// shop) with its verified joins, CTEs and window functions and its writes (orders,
// orders-read), acked-writes for failovers, and the read-only ones "on replicas". Each worker
// owns one pgx connection, as each pgbench client does, and uses pgx's statement cache, so
// every statement after the first is a prepared-statement round trip.
package postgres

import (
	"github.com/dbharness/dbharness/workloads"
	"github.com/dbharness/dbharness/workloads/ycsb"
)

// Database is the engine name these workloads run against.
const Database = "postgresql"

func init() {
	workloads.RegisterDataset(PgbenchDataset{})
	workloads.Register(TPCB{})
	workloads.Register(PointSelect{})
	workloads.Register(AckedWrites{})
	workloads.RegisterDataset(OrdersDataset{})
	workloads.Register(Orders{})
	workloads.Register(Orders{ReadOnly: true})
	workloads.Register(StockTransfers{})
	workloads.Register(OnReplicas{PointSelect{}})
	workloads.Register(OnReplicas{Orders{ReadOnly: true}})
	ycsb.RegisterDB(Database, YCSB{})
}
