@sqlserver
Feature: Plans and index recommendations on SQL Server, and the gate showing an index's effect
  The orders workload reads a customer's orders through a procedure while orders.customer_id
  has no index, and looks customers up by a varchar code sent as nvarchar (as Go strings are
  sent) next to the same lookup sent as varchar. The analysis reads the slow statements'
  plans and the missing-index suggestions; a scenario applies the best one.

  Background:
    Given a SQL Server database
    And the "orders" dataset at scale 2

  Scenario: The plans show the scan, the implicit conversion and the index that is missing
    When the "orders" workload runs for 5s with 4 workers
    Then the slow query findings include a query like "SELECT TOP (10) id, placed_at, status, total FROM dbo.orders WHERE customer_id = @customer_id"
    And the analysis finds a full-scan "dbo.orders"
    And the analysis finds a plan-warning "implicit conversion"
    And the analysis finds a missing-index "dbo.orders (customer_id)" with at least 1 seeks
    And the p95 latency of "place" is below 500ms
    And no deadlock is found

  Scenario: The recommended index makes the history faster, and the gate shows it
    Given the baseline comparison uses 5 runs per side
    When the "orders" workload runs for 2s with 4 workers
    Then there is no regression against the baseline "sqlserver/orders-history" or record it as the first baseline
    When the top missing-index finding is applied
    And the "orders" workload runs for 2s with 4 workers
    Then there is no regression against the baseline "sqlserver/orders-history"
    And the slow query findings do not include a full scan of "dbo.orders"
