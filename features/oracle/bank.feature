@oracle
Feature: PL/SQL transfers on Oracle stay fast and keep the books balanced
  The bank dataset creates its tables and the PL/SQL package BANK; the plsql-bank workload
  calls BANK.TRANSFER from an anonymous block (with an OUT bind), BANK.BALANCE from SQL, and
  sums an account's history in a cursor loop. Oracle runs in Docker (gvenzl/oracle-free) or
  against the server DBHARNESS_ORACLE_DSN names; where neither is there, every scenario here
  skips and says why.

  Background:
    Given an Oracle database
    And the "bank" dataset at scale 1

  Scenario: Transfers through the BANK package at a fixed rate
    When the "plsql-bank" workload runs for 20s at 200 operations per second with 4 workers
    Then the thresholds hold:
      | metric                | condition   |
      | latency{op:transfer}  | p(95)<250ms |
      | latency{op:balance}   | p(95)<250ms |
      | errors                | rate<0.01   |
      | iterations            | count>3000  |
    And the invariants of the workload hold
    And the metric "oracledb_user_commits_total" increases by at least 1000
    And the metric "oracledb_plsql_execution_elapsed_seconds_total" is reported
    And the slow query findings include a query like "BEGIN bank.transfer(:1, :2, :3, :4); END;"
    And the slow query findings do not include a sequential scan on "ACCOUNTS"
    And the analysis finds no cartesian-join
