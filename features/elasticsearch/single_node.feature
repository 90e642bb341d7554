@elasticsearch @standalone
Feature: Searches on a single Elasticsearch 8 node and on OpenSearch 2, and what the slowlog saw
  A private node per scenario, from the integ-test zip on Maven Central, run as an
  unprivileged user. The documents dataset sets its index's search slowlog threshold to 0ms,
  so the analysis sees every query shape; the collector scrapes _nodes/stats while the load
  runs. Counts come from fixed numbers of operations: a starved machine runs them slowly,
  never fewer. (Elasticsearch 7 is started and queried by the engine's tests.)

  Scenario: the search mix on Elasticsearch 8, its node stats, its slow queries and a baseline
    Given an Elasticsearch database
    And the "documents" dataset at scale 1
    When the "search" workload runs 300 times shared by 4 workers
    Then the error rate is below 1%
    And the p99 latency of "match" is below 5s
    And the metric "elasticsearch_indices_search_query_total" increases by at least 150
    And the metric "elasticsearch_jvm_memory_heap_used_bytes" is reported
    And the slow query findings include a query like "match title"
    And the analysis finds a node-load "node-1" with at least 150 queries
    And the analysis finds a node-load "node-1" with at most 0 search_rejected
    And there is no regression against the baseline "elasticsearch/search" or record it as the first baseline

  Scenario: match queries on OpenSearch 2
    Given an OpenSearch database
    And the "documents" dataset at scale 1
    When the "search-match" workload runs 100 times shared by 2 workers
    Then the error rate is below 1%
    And the metric "elasticsearch_indices_search_query_total" increases by at least 100
    And the slow query findings include a query like "match title"
