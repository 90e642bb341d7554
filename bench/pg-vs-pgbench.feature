# Run by scripts/bench-pg-vs-pgbench.sh against a server it starts, with provider external:
# dbharness and pgbench then measure the same server, data and client count. The script runs
# one scenario at a time, by tag, alternating with pgbench.
@bench
Feature: dbharness next to pgbench

  @load
  Scenario: load the pgbench tables at scale 10
    Given a PostgreSQL database
    And the "pgbench" dataset at scale 10

  @point-select
  Scenario: point-select, as pgbench -S
    Given a PostgreSQL database
    When the "point-select" workload runs for 10s with 8 workers

  @tpcb
  Scenario: tpcb, as pgbench's TPC-B-like default
    Given a PostgreSQL database
    When the "tpcb" workload runs for 10s with 8 workers
