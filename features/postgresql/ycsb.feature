@postgresql @ycsb
Feature: YCSB core workloads on PostgreSQL
  The YCSB core workloads run on PostgreSQL after YCSB's load phase (the "ycsb" dataset:
  scale N loads N×1000 records of ten 100-byte fields).

  Background:
    Given a PostgreSQL 15 database
    And the "ycsb" dataset at scale 5

  Scenario: Workload A, update heavy, at a fixed rate
    When the "ycsb-a" workload runs for 3s at 300 operations per second with 4 workers
    Then the p99 latency of "read" is below 250ms
    And the p99 latency of "update" is below 250ms
    And the error rate is below 0.1%
    And the metric "postgresql_tup_updated_total" increases by at least 200

  Scenario: Workload E, short ranges, as fast as the server answers
    When the "ycsb-e" workload runs for 3s with 4 workers
    Then the p95 latency of "scan" is below 250ms
    And the error rate is below 0.1%
    And the metric "postgresql_tup_inserted_total" increases by at least 1
