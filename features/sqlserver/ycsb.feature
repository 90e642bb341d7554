@sqlserver @ycsb
Feature: YCSB core workloads on SQL Server
  The YCSB core workloads run on SQL Server after YCSB's load phase (the "ycsb" dataset:
  scale N loads N×1000 records of ten 100-byte fields by bulk copy). Keys are sent as
  varchar, so every read seeks the primary key.

  Background:
    Given a SQL Server database
    And the "ycsb" dataset at scale 5

  Scenario: Workload A, update heavy, at a fixed rate
    When the "ycsb-a" workload runs for 3s at 300 operations per second with 4 workers
    Then the p99 latency of "read" is below 250ms
    And the p99 latency of "update" is below 250ms
    And the error rate is below 0.1%
    And the slow query findings do not include a full scan of "dbo.usertable"

  Scenario: Workload E, short ranges, as fast as the server answers
    When the "ycsb-e" workload runs for 3s with 4 workers
    Then the p95 latency of "scan" is below 250ms
    And the error rate is below 0.1%
