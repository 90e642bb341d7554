@mongodb @sharded
Feature: A sharded MongoDB cluster spreads the shop over its shards
  A config server, two shards of three members each and a mongos, through Docker (or the
  mongos DBHARNESS_MONGODB_URI names). No real MongoDB runs where no Docker engine answers:
  there these scenarios are skipped, with the reason. The shop's orders are sharded on a
  hashed customer_id when the dataset creates them.

  Background:
    Given a MongoDB sharded cluster with 2 shards of 3 members each
    And the "shop" dataset at scale 1

  Scenario: CRUD and aggregations through the mongos
    When the "crud" workload runs for 5s with 4 workers
    Then the error rate is below 0.1%
    And the metric "mongodb_sharding_shards" is reported
    And the metric "mongodb_sharding_chunks" is reported
    When the "aggregation" workload runs for 5s with 2 workers
    Then the error rate is below 0.1%
    And the analysis finds an aggregation "$match{customer_id} -> $group{_id:status}"

  @failover-under-load
  Scenario: the primary of shard 1 is killed while clients work
    When the "crud" workload runs in the background for 15s with 4 workers
    And 3s pass
    And the primary of shard 1 is killed
    Then a new primary is elected within 15s
    And the cluster is healthy again within 30s
    When the background workload has finished
    Then the metric "mongodb_replset_member_state" is reported
