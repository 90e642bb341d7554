// Package databases links in every database dbharness supports: importing it registers
// their engines, collectors and workloads. This file is the one list of them.
package databases

import (
	_ "github.com/dbharness/dbharness/collectors/cassandra"     // Cassandra collectors: system_views virtual tables on every node (thread pools, caches, clients, per-table latencies, hints, ...) and the ring
	_ "github.com/dbharness/dbharness/collectors/elasticsearch" // Elasticsearch/OpenSearch collectors: _cluster/health, _nodes/stats, _stats, _cat/shards; slowlog analysis
	_ "github.com/dbharness/dbharness/collectors/mongodb"       // MongoDB collectors: serverStatus, dbStats, $collStats, $indexStats, replSetGetStatus, sharding, currentOp, the profiler; aggregation, slow query and index analysis
	_ "github.com/dbharness/dbharness/collectors/mysql"         // MySQL/MariaDB collectors: status, variables, InnoDB, performance_schema, replicas, and the analysis
	_ "github.com/dbharness/dbharness/collectors/oracle"        // Oracle collectors: gv$sysstat, gv$sysmetric, gv$sqlstats, waits, ASH (licensed only), ... and the analysis
	_ "github.com/dbharness/dbharness/collectors/postgres"      // PostgreSQL collectors: pg_stat_database, pg_stat_statements
	_ "github.com/dbharness/dbharness/collectors/redis"         // Redis collectors: INFO, SLOWLOG, LATENCY, CLUSTER, SENTINEL, ... and the analysis
	_ "github.com/dbharness/dbharness/collectors/sqlserver"     // SQL Server collectors: DMVs, Query Store, Always On, In-Memory OLTP; deadlock graphs, plans, index recommendations
	_ "github.com/dbharness/dbharness/engines/cassandra"        // Cassandra engine: native node or ring of N on 127.0.B.N (cassandra-all from Maven Central, Java 17), external
	_ "github.com/dbharness/dbharness/engines/elasticsearch"    // Elasticsearch engine: Elasticsearch 8/7 and OpenSearch 2 native from Maven Central's integ-test zips (single node, cluster of N), external
	_ "github.com/dbharness/dbharness/engines/mongodb"          // MongoDB engine: embedded FerretDB; docker standalone, replica set, sharded; external
	_ "github.com/dbharness/dbharness/engines/mysql"            // MySQL engine: MariaDB native (standalone, primary with replicas), MySQL 8 and MariaDB in Docker, external
	_ "github.com/dbharness/dbharness/engines/oracle"           // Oracle engine: docker (Oracle Free), external
	_ "github.com/dbharness/dbharness/engines/postgres"         // PostgreSQL engine: native, docker, external
	_ "github.com/dbharness/dbharness/engines/redis"            // Redis engine: standalone, replicated, cluster, sentinel
	_ "github.com/dbharness/dbharness/engines/sqlserver"        // SQL Server engine: docker, external (no native server exists)
	_ "github.com/dbharness/dbharness/workloads/cassandra"      // Cassandra datasets and workloads: kv at ONE/QUORUM/ALL, lightweight transactions, YCSB
	_ "github.com/dbharness/dbharness/workloads/elasticsearch"  // Elasticsearch datasets and workloads: documents, search mixes, bulk-index, crud, acked-writes, YCSB
	_ "github.com/dbharness/dbharness/workloads/mongodb"        // MongoDB datasets and workloads: shop, crud, bulk, aggregation, transfer, acked-writes, YCSB
	_ "github.com/dbharness/dbharness/workloads/mysql"          // MySQL datasets and workloads: sysbench OLTP, YCSB, stored-procedure ledger, bulk inserts, deadlocks, acked-writes
	_ "github.com/dbharness/dbharness/workloads/oracle"         // Oracle datasets and workloads: bank (PL/SQL), orders (partitions), YCSB, the SQL dialect
	_ "github.com/dbharness/dbharness/workloads/postgres"       // PostgreSQL datasets and workloads: pgbench, tpcb, point-select
	_ "github.com/dbharness/dbharness/workloads/redis"          // Redis datasets and workloads: keys, get-set, pipeline, acked-writes, YCSB, ...
	_ "github.com/dbharness/dbharness/workloads/sqlserver"      // SQL Server datasets and workloads: bank transfers, deadlocks, orders (procedures, TVPs), In-Memory sessions, YCSB, T-SQL dialect
)
