@elasticsearch @cluster
Feature: A 3-node Elasticsearch cluster loses a node under indexing load
  Every document the cluster acknowledged is on each in-sync copy (one replica), so a node
  killed while clients write loses none of them: they are read back by id afterwards. The
  time limits only catch a recovery that hangs: a killed node's JVM boots again under the
  machine's JVM start lock, on a starved machine in a minute or more.

  Scenario: a node is killed while clients write, comes back, and nothing acknowledged is lost
    Given an Elasticsearch cluster of 3 nodes
    When the "acked-writes" workload runs in the background for 15s with 4 workers
    And 3s pass
    And the node "node-2" is killed
    When the background workload has finished
    And the broken nodes are brought back
    Then the cluster is healthy again within 5m
    And no acknowledged write is lost
