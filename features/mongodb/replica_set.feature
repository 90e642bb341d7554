@mongodb @replica-set
Feature: A MongoDB replica set elects a new primary and keeps what it acknowledged
  Three mongod members, through Docker (or the replica set DBHARNESS_MONGODB_URI names). No
  real MongoDB runs where no Docker engine answers: there these scenarios are skipped, with
  the reason. The members are initiated with an election timeout of 2 s, and the workers do
  not retry, so a failover shows as classified errors and as acknowledged writes lost.

  Background:
    Given a MongoDB replica set of 3 members
    And the "empty" dataset at scale 1

  @failover-under-load
  Scenario: the primary is killed while clients write at w:majority
    When the "acked-writes" workload runs in the background for 12s with 4 workers
    And 2s pass
    And the primary is killed
    Then a new primary is elected within 30s
    And the replica set is healthy again within 30s
    When the background workload has finished
    Then no acknowledged write is lost

  @failover-under-load
  Scenario: at w:1 the old primary's last writes may be lost: the share is measured
    When the "acked-writes-w1" workload runs in the background for 12s with 4 workers
    And 2s pass
    And the primary is killed
    Then a new primary is elected within 30s
    When the background workload has finished
    Then at most 5% of acknowledged writes are lost

  Scenario: a planned step-down hands over without losing a write
    When the "acked-writes" workload runs in the background for 8s with 2 workers
    And 2s pass
    And a failover is triggered
    Then a new primary is elected within 30s
    When the background workload has finished
    Then no acknowledged write is lost
    And the replica set is healthy again within 30s

  Scenario: replication keeps up with CRUD
    Given the "shop" dataset at scale 1
    When the "crud" workload runs for 5s with 4 workers
    Then the error rate is below 0.1%
    And the metric "mongodb_replset_member_replication_lag_seconds" stays below 1s
    And the metric "mongodb_operation_count_total" increases by at least 100
    And the metric "mongodb_replset_oplog_window_seconds" is reported

  Scenario: multi-document transactions commit or conflict, never half
    Given the "shop" dataset at scale 1
    When the "transfer" workload runs for 5s with 4 workers
    Then the error rate is below 5%
    And the metric "mongodb_transactions_total" increases by at least 50

  Scenario: a paused secondary comes back and catches up
    When the node "node-3" is paused
    And 3s pass
    And the node "node-3" is resumed
    Then the replica set is healthy again within 30s
