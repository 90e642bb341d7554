// Package redis starts Redis for scenarios: standalone, replicated (a primary and replicas),
// cluster (primaries and replicas with every slot assigned) and sentinel (a replicated group
// watched by sentinels), as native processes from the OS packages, as containers where a
// Docker engine exists, or an external server named by a DSN. It also owns the DSN format
// (see ParseDSN) that the Redis collector and workloads connect with.
package redis
