@postgresql @orders
Feature: A shop on PostgreSQL: joins, recursive CTEs, window functions, upserts, COPY and a queue, every answer verified
  The "orders" dataset is a shop whose every row the loader computes: categories in a tree,
  products, customers who referred each other, orders with line items, inventory and a
  fulfilment queue. The reads (a three-way join, a recursive CTE joined four ways, a recursive
  CTE over the referrals, ranks and running totals) compare each answer with the loader's: a
  plan that returned other rows would fail as a wrong-result error. The writes place orders
  with one data-modifying CTE (lines, queue, an upsert of the sales), claim the queue with
  FOR UPDATE SKIP LOCKED, upsert the inventory and COPY imports; the invariants check them.

  Scenario: the shop's mix returns the loader's answers and keeps its invariants
    Given a PostgreSQL database
    And the "orders" dataset at scale 1
    When the "orders" workload runs 300 times shared by 4 workers
    Then the thresholds hold:
      | metric     | condition  |
      | errors     | rate==0    |
      | iterations | count==300 |
    And the invariants of the workload hold
    And the slow query findings include a query like "WITH RECURSIVE sub(id) AS"
    And the slow query findings include a query like "SELECT id FROM fulfilment_queue ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED"
    And the slow query findings include a query like "ON CONFLICT (product_id) DO UPDATE"
    And no deadlock is found

  # Two transfers that took one row each wait for the other's in their second statement: both
  # processes are giving stock when the deadlock is found.
  Scenario: transfers that lock rows in any order deadlock, and the analysis names both statements
    Given a PostgreSQL database with these settings:
      | deadlock_timeout | 50ms |
    And the "orders" dataset at scale 1
    When the "stock-transfers" workload runs for 3s with 4 workers
    Then the analysis finds a deadlock "UPDATE inventory SET on_hand = on_hand + $1 WHERE product_id = $2 / UPDATE inventory SET on_hand = on_hand + $1 WHERE product_id = $2" with at least 1 count
    And the metric "postgresql_deadlocks_total" increases by at least 1
