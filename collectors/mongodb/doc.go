// Package mongodb collects what MongoDB (and FerretDB) say about themselves as Prometheus
// metrics, with names close to the OpenTelemetry mongodb receiver and percona's
// mongodb_exporter, and analyses what a scenario did: aggregation pipelines by stage shape,
// slow operations by query shape, and index use (see Collector.Analyze and FindingKinds).
//
// The collector reaches every member of the deployment its URI names, discovered again on
// every scrape: the server itself; every member of a replica set (hello's hosts); the
// mongos of a sharded cluster, the members of every shard (config.shards) and its config
// servers. Each per-member source (serverStatus, currentOp, the profiler, the oplog) is one
// scraper per member, named "<source>@<host:port>", so a member that does not answer fails
// only its own scrapes (and mongodb_up{member} is 0 for it). Deployment-wide sources
// (dbStats, $collStats, $indexStats, replSetGetStatus per set, sharding) run once.
//
// Every metric declares the flavors that provide it. On FerretDB the sources it lacks
// (opcounters and the rest of serverStatus, replSetGetStatus, $indexStats, sharding, a
// currentOp that lists anything) are not scraped at all, so nothing is emitted as a zero;
// `the metric "X" is reported` fails with the catalog's reason. Embedded FerretDB has no
// profiler either: the profile scraper reads the wire recorder in front of it
// (engines/mongodb.Recorder) instead of system.profile.
//
// Settings (collectors.WithSetting) are listed in SettingDocs; the metrics and findings in
// docs/databases/mongodb-metrics.md, generated from the catalog and FindingKinds.
package mongodb
