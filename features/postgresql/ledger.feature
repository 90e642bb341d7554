@postgresql @ledger
Feature: Your own schema and workload in plain files: a double-entry ledger
  The ledger's schema, seed data, operations and invariants live in ledger.yaml, next to
  this file; no Go is needed. Each posting inserts an entry and moves its account's balance
  in one transaction, so the entries always add up to the balances: the invariant checks
  that after the load, on the real server.

  Background:
    Given a PostgreSQL database
    And the "ledger.yaml" dataset at scale 2

  Scenario: Postings at a fixed rate stay fast and keep the ledger balanced
    # The counts ask for a quarter of the 900 operations scheduled: a starved two-core machine
    # ran 503.
    When the workload "ledger.yaml" runs for 3s at 300 operations per second with 4 workers
    Then the thresholds hold:
      | metric                | condition   |
      | latency{op:post}      | p(95)<250ms |
      | latency{op:balance}   | p(95)<250ms |
      | errors                | rate<0.01   |
      | iterations            | count>225   |
    And the invariants of the workload hold
    And the metric "postgresql_xact_commit_total" increases by at least 150
    And the slow query findings include a query like "UPDATE accounts SET balance = balance + ?"
    And the slow query findings do not include a sequential scan on "accounts"
    And there is no regression against the baseline "ledger/postings" or record it as the first baseline

  Scenario: A schema and seed data written in the feature, and a statement that changes them
    Given the schema:
      """
      CREATE TABLE audit (id bigserial PRIMARY KEY, account_id bigint NOT NULL, note text);
      CREATE INDEX audit_by_account ON audit (account_id);
      """
    And the seed data:
      """
      INSERT INTO audit (account_id, note) SELECT id, 'opened' FROM accounts;
      UPDATE accounts SET balance = 0;
      """
    When the "ledger.yaml" workload runs 500 times shared by 2 workers
    Then the thresholds hold:
      | iterations | count==500 |
      | errors     | rate==0    |
    And the invariants of the workload hold
