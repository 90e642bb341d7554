-- Sessions twice: in a memory-optimized table touched by a natively compiled procedure, and
-- in a disk-based table touched by an interpreted one; {{rows}} rows each.
-- In-Memory OLTP needs a MEMORY_OPTIMIZED_DATA filegroup with a container, in the server's
-- default data folder.
IF NOT EXISTS (SELECT 1 FROM sys.filegroups WHERE type = 'FX')
BEGIN
  DECLARE @file nvarchar(400) = CAST(SERVERPROPERTY('InstanceDefaultDataPath') AS nvarchar(400)) + DB_NAME() + N'_xtp';
  DECLARE @add nvarchar(max) = N'ALTER DATABASE ' + QUOTENAME(DB_NAME()) + N' ADD FILEGROUP xtp CONTAINS MEMORY_OPTIMIZED_DATA; '
    + N'ALTER DATABASE ' + QUOTENAME(DB_NAME()) + N' ADD FILE (NAME = N''' + REPLACE(DB_NAME() + N'_xtp', N'''', N'''''')
    + N''', FILENAME = N''' + REPLACE(@file, N'''', N'''''') + N''') TO FILEGROUP xtp';
  EXEC (@add);
END
GO
-- Interpreted statements on memory-optimized tables run in snapshot isolation.
ALTER DATABASE CURRENT SET MEMORY_OPTIMIZED_ELEVATE_TO_SNAPSHOT = ON;
GO
DROP PROCEDURE IF EXISTS dbo.touch_session_native;
DROP PROCEDURE IF EXISTS dbo.touch_session_disk;
DROP TABLE IF EXISTS dbo.sessions_mem;
DROP TABLE IF EXISTS dbo.sessions_disk;
GO
CREATE TABLE dbo.sessions_mem (
  id        bigint       NOT NULL PRIMARY KEY NONCLUSTERED HASH WITH (BUCKET_COUNT = {{buckets}}),
  user_id   int          NOT NULL,
  hits      int          NOT NULL,
  last_seen datetime2    NOT NULL,
  payload   varchar(200) NOT NULL
) WITH (MEMORY_OPTIMIZED = ON, DURABILITY = SCHEMA_AND_DATA);
CREATE TABLE dbo.sessions_disk (
  id        bigint       NOT NULL CONSTRAINT PK_sessions_disk PRIMARY KEY,
  user_id   int          NOT NULL,
  hits      int          NOT NULL,
  last_seen datetime2    NOT NULL,
  payload   varchar(200) NOT NULL
);
GO
CREATE PROCEDURE dbo.touch_session_native @id bigint
WITH NATIVE_COMPILATION, SCHEMABINDING
AS
BEGIN ATOMIC WITH (TRANSACTION ISOLATION LEVEL = SNAPSHOT, LANGUAGE = N'us_english')
  UPDATE dbo.sessions_mem SET hits = hits + 1, last_seen = SYSUTCDATETIME() WHERE id = @id;
END
GO
CREATE PROCEDURE dbo.touch_session_disk @id bigint
AS
BEGIN
  SET NOCOUNT ON;
  UPDATE dbo.sessions_disk SET hits = hits + 1, last_seen = SYSUTCDATETIME() WHERE id = @id;
END
GO
WITH n AS (
  SELECT TOP ({{rows}}) ROW_NUMBER() OVER (ORDER BY (SELECT NULL)) AS i
  FROM sys.all_columns a CROSS JOIN sys.all_columns b
)
INSERT INTO dbo.sessions_disk (id, user_id, hits, last_seen, payload)
SELECT i, i % 5000, 0, SYSUTCDATETIME(), REPLICATE('x', 100) FROM n;
GO
INSERT INTO dbo.sessions_mem (id, user_id, hits, last_seen, payload)
SELECT id, user_id, hits, last_seen, payload FROM dbo.sessions_disk;
