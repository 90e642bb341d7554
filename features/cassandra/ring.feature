@cassandra @ring
Feature: A Cassandra ring of three loses a node under load
  Three nodes on 127.0.B.1-3 and the kv dataset on three replicas. With one node killed,
  QUORUM reads and writes go on (two of three replicas answer) and ALL fails, classified as
  unavailable: the coordinator knows a replica is down and refuses at once. The node comes
  back, the ring is healthy again, and the hints the others kept for it are delivered. The
  time limits only catch a hang: a node boots in seconds on a quiet machine and in minutes
  on a starved one.

  Scenario: QUORUM survives a killed node, ALL fails as unavailable, the node comes back and gets its hints
    Given a Cassandra ring of 3 nodes
    And the "kv" dataset at scale 1
    When the node "node-3" is killed
    And the "kv-quorum" workload runs 300 times shared by 4 workers
    Then the error rate is below 0.1%
    When the "kv-all" workload runs 100 times shared by 2 workers
    Then every error is classified as "unavailable"
    And the thresholds hold:
      | errors | rate>0.99 |
    When the node "node-3" is restarted
    Then the ring is healthy again within 300s
    And the replicas catch up within 300s
    When the "kv-all" workload runs 100 times shared by 2 workers
    Then the error rate is below 0.1%
