@postgresql @plans
Feature: Plans are kept with baselines: a plan that changes fails the gate, even when latency is flat
  Each load's slowest statements are explained (their generic plans: node types in join order,
  tables and indexes, no costs), and a baseline run keeps their shapes. The gate compares them
  as they are, not as numbers: an index scan that became a bitmap scan is a regression whatever
  the latency says, because the next data or build may make it slow.

  Background:
    Given a PostgreSQL database
    And the "pgbench" dataset at scale 1
    And the baseline comparison uses 3 runs per side

  Scenario: the plan of the point select stays the same from load to load and in the baseline
    When the "point-select" workload runs for 1s with 2 workers
    And the "point-select" workload runs for 1s with 2 workers
    Then the plan of "SELECT abalance FROM pgbench_accounts WHERE aid" is unchanged
    And there is no regression against the baseline "plans/point-select-steady" or record it as the first baseline
    And the plan of "SELECT abalance FROM pgbench_accounts WHERE aid" is unchanged from the baseline "plans/point-select-steady"
    And the analysis finds a plan "SELECT abalance FROM pgbench_accounts WHERE aid = $1"

  # Exists to fail: the gate must report the plan that changed. `make test` runs it with the
  # baselines in a temporary folder and checks the failure names the plan and both shapes.
  @expected-failure
  Scenario: An index scan that becomes a bitmap scan is caught by the gate although latency is flat
    When the "point-select" workload runs for 1s with 2 workers
    Then there is no regression against the baseline "plans/point-select" or record it as the first baseline
    When the statement "ALTER SYSTEM SET enable_indexscan = off" runs
    And the statement "SELECT pg_reload_conf()" runs
    And the "point-select" workload runs for 1s with 2 workers
    Then there is no regression against the baseline "plans/point-select"
