// Package oracle registers Oracle's datasets and workloads: the bank (accounts moved by a
// PL/SQL package the dataset creates, called from anonymous blocks and from SQL), the
// orders (range, interval, list and hash partitioned tables, queried so that each read
// prunes to the partitions it needs), the YCSB core workloads, and the dialect the
// declarative SQL workloads (workloads/sqlwork) run on: bind variables :1, :2, scripts
// split as SQL*Plus splits them.
//
// Every worker owns one go-ora connection through database/sql, and its session carries
// PROGRAM dbharness-workload, which the analysis uses to tell the load's sessions in ASH
// from the harness's own. Errors are classified by ORA- code (engines/oracle.Classify):
// deadlock, serialization, duplicate-key, package-state, ... and server:ORA-nnnnn.
package oracle

import (
	"github.com/dbharness/dbharness/engines/oracle"
	"github.com/dbharness/dbharness/workloads"
	"github.com/dbharness/dbharness/workloads/ycsb"
)

// Database is the engine name these workloads run against.
const Database = oracle.Name

func init() {
	workloads.RegisterDataset(BankDataset{})
	workloads.Register(Bank{})
	workloads.RegisterDataset(OrdersDataset{})
	workloads.Register(Orders{})
	ycsb.RegisterDB(Database, YCSB{})
}
