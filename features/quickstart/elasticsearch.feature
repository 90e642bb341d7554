@elasticsearch @quickstart
Feature: A first look at Elasticsearch under load
  dbharness starts a private Elasticsearch 8 node, watches it through _cluster/health,
  _nodes/stats, _stats and _cat/shards, loads a documents index and runs a search mix.

  Scenario: A search mix on the documents dataset, and the query shapes the slowlog saw
    Given an Elasticsearch database
    And the "documents" dataset at scale 1
    When the "search" workload runs 200 times shared by 4 workers
    Then the p99 latency of "match" is below 5s
    And the error rate is below 1%
    And the metric "elasticsearch_indices_search_query_total" increases by at least 100
    And the slow query findings include a query like "match title"
