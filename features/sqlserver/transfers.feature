@sqlserver
Feature: Transfers on SQL Server stay fast at every isolation level, and the collectors see them
  SQL Server runs in Docker (Microsoft's mssql/server image, once DBHARNESS_SQLSERVER_ACCEPT_EULA=Y
  accepts its licence) or as an external server (DBHARNESS_SQLSERVER_DSN); where neither is
  possible these scenarios are skipped, saying why.

  Scenario: Transfers at a fixed rate stay fast and keep the bank balanced
    Given a SQL Server 2022 database
    And the "bank" dataset at scale 1
    When the "transfers" workload runs for 5s at 200 operations per second with 4 workers
    Then the thresholds hold:
      | metric               | condition   |
      | latency{op:transfer} | p(95)<250ms |
      | latency{op:balance}  | p(95)<250ms |
      | errors               | rate<0.01   |
    And the invariants of the workload hold
    And the metric "sqlserver_batch_requests_total" increases by at least 500
    And the metric "sqlserver_database_write_transactions_total" increases by at least 400
    And the metric "sqlserver_page_life_expectancy_seconds" is reported
    And the metric "sqlserver_query_store_read_write" is reported
    And the slow query findings include a query like "UPDATE dbo.accounts SET balance = balance - @p1 WHERE id = @p2"
    And the slow query findings do not include a full scan of "dbo.accounts"
    And there is no regression against the baseline "sqlserver/transfers" or record it as the first baseline

  Scenario: Snapshot isolation: conflicting updates are counted, and the bank stays balanced
    Given a SQL Server database
    And the "bank" dataset at scale 1
    When the "transfers-snapshot" workload runs for 3s with 4 workers
    Then the p95 latency of "transfer" is below 250ms
    And the invariants of the workload hold

  Scenario: Read committed snapshot: the same transfers read row versions instead of waiting
    Given a SQL Server database with these settings:
      | database.READ_COMMITTED_SNAPSHOT | ON |
      | max degree of parallelism        | 1  |
    And the "bank" dataset at scale 1
    When the "transfers" workload runs for 3s with 4 workers
    Then the p95 latency of "balance" is below 250ms
    And the error rate is below 1%
    And the invariants of the workload hold
