@mysql @standalone
Feature: MariaDB under sysbench's OLTP load: thresholds, the server's counters and the statements it saw
  A private MariaDB per scenario, started natively (as the mysql user when the harness is
  root), with performance_schema and the slow query log on. The load is sysbench's
  oltp_read_write and oltp_point_select on sysbench's tables; the checks read the load's
  own measurements, the counters the collector scraped while it ran, and the analysis of the
  statement digests.

  Background:
    Given the collectors scrape every 500ms
    And a MariaDB database
    And the "sysbench" dataset at scale 2

  Scenario: oltp_read_write holds its thresholds, and the digests show its statements
    When the "oltp_read_write" workload runs 100 times shared by 4 workers
    Then the thresholds hold:
      | metric                 | condition   |
      | latency{op:read_write} | p(95)<5s    |
      | errors                 | rate<0.02   |
    And the metric "mysql_questions_total" increases by at least 1800
    And the metric "mysql_innodb_buffer_pool_operations_total" increases by at least 1000
    And the metric "mysql_handlers_total" increases by at least 10000
    And the slow query findings include a query like "SELECT DISTINCT c FROM sbtest1 WHERE id BETWEEN ? AND ? ORDER BY c"
    And the slow query findings include a query like "COMMIT"
    And the slow query findings do not include a full scan on "sbtest1"
    And the analysis finds no tmp-disk-table

  Scenario: point selects as fast as the server answers, every one through the primary key
    When the "oltp_point_select" workload runs 2000 times shared by 4 workers
    Then the p99 latency of "point_select" is below 1s
    And the error rate is below 0.1%
    And the metric "mysql_commands_total" increases by at least 2000
    And the metric "mysql_perf_schema_index_io_waits_total" increases by at least 2000
    And the analysis finds a slow-query "SELECT `c` FROM `sbtest1` WHERE ID = ?" with at least 500 calls
    And the analysis finds no full-scan
    And the analysis finds no examined-rows

  # Exists to fail: the second comparison must find the regression, and name the server's
  # counters that moved with it. `make test` runs it with the baselines in a temporary folder.
  @expected-failure
  Scenario: Point selects without their primary key are a regression, with the metrics that moved
    Given a regression means more than 5% slower at 99% confidence
    And the baseline comparison uses 5 runs per side
    When the "oltp_point_select" workload runs for 1s with 2 workers
    Then there is no regression against the baseline "mysql/oltp_point_select" or record it as the first baseline
    When the statement "ALTER TABLE sbtest1 MODIFY id INT NOT NULL, DROP PRIMARY KEY; ALTER TABLE sbtest2 MODIFY id INT NOT NULL, DROP PRIMARY KEY" runs
    And the "oltp_point_select" workload runs for 1s with 2 workers
    Then there is no regression against the baseline "mysql/oltp_point_select"
