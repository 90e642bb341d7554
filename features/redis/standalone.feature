@redis @standalone
Feature: Redis under load: latency, metrics and what the analysis sees
  A private redis-server per scenario. The checks read the load's own measurements, the
  metrics the collector scraped while the load ran, and the analysis on top of them: the
  key patterns the data left, the commands that ran, memory.

  Scenario: GET and SET on the keys dataset, and the key pattern it leaves
    Given a Redis database
    And the "keys" dataset at scale 1
    When the "get-set" workload runs for 3s with 4 workers
    Then the error rate is below 0.1%
    And the p99 latency of "get" is below 250ms
    And the metric "redis_commands_processed_total" increases by at least 1000
    And the metric "redis_keyspace_hits_total" increases by at least 1000
    And the analysis finds a key-pattern "dbh:key:{id}" with at least 9000 keys
    And the analysis finds a command "get" with at least 1000 calls
    And the analysis finds no big-key

  Scenario: pipelines of 16 commands
    Given a Redis database
    And the "keys" dataset at scale 1
    When the "pipeline" workload runs for 2s with 2 workers
    Then the error rate is below 0.1%
    And the metric "redis_commands_processed_total" increases by at least 16000

  Scenario: pub/sub delivery latency, measured from publish to receipt
    Given a Redis database
    When the "pubsub" workload runs for 3s with 2 workers
    Then the error rate is below 0.1%
    And the p99 latency of "deliver" is below 500ms

  Scenario: a small maxmemory evicts keys, and the metrics show it
    Given a Redis database with these settings:
      | maxmemory        | 4mb         |
      | maxmemory-policy | allkeys-lru |
    And the "keys" dataset at scale 5
    When the "get-set-0-100" workload runs for 2s with 2 workers
    Then the error rate is below 0.1%
    And the metric "redis_evicted_keys_total" increases by at least 1000

  Scenario: YCSB workload B on Redis
    Given a Redis database
    And the "ycsb" dataset at scale 1
    When the "ycsb-b" workload runs for 3s with 4 workers
    Then the error rate is below 0.1%
    And the p95 latency of "read" is below 250ms
