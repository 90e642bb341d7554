// Package mongodb starts MongoDB for dbharness, in two flavors:
//
//   - mongodb: the real server (mongod, mongos) through Docker: a standalone server through
//     the testcontainers mongodb module, a replica set (initiated, its primary awaited) and a
//     sharded cluster (a config server replica set, shards, a mongos) as containers on the
//     host network; or an external server or cluster named by a mongodb:// or
//     mongodb+srv:// URI, whose topology is discovered (hello, replSetGetStatus,
//     config.shards).
//   - ferretdb: FerretDB v1 embedded in the harness process (provider embedded), speaking
//     the MongoDB wire protocol over a loopback port, its data in SQLite or in a PostgreSQL
//     started through engines/postgres. No mongod can be installed on the machines CI
//     runs on; FerretDB is how the wire protocol, the driver code, CRUD, indexes, explain
//     and the statistics commands are tested for real there. A wire recorder in front of
//     it keeps what MongoDB's profiler would (see Recorder), since FerretDB has none.
//
// "a MongoDB database" is real MongoDB where a Docker engine answers and embedded FerretDB
// elsewhere: Info().Flavor says which ran, and the collectors and steps read it.
//
// The package also owns the URI the collector and the workloads connect with (see
// Connect and WithOptions), and how a flavor is recognized on an unknown server (Detect).
package mongodb
