// Package mongodb registers MongoDB's datasets and workloads, against the engine name
// "mongodb" and every deployment engines/mongodb starts or names (a standalone mongod,
// embedded FerretDB, a replica set URI, a mongos):
//
//   - datasets "shop" (customers, products, orders and events with nested documents,
//     arrays, dates, decimals, ObjectIds and single, compound, multikey, unique and TTL
//     indexes) and "empty" (drops what the workloads that make their own documents wrote);
//   - "crud" (finds, inserts, nested and array updates, deletes), "bulk" (ordered and
//     unordered bulkWrite), "aggregation" (pipelines; one accumulator per $group on
//     FerretDB), "transfer" (multi-document transactions; replica sets and clusters only),
//     "acked-writes" and "acked-writes-w1" (Verifiers of acknowledged writes at w:majority
//     and w:1);
//   - the YCSB core workloads ycsb-a to ycsb-f, in YCSB's mongodb layout.
//
// The workers of one run share one client, as an application's threads share one MongoDB
// client: its pool (size from the URI's maxPoolSize) hands each worker a connection, and
// the run counts the pool's events (workloads.Counter). The clients do not retry (unless the
// URI says retryWrites or retryReads): an operation that fails during a failover counts as
// one error, classified (see Classify).
package mongodb

import (
	"github.com/dbharness/dbharness/workloads"
	"github.com/dbharness/dbharness/workloads/ycsb"
)

// Database is the engine name these workloads run against.
const Database = "mongodb"

func init() {
	workloads.RegisterDataset(ShopDataset{})
	workloads.RegisterDataset(EmptyDataset{})
	for _, w := range []workloads.Workload{CRUD{}, Bulk{}, Aggregation{}, Transfer{}, AckedWrites{}, AckedWrites{W1: true}} {
		workloads.Register(w)
	}
	ycsb.RegisterDB(Database, YCSB{})
}
