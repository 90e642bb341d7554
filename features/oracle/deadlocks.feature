@oracle
Feature: A deadlock on Oracle is read from the alert log and its trace file, with its graph
  The crossed-counters workload updates the same two rows in opposite orders, 20 ms between
  the updates, so Oracle keeps breaking deadlocks by failing a statement with ORA-00060.
  The analysis reads the alert log's ORA-00060 lines since the load started and, from the
  trace file each names, the deadlock graph: the cycle, the locks each session held and
  wanted, their statements and the rows they waited for. The bank's package locks accounts
  in one order, so its transfers never deadlock. Skips, with the reason, where no Oracle runs.

  Scenario: Counters updated in opposite orders deadlock, and the graph names the table
    Given an Oracle database
    And the "crossed-counters.yaml" dataset at scale 1
    When the "crossed-counters.yaml" workload runs for 5s with 4 workers
    Then the analysis finds a deadlock "COUNTERS" with at least 1 deadlocks
    And the analysis finds a deadlock "COUNTERS" with at least 2 sessions
    And the invariants of the workload hold

  Scenario: Transfers through the BANK package lock in one order and never deadlock
    Given an Oracle database
    And the "bank" dataset at scale 1
    When the "plsql-bank" workload runs for 10s with 4 workers
    Then no deadlock is found
