@postgresql @replication
Feature: A PostgreSQL primary with streaming replicas: lag under load, failovers, acknowledged writes
  Hot-standby replicas of a private primary (pg_basebackup, streaming replication), started
  natively. The lag is sampled every 100ms while a load runs, from WAL positions: how long ago
  the primary wrote the oldest record a replica has not replayed. A failover promotes the
  replica that received the most WAL; clients find the new primary by themselves (the DSN
  names every node and asks for the one that takes writes). Acknowledged writes are read back
  from the new primary and the lost ones counted.

  Scenario: the replicas keep up with pgbench's transfers
    Given a PostgreSQL primary with 2 replicas
    And the "pgbench" dataset at scale 1
    When the "tpcb" workload runs 600 times shared by 4 workers
    Then the error rate is below 0.1%
    And replication lag stays below 1s
    And the replicas catch up within 10s
    And the metric "postgresql_replication_lag_bytes" is reported
    And the metric "postgresql_wal_bytes_total" increases by at least 100000

  @failover-under-load
  Scenario: the primary is killed under load; with remote_apply no acknowledged write is lost
    Given a PostgreSQL primary with 2 replicas and synchronous_commit remote_apply
    When the "acked-writes" workload runs in the background for 6s with 4 workers
    And 2s pass
    And the primary is killed
    And a failover is triggered
    Then a new primary is elected within 10s
    When the background workload has finished
    Then no acknowledged write is lost
    When the broken nodes are brought back
    Then the cluster is healthy again within 30s
    And the replicas catch up within 30s

  Scenario: the primary is killed under load; asynchronous replicas may lose the last writes
    Given a PostgreSQL primary with 2 replicas and synchronous_commit off
    When the "acked-writes" workload runs in the background for 6s with 4 workers
    And 2s pass
    And the primary is killed
    And a failover is triggered
    Then a new primary is elected within 10s
    When the background workload has finished
    Then at most 10% of acknowledged writes are lost

  Scenario: a planned failover under load loses nothing and the old primary rejoins
    Given a PostgreSQL primary with 2 replicas
    When the "acked-writes" workload runs in the background for 5s with 4 workers
    And 2s pass
    And a failover is triggered
    Then a new primary is elected within 10s
    When the background workload has finished
    Then no acknowledged write is lost
    And the cluster is healthy again within 20s
    And the replicas catch up within 10s

  Scenario: the shop's verified reads run on the replicas
    Given a PostgreSQL primary with 2 replicas
    And the "orders" dataset at scale 1
    And the replicas catch up within 30s
    When the "orders-read on replicas" workload runs 200 times shared by 4 workers
    Then the thresholds hold:
      | metric     | condition  |
      | errors     | rate==0    |
      | iterations | count==200 |
