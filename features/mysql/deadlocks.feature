@mysql @deadlocks
Feature: Deadlocks provoked on purpose, found and shown as a graph
  Transactions that update two of a few hot rows in random orders: two workers that take the
  same pair in opposite orders wait for each other, InnoDB rolls one back, and the analysis
  parses the LATEST DETECTED DEADLOCK section of SHOW ENGINE INNODB STATUS into a graph: the
  transactions, their statements, the locks held and waited for, the one rolled back.

  Background:
    Given a MariaDB database
    And the "deadlocks" dataset at scale 1

  Scenario: the deadlocks are counted, classified and analyzed
    When the "deadlocks" workload runs 200 times shared by 4 workers
    Then the analysis finds a deadlock "dbharness.deadlock_rows" with at least 1 deadlocks
    And the analysis finds a deadlock "dbharness.deadlock_rows" with at least 2 transactions
    And the metric "mysql_innodb_deadlocks_total" increases by at least 1
    And the metric "mysql_innodb_row_lock_waits_total" increases by at least 1

  # Exists to fail: `no deadlock is found` fails with the graph. `make test` runs it and checks
  # that the message shows both transactions, their statement, the locks and the victim.
  @expected-failure
  Scenario: no deadlock is found fails with the deadlock's graph
    When the "deadlocks" workload runs 200 times shared by 4 workers
    Then no deadlock is found
