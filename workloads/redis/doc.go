// Package redis registers Redis's datasets and workloads, all against the engine name
// "redis" and every DSN form engines/redis understands (redis://, redis+cluster://,
// redis+sentinel://):
//
//   - datasets "keys" (scale × 10,000 string keys) and "empty" (removes what the
//     workloads own, for the ones that make their own keys);
//   - "get-set" and its mixes, "pipeline" and its depths, "transaction" (WATCH/MULTI/EXEC on
//     counters), "lua" (a rate limiter by EVALSHA), "structures" (hash, list, set, sorted
//     set and stream commands), "pubsub" (publishes as operations, delivery latency as the
//     measure "deliver"), "acked-writes" (a Verifier of acknowledged writes);
//   - the YCSB core workloads ycsb-a to ycsb-f, records as hashes with a sorted-set index
//     for scans.
//
// Every key the package writes starts with KeyPrefix ("dbh:"), so a dataset can remove what
// it owns without FLUSHDB on a server that may hold other data.
//
// Each worker owns one go-redis client with one connection (per node on a cluster), as each
// pgbench client and each PostgreSQL worker here owns one connection and as each
// redis-benchmark client does: the connection count is the VU count, a failure hits the
// worker whose connection broke, and no pool lock sits on the hot path. Clients do not
// retry (MaxRetries -1): an operation that fails during a failover counts as one error,
// classified (see Classify), instead of hiding in a retry's latency. Cluster clients still
// follow MOVED and ASK; the prepared workloads count them (see RedirectCounter).
package redis

import (
	"github.com/dbharness/dbharness/workloads"
	"github.com/dbharness/dbharness/workloads/ycsb"
)

// Database is the engine name these workloads run against.
const Database = "redis"

// KeyPrefix starts every key this package writes.
const KeyPrefix = "dbh:"

func init() {
	workloads.RegisterDataset(KeysDataset{})
	workloads.RegisterDataset(EmptyDataset{})
	for _, w := range []workloads.Workload{
		GetSet{}, GetSet{GetWeight: 50, SetWeight: 50}, GetSet{GetWeight: 100}, GetSet{SetWeight: 100},
		Pipeline{}, Pipeline{Depth: 4}, Pipeline{Depth: 64}, Pipeline{GetWeight: 100}, Pipeline{SetWeight: 100},
		Transaction{}, Lua{}, Structures{}, PubSub{}, AckedWrites{},
	} {
		workloads.Register(w)
	}
	ycsb.RegisterDB(Database, YCSB{})
}
