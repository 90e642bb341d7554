@oracle
Feature: Queries on partitioned Oracle tables prune to the partitions they need
  The orders dataset has one table of each partitioning method: ORDERS by month (range, with
  interval partitioning, so a row of a new month makes its partition), SHIPMENTS by region
  (list) and CUSTOMERS by id (hash), with local indexes. Every read of the partitions
  workload names its partition key; the plans of the statements that took the most time say
  whether the optimizer pruned (PARTITION ... ITERATOR, SINGLE) or read every partition
  (PARTITION ... ALL, a partition-scan finding). Skips, with the reason, where no Oracle runs.

  Background:
    Given an Oracle database
    And the "orders" dataset at scale 2

  Scenario: Every read prunes, and new orders land in this month's partition
    When the "partitions" workload runs for 20s at 150 operations per second with 4 workers
    Then the thresholds hold:
      | metric                       | condition   |
      | latency{op:customer-orders}  | p(95)<250ms |
      | latency{op:customer}         | p(95)<250ms |
      | latency{op:new-order}        | p(95)<250ms |
      | errors                       | rate<0.01   |
    And the slow query findings include a query like "SELECT id, amount, status FROM orders WHERE customer_id = :1"
    And the analysis finds a plan "SELECT id, amount, status FROM orders WHERE customer_id = :1 AND order_date >= :2 AND order_date < ADD_MONTHS(:3, ?)" with at least 1 pruned_partition_operations
    And the analysis finds no partition-scan "ORDERS"
    And the analysis finds no partition-scan "SHIPMENTS"
    And the analysis finds no partition-scan "CUSTOMERS"
    And the analysis finds no cartesian-join

  Scenario: A query without the partition key reads every partition, and the analysis says so
    Given the SQL file "unpruned.sql"
    When the workload "unpruned.yaml" runs for 10s with 2 workers
    Then the analysis finds a partition-scan "ORDERS"
    And the analysis finds a plan "SELECT COUNT(*), SUM(amount) FROM orders WHERE status = :1" with at most 0 pruned_partition_operations
