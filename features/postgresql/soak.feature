@postgresql @soak
Feature: An hour of transfers on PostgreSQL
  What only shows late: table and index bloat from the updates, vacuum falling behind, a
  slow leak in the harness or the server. Every sample of the hour is in the run's TSDB
  folder (reports/out/tsdb); result.json keeps downsampled series. Not in the default run:
  select it with --tags @soak (docs/soak.md).

  Background:
    Given the collectors scrape every 1s
    And a PostgreSQL database
    And the "pgbench" dataset at scale 10

  Scenario: TPC-B-like transfers for an hour at a fixed rate stay fast
    Given the load stops early when these thresholds fail:
      | metric                | condition   | delay |
      | latency{op:transfer}  | p(99)<500ms | 1m    |
      | errors                | rate<0.01   | 1m    |
    When the "tpcb" workload runs for 1h at 200 operations per second with 4 workers
    Then the p95 latency of "transfer" is below 100ms
    And the error rate is below 0.1%
    And the metric "postgresql_xact_commit_total" increases by at least 600000
