@sqlserver @ledger
Feature: The declarative ledger in T-SQL
  ledger.yaml, next to this file, is the double-entry ledger of the PostgreSQL features written
  for SQL Server: OUTPUT inserted.id instead of RETURNING, TOP instead of LIMIT, parameters as
  :name (sent as @p1, @p2, ...).

  Scenario: Postings at a fixed rate stay fast and keep the ledger balanced
    Given a SQL Server database
    And the "ledger.yaml" dataset at scale 2
    When the workload "ledger.yaml" runs for 3s at 300 operations per second with 4 workers
    Then the thresholds hold:
      | metric              | condition   |
      | latency{op:post}    | p(95)<250ms |
      | latency{op:balance} | p(95)<250ms |
      | errors              | rate<0.01   |
    And the invariants of the workload hold
    And the slow query findings include a query like "UPDATE accounts SET balance = balance + @p1, last_entry = @p2 WHERE id = @p3"
