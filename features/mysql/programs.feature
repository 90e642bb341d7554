@mysql @programs
Feature: Stored procedures, triggers and bulk loads on MariaDB, verified on the server after the run
  The ledger-procedures dataset creates a stored procedure that moves money between two
  accounts and records the transfer, and a trigger that writes an audit row for every balance
  change. The workload only calls the procedure; the check reads back, for every transfer the
  server acknowledged, its row and its two audit rows, and that the balances still add up.

  Scenario: transfers in a stored procedure, audited by a trigger, none lost
    Given a MariaDB database
    And the "ledger-procedures" dataset at scale 1
    When the "ledger-procedure" workload runs 200 times shared by 4 workers
    Then the error rate is below 0.1%
    And no acknowledged write is lost
    And no deadlock is found
    And the metric "mysql_commands_total" increases by at least 200
    And the slow query findings include a query like "CALL lp_transfer"

  Scenario: multi-row inserts and LOAD DATA LOCAL, every acknowledged batch counted back
    Given a MariaDB database
    And the "bulk" dataset at scale 1
    When the "bulk-insert" workload runs 20 times shared by 2 workers
    Then the error rate is below 0.1%
    And no acknowledged write is lost
    And the metric "mysql_handlers_total" increases by at least 2000
    When the "load-data" workload runs 5 times shared by 2 workers
    Then the error rate is below 0.1%
    And no acknowledged write is lost
    And the slow query findings include a query like "LOAD DATA LOCAL INFILE"
