Feature: A short run for the CLI tests

  Scenario: a short point-select load
    Given a PostgreSQL database
    And the "pgbench" dataset at scale 1
    When the "point-select" workload runs for 2s with 2 workers
    Then the error rate is below 1%
