@sqlserver
Feature: In-Memory OLTP next to its disk-based twin
  The same sessions live in a memory-optimized table, touched by a natively compiled
  procedure, and in a disk-based table, touched by an interpreted one. Both workloads name
  their operations alike, so the report shows them side by side.

  Scenario: Touching sessions in memory and on disk
    Given a SQL Server database
    And the "sessions" dataset at scale 1
    When the "sessions-disk" workload runs for 3s with 4 workers
    Then the p95 latency of "touch" is below 250ms
    And the error rate is below 1%
    When the "sessions-inmemory" workload runs for 3s with 4 workers
    Then the p95 latency of "touch" is below 250ms
    And the error rate is below 1%
    And the metric "sqlserver_xtp_transactions_total" increases by at least 100
    And the metric "sqlserver_xtp_table_memory_used_bytes" is reported
    And the analysis finds no hash-index
