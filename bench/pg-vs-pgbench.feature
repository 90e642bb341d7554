# Run by scripts/bench-pg-vs-pgbench.sh against a server it starts, with provider external:
# dbharness and pgbench then measure the same server, data and client count.
@bench
Feature: dbharness next to pgbench

  Scenario: point-select, as pgbench -S
    Given a PostgreSQL database
    And the "pgbench" dataset at scale 10
    When the "point-select" workload runs for 10s with 8 workers

  Scenario: tpcb, as pgbench's TPC-B-like default
    Given a PostgreSQL database
    When the "tpcb" workload runs for 10s with 8 workers
