@redis @quickstart
Feature: A first look at Redis under load

  Scenario: GET and SET on a private Redis, and what its keys look like
    Given a Redis database
    And the "keys" dataset at scale 1
    When the "get-set" workload runs for 3s with 4 workers
    Then the p99 latency of "get" is below 250ms
    And the error rate is below 0.1%
    And the metric "redis_keyspace_hits_total" increases by at least 1000
    And the analysis finds a key-pattern "dbh:key:{id}" with at least 9000 keys
