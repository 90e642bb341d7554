-- The bank: {{rows}} accounts with 10000 each, and the transfers between them.
DROP TABLE IF EXISTS dbo.transfers;
DROP TABLE IF EXISTS dbo.accounts;
GO
CREATE TABLE dbo.accounts (
  id      bigint      NOT NULL CONSTRAINT PK_accounts PRIMARY KEY,
  owner   varchar(40) NOT NULL,
  balance bigint      NOT NULL
);
CREATE TABLE dbo.transfers (
  id      bigint IDENTITY(1, 1) NOT NULL CONSTRAINT PK_transfers PRIMARY KEY,
  from_id bigint    NOT NULL,
  to_id   bigint    NOT NULL,
  amount  bigint    NOT NULL,
  at      datetime2 NOT NULL CONSTRAINT DF_transfers_at DEFAULT SYSUTCDATETIME()
);
GO
-- Snapshot isolation is refused unless the database allows it.
ALTER DATABASE CURRENT SET ALLOW_SNAPSHOT_ISOLATION ON;
GO
WITH n AS (
  SELECT TOP ({{rows}}) ROW_NUMBER() OVER (ORDER BY (SELECT NULL)) AS i
  FROM sys.all_columns a CROSS JOIN sys.all_columns b
)
INSERT INTO dbo.accounts (id, owner, balance)
SELECT i, CONCAT('owner-', i), 10000 FROM n;
GO
UPDATE STATISTICS dbo.accounts WITH FULLSCAN;
