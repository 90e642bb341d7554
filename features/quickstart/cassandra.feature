@cassandra @quickstart
Feature: A first look at Cassandra under load
  dbharness starts a private Cassandra node from the jars the install step fetched, watches
  it through its virtual tables, drives YCSB's workload B (95% reads) and checks what it measured.

  Scenario: YCSB workload B on one node, and what the node counted
    Given a Cassandra database
    And the "ycsb" dataset at scale 1
    When the "ycsb-b" workload runs 500 times shared by 4 workers
    Then the p99 latency of "read" is below 2s
    And the error rate is below 0.1%
    And the metric "cassandra_cql_prepared_statements_executed_total" increases by at least 500
