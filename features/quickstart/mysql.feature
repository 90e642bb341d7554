@mysql @quickstart
Feature: A first look at MariaDB under load
  dbharness starts a private MariaDB, watches it through SHOW GLOBAL STATUS, InnoDB and
  performance_schema, drives sysbench's point selects and checks what it measured.

  Scenario: Point selects on sysbench's tables, and the statement the server saw
    Given a MariaDB database
    And the "sysbench" dataset at scale 1
    When the "oltp_point_select" workload runs for 3s with 4 workers
    Then the p99 latency of "point_select" is below 250ms
    And the error rate is below 0.1%
    And the metric "mysql_questions_total" increases by at least 500
    And the slow query findings include a query like "SELECT c FROM sbtest1 WHERE id = ?"
