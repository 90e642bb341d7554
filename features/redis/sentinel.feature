@redis @sentinel
Feature: Sentinels elect a new Redis primary
  A primary with replicas, watched by three sentinels. When the primary dies the sentinels
  agree that it is down and promote a replica; clients that connect through the sentinels
  find the new primary by themselves.
  The time limits only catch a failover that hangs: an election on a starved two-core CI
  machine took more than ten seconds; the report says how long each one took.

  Background:
    Given a Redis sentinel group with 2 replicas and 3 sentinels

  @failover-under-load
  Scenario: the primary is killed while clients write
    When the "acked-writes" workload runs in the background for 12s with 4 workers
    And 2s pass
    And the primary is killed
    Then a new primary is elected within 30s
    And the group is healthy again within 60s
    When the background workload has finished
    Then at most 1% of acknowledged writes are lost

  Scenario: a planned failover
    When a failover is triggered
    Then a new primary is elected within 30s
    And the group is healthy again within 60s
