Feature: A long run, interrupted by the CLI tests

  Scenario: a long point-select load
    Given a PostgreSQL database
    And the "pgbench" dataset at scale 1
    When the "point-select" workload runs for 5m with 2 workers
