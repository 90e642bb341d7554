-- The bank: branches, accounts and their history, and the PL/SQL package BANK that moves
-- money between accounts. Split as SQL*Plus splits it: PL/SQL ends at a line holding "/".
CREATE TABLE branches (
  id       NUMBER(10) PRIMARY KEY,
  balance  NUMBER(18) DEFAULT 0 NOT NULL
);
CREATE TABLE accounts (
  id         NUMBER(10) PRIMARY KEY,
  branch_id  NUMBER(10) NOT NULL REFERENCES branches (id),
  balance    NUMBER(18) NOT NULL,
  updated_at TIMESTAMP
);
CREATE INDEX accounts_by_branch ON accounts (branch_id);
CREATE SEQUENCE history_seq CACHE 1000;
CREATE TABLE history (
  id          NUMBER(18) PRIMARY KEY,
  account_id  NUMBER(10) NOT NULL,
  delta       NUMBER(18) NOT NULL,
  created_at  TIMESTAMP DEFAULT SYSTIMESTAMP NOT NULL
);
CREATE INDEX history_by_account ON history (account_id, id);

CREATE OR REPLACE PACKAGE bank AS
  -- transfer moves p_amount from one account to another, both branches too, records both
  -- sides in the history, and returns the new balance of the account it took from.
  PROCEDURE transfer(p_from IN NUMBER, p_to IN NUMBER, p_amount IN NUMBER, p_balance OUT NUMBER);
  -- balance is an account's balance, for SQL: SELECT bank.balance(:1) FROM dual.
  FUNCTION balance(p_id IN NUMBER) RETURN NUMBER;
END bank;
/
CREATE OR REPLACE PACKAGE BODY bank AS
  PROCEDURE move(p_account IN NUMBER, p_delta IN NUMBER, p_balance OUT NUMBER) IS
    v_branch accounts.branch_id%TYPE;
  BEGIN
    UPDATE accounts SET balance = balance + p_delta, updated_at = SYSTIMESTAMP
     WHERE id = p_account
    RETURNING balance, branch_id INTO p_balance, v_branch;
    IF SQL%ROWCOUNT = 0 THEN
      RAISE_APPLICATION_ERROR(-20002, 'no account ' || p_account);
    END IF;
    UPDATE branches SET balance = balance + p_delta WHERE id = v_branch;
    INSERT INTO history (id, account_id, delta) VALUES (history_seq.NEXTVAL, p_account, p_delta);
  END move;

  PROCEDURE transfer(p_from IN NUMBER, p_to IN NUMBER, p_amount IN NUMBER, p_balance OUT NUMBER) IS
    v_ignored NUMBER;
  BEGIN
    -- Note: the lower id first, so two transfers between the same accounts lock in the
    -- same order and cannot deadlock.
    IF p_from < p_to THEN
      move(p_from, -p_amount, p_balance);
      move(p_to, p_amount, v_ignored);
    ELSE
      move(p_to, p_amount, v_ignored);
      move(p_from, -p_amount, p_balance);
    END IF;
  END transfer;

  FUNCTION balance(p_id IN NUMBER) RETURN NUMBER IS
    v NUMBER;
  BEGIN
    SELECT balance INTO v FROM accounts WHERE id = p_id;
    RETURN v;
  END balance;
END bank;
/
