# dbharness: `make demo` runs the quickstart features against a PostgreSQL that dbharness
# starts itself; `make test` runs every test, the feature suite included.
GO       ?= go
BIN      := bin/dbharness
COMMIT   := $(shell git rev-parse --short=12 HEAD 2>/dev/null)
LDFLAGS  := -X github.com/dbharness/dbharness/result.Commit=$(COMMIT)
# Go test flags; CI and users run the same ones.
TESTFLAGS ?= -race -count=1 -timeout 20m

.PHONY: all deps build demo test vet generate bench bench-load bench-postgresql bench-pg-vs-pgbench bench-pg-collector bench-pg-replication bench-redis bench-mysql bench-oracle bench-rate bench-mongodb bench-sqlserver bench-cassandra bench-elasticsearch calibrate-gate bench-soak clean

all: build

deps:
	@scripts/install-deps.sh

build:
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/dbharness

demo: deps build
	./$(BIN) run features/quickstart/

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...
	@# The dashboards are generated from the catalog and the features: a feature edit without
	@# `make generate` fails here in seconds instead of in the full suite.
	$(GO) test -count=1 -run TestGeneratedFilesAreUpToDate ./dashboards

# Regenerates the committed dashboards, alert rules and their tests after a catalog or feature edit.
generate:
	$(GO) test -count=1 -run TestGeneratedFilesAreUpToDate ./dashboards -args -update

test: deps vet
	$(GO) test $(TESTFLAGS) ./...

# dbharness's point-select and tpcb next to pgbench (TPS ratios).
bench-postgresql: deps build
	scripts/bench-pg-vs-pgbench.sh
bench-pg-vs-pgbench: bench-postgresql

# Oracle (Docker or DBHARNESS_ORACLE_DSN): the collector next to oracledb_exporter, and the
# load engine's YCSB and PL/SQL workloads; says why it cannot run where neither is there.
bench-oracle: build
	scripts/bench-oracle.sh
# The PostgreSQL collector next to prometheus-postgres-exporter (scrape time, series, CPU per
# scrape) and the cost of the analysis's wait sampling on pgbench's throughput (ABBA).
bench-pg-collector: deps
	scripts/bench-pg-collector.sh

# A PostgreSQL primary with 2 replicas: replication lag under a write load and the time from
# a killed primary to the first write the promoted replica takes, 5 runs each.
bench-pg-replication: deps
	scripts/bench-pg-replication.sh

# dbharness's Redis GET/SET next to redis-benchmark (ratios).
bench-redis: deps build
	scripts/bench-redis.sh

# dbharness's bulk indexing and match query next to esrally (an offline custom track over the
# same documents) and its collector next to prometheus-elasticsearch-exporter, on one node
# (ratios, alternating); node and 3-node cluster start times, time to green after a node kill.
bench-elasticsearch: deps build
	scripts/bench-elasticsearch.sh

# dbharness's OLTP workloads next to sysbench and its collector next to mysqld_exporter, on
# one MariaDB (ratios, alternating); replication lag and start-up times.
bench-mysql: deps build
	scripts/bench-mysql.sh

# dbharness's YCSB next to YCSB's JDBC binding, and the collector next to
# prometheus-mssql-exporter, on one SQL Server (ratios); needs Docker (or
# DBHARNESS_SQLSERVER_DSN), and says why it measures nothing without.
bench-sqlserver: build
	scripts/bench-sqlserver.sh

# dbharness's YCSB A and C next to go-ycsb's cassandra binding on one Cassandra node
# (ratios, alternating), a collector scrape's cost and series, and a 3-node ring's start time.
bench-cassandra: deps build
	scripts/bench-cassandra.sh

# Open-loop precision: point selects at 2k, 5k, 8k and 15k/s next to pgbench --rate
# (achieved rate, latency and schedule lag, ratios).
bench-rate: deps build
	scripts/bench-rate.sh

# dbharness's YCSB A and C next to go-ycsb's mongodb binding on one FerretDB (ratios),
# FerretDB on SQLite against PostgreSQL, and what a collector scrape costs.
bench-mongodb: deps build
	scripts/bench-mongodb.sh

# The load engine next to pgbench, go-ycsb and redis-benchmark (ratios), and its own cost.
bench-load: deps build
	scripts/bench-load.sh

# The regression gate's false alarms (A/A, quiet and beside a CPU hog) and power (the server
# made 5% and 10% slower) on a real PostgreSQL; COMPARISONS=2 RUN_SECONDS=3 for a quick look.
calibrate-gate: deps build
	scripts/calibrate-gate.sh

# Soak runs (a one-minute Redis cluster, a 20-minute PostgreSQL): result.json and TSDB size,
# dbharness's RSS per minute and its slope; PG_MINUTES="5 20" for more runs.
bench-soak: deps build
	scripts/bench-soak.sh

# Every go benchmark (no database needed for most).
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

clean:
	rm -rf bin reports/out
