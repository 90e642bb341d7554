@mysql @mysql8
Feature: MySQL 8 in Docker, with what MariaDB lacks
  MySQL 8 runs only as a container (testcontainers' mysql module): where no Docker engine
  answers, the scenario is skipped with the reason. Its digest table has the latency
  percentiles MariaDB's lacks, and its InnoDB counts row operations.

  Scenario: point selects on MySQL 8, with the server's own latency percentiles
    Given a MySQL 8 database
    And the "sysbench" dataset at scale 1
    When the "oltp_point_select" workload runs 2000 times shared by 4 workers
    Then the error rate is below 0.1%
    And the metric "mysql_perf_schema_events_statements_latency_seconds" is reported
    And the metric "mysql_innodb_row_operations_total" increases by at least 2000
    And the analysis finds a slow-query "SELECT `c` FROM `sbtest1` WHERE `id` = ?" with at least 500 calls
