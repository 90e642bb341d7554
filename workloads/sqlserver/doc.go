// Package sqlserver registers SQL Server's datasets and workloads: transfers between bank
// accounts in explicit transactions at read committed, snapshot and serializable isolation
// (read committed snapshot is the database setting READ_COMMITTED_SNAPSHOT), transfers that
// deadlock on purpose, orders placed through a stored procedure with a table-valued
// parameter next to ad hoc lookups, sessions in a memory-optimized table touched by a
// natively compiled procedure next to their disk-based twins, the YCSB core workloads, and
// the dialect the declarative SQL workloads run on (T-SQL, parameters @p1, scripts in GO
// batches). Each worker owns one connection; errors are classified by SQL Server's error
// number (deadlock victim 1205, lock timeout 1222, snapshot update conflict 3960, In-Memory
// OLTP conflicts 41302/41305/41325, ...).
package sqlserver

import (
	"github.com/dbharness/dbharness/workloads"
	"github.com/dbharness/dbharness/workloads/ycsb"

	engine "github.com/dbharness/dbharness/engines/sqlserver"
)

// Database is the engine name these workloads run against.
const Database = engine.Name

func init() {
	workloads.RegisterDataset(BankDataset{})
	workloads.RegisterDataset(OrdersDataset{})
	workloads.RegisterDataset(SessionsDataset{})
	for _, w := range transferWorkloads {
		workloads.Register(w)
	}
	workloads.Register(Deadlocks{})
	workloads.Register(Orders{})
	workloads.Register(Sessions{InMemory: true})
	workloads.Register(Sessions{})
	ycsb.RegisterDB(Database, YCSB{})
}
