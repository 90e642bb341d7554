@oracle
Feature: YCSB's core workloads on Oracle
  The usertable loaded with array binds, a thousand rows per round trip; reads, updates,
  inserts and scans through prepared statements on one connection per worker. Skips, with
  the reason, where no Oracle runs.

  Background:
    Given an Oracle database
    And the "ycsb" dataset at scale 5

  Scenario: Workload A, half reads and half updates, at a fixed rate
    When the "ycsb-a" workload runs for 20s at 300 operations per second with 8 workers
    Then the thresholds hold:
      | metric             | condition   |
      | latency{op:read}   | p(95)<100ms |
      | latency{op:update} | p(95)<250ms |
      | errors             | rate<0.01   |
    And the metric "oracledb_executions_total" increases by at least 3000
    And the metric "oracledb_top_sql_executions_total" is reported
    And the slow query findings do not include a sequential scan on "USERTABLE"

  Scenario: Workload E, short scans
    When the "ycsb-e" workload runs 2000 times shared by 4 workers
    Then the thresholds hold:
      | errors | rate==0 |
    And the slow query findings include a query like "SELECT * FROM USERTABLE WHERE ycsb_key >= :1"
