@mysql @ledger
Feature: Your own schema and workload in plain files on MariaDB: the double-entry ledger
  ledger.yaml next to this file is the PostgreSQL ledger's parameters, operations and
  invariants word for word, with its setup in MariaDB's SQL; the declarative workloads run
  it unchanged. Each posting inserts an entry (INSERT ... RETURNING) and moves its account's
  balance in one transaction, so the entries always add up to the balances.

  Background:
    Given a MariaDB database
    And the "ledger.yaml" dataset at scale 2

  Scenario: Postings at a fixed rate stay fast and keep the ledger balanced
    When the workload "ledger.yaml" runs for 3s at 300 operations per second with 16 workers
    Then the thresholds hold:
      | metric              | condition   |
      | latency{op:post}    | p(95)<5s    |
      | latency{op:balance} | p(95)<5s    |
      | errors              | rate<0.01   |
      | iterations          | count>300   |
    And the invariants of the workload hold
    And the metric "mysql_commands_total" increases by at least 300
    And the slow query findings include a query like "UPDATE accounts SET balance = balance + ?"
    And the slow query findings do not include a full scan on "accounts"

  Scenario: A schema and seed data written in the feature, a trigger among them
    Given the schema:
      """
      CREATE TABLE audit (id bigint AUTO_INCREMENT PRIMARY KEY, account_id bigint NOT NULL, note text);
      CREATE INDEX audit_by_account ON audit (account_id);
      DELIMITER //
      CREATE TRIGGER entries_audit AFTER INSERT ON entries FOR EACH ROW
      BEGIN
        INSERT INTO audit (account_id, note) VALUES (NEW.account_id, CONCAT('posted ', NEW.amount));
      END//
      DELIMITER ;
      """
    And the seed data:
      """
      INSERT INTO audit (account_id, note) SELECT id, 'opened' FROM accounts;
      UPDATE accounts SET balance = 0;
      """
    # Note: not rate==0 as on PostgreSQL. InnoDB's foreign key check holds a shared lock on
    # the account row, so two postings to one (zipfian, hot) account that both inserted their
    # entry deadlock on the UPDATE; PostgreSQL's KEY SHARE lock does not conflict with it.
    # The invariants below prove that a rolled-back posting left nothing behind.
    When the "ledger.yaml" workload runs 500 times shared by 2 workers
    Then the thresholds hold:
      | iterations | count==500 |
      | errors     | rate<0.02  |
    And the invariants of the workload hold
