@oracle
Feature: Your own schema and workload on Oracle: the double-entry ledger in Oracle's dialect
  ledger.yaml is the ledger of docs/writing-workloads.md with ids from a sequence, PL/SQL
  blocks that drop an earlier copy, and bind variables :1, :2 where the file says :account.
  Each posting inserts an entry and moves its account's balance in one transaction, so the
  entries always add up to the balances. Skips, with the reason, where no Oracle runs.

  Background:
    Given an Oracle database
    And the "ledger.yaml" dataset at scale 2

  Scenario: Postings at a fixed rate stay fast and keep the ledger balanced
    When the workload "ledger.yaml" runs for 20s at 200 operations per second with 4 workers
    Then the thresholds hold:
      | metric              | condition   |
      | latency{op:post}    | p(95)<250ms |
      | latency{op:balance} | p(95)<250ms |
      | errors              | rate<0.01   |
      | iterations          | count>3000  |
    And the invariants of the workload hold
    And the metric "oracledb_user_commits_total" increases by at least 1000
    And the slow query findings include a query like "UPDATE accounts SET balance = balance + :1"
    And the slow query findings do not include a sequential scan on "ENTRIES"

  Scenario: A PL/SQL block in the schema, and a statement that changes the data
    Given the schema:
      """
      CREATE TABLE audit (id NUMBER(18) PRIMARY KEY, account_id NUMBER(10) NOT NULL, note VARCHAR2(40));
      CREATE OR REPLACE PROCEDURE audit_all AS
      BEGIN
        INSERT INTO audit (id, account_id, note) SELECT id, id, 'opened' FROM accounts;
      END;
      /
      """
    And the seed data:
      """
      BEGIN audit_all; COMMIT; END;
      /
      UPDATE accounts SET balance = 0;
      """
    When the statement "DELETE FROM audit WHERE MOD(id, 2) = 0" runs
    And the "ledger.yaml" workload runs 500 times shared by 2 workers
    Then the thresholds hold:
      | iterations | count==500 |
      | errors     | rate==0    |
    And the invariants of the workload hold
