@mysql @replication
Feature: A MariaDB primary with replicas under load: lag, failovers, and no lost write
  GTID replicas of a private primary, started natively. The lag is sampled every 100ms while
  the load runs, from GTID positions: how long ago the primary committed the oldest transaction
  a replica has not applied yet. A failover promotes the most advanced replica once it has
  applied what it received; clients find the new primary by themselves (the DSN names every
  node and they write to the one that is not read-only).

  Scenario: the replicas keep up with sysbench's writes
    Given a MariaDB primary with 2 replicas
    And the "sysbench" dataset at scale 2
    When the "oltp_write_only" workload runs for 4s with 4 workers
    Then the error rate is below 2%
    And replication lag stays below 30s
    And the replicas catch up within 60s
    And the metric "mysql_replica_io_running" is reported
    And the metric "mysql_replica_transactions_behind" is reported

  Scenario: the primary is killed under load; semi-synchronous replication loses no acknowledged write
    Given a MariaDB primary with 2 semi-synchronous replicas
    When the "acked-writes" workload runs in the background for 8s with 4 workers
    And 2s pass
    And the primary is killed
    And a failover is triggered
    Then a new primary is elected within 30s
    When the background workload has finished
    Then no acknowledged write is lost
    When the broken nodes are brought back
    Then the replication group is healthy again within 30s
    And the replicas catch up within 60s

  @planned-failover
  Scenario: a planned failover under load loses nothing either
    Given a MariaDB primary with 2 replicas
    When the "acked-writes" workload runs in the background for 6s with 4 workers
    And 2s pass
    And a failover is triggered
    Then a new primary is elected within 30s
    When the background workload has finished
    Then no acknowledged write is lost
    And the replication group is healthy again within 30s
    And the replicas catch up within 60s
