@cassandra @standalone
Feature: One Cassandra node under load: latency, the node's own counters, a baseline
  A private Cassandra 5.0 node (the cassandra-all jars from Maven Central on Java 17). The
  checks read the load's own measurements and what the node's virtual tables counted while
  it ran. The runs are a fixed number of operations, so the counts hold on a starved machine.

  Scenario: key-value reads and writes at QUORUM, what the node counted, and a baseline
    Given a Cassandra database
    And the "kv" dataset at scale 1
    And the baseline comparison uses 2 runs per side
    When the "kv-quorum" workload runs 400 times shared by 4 workers
    Then the thresholds hold:
      | metric            | condition |
      | latency{op:read}  | p(95)<2s  |
      | latency{op:write} | p(95)<2s  |
      | errors            | rate<0.01 |
    And the metric "cassandra_cql_prepared_statements_executed_total" increases by at least 400
    And the metric "cassandra_table_coordinator_writes_total" increases by at least 100
    And the metric "cassandra_table_local_reads_total" increases by at least 100
    And the metric "cassandra_thread_pool_pending_tasks" is reported
    And there is no regression against the baseline "cassandra/kv-quorum" or record it as the first baseline

  Scenario: a work queue in one partition: every dequeue reads through the tombstones the last ones left
    Given a Cassandra database with these settings:
      | tombstone_warn_threshold | 100 |
      | slow_query_log_timeout   | 1ms |
    And the "queue" dataset at scale 1
    When the "queue" workload runs 1000 times shared by 4 workers
    Then the error rate is below 1%
    And the analysis finds a tombstone-heavy "dbh_queue.messages" with at least 1 reads
    And the analysis finds a tombstone-heavy "dbh_queue.messages" with at least 100 max_tombstones
    And the slow query findings include a query like "SELECT * FROM dbh_queue.messages WHERE queue"
