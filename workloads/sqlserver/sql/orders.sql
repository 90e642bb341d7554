-- Orders: {{customers}} customers, {{orders}} orders; orders are placed through a stored
-- procedure that takes its lines as a table-valued parameter.
DROP PROCEDURE IF EXISTS dbo.place_order;
DROP PROCEDURE IF EXISTS dbo.customer_orders;
DROP TABLE IF EXISTS dbo.order_lines;
DROP TABLE IF EXISTS dbo.orders;
DROP TABLE IF EXISTS dbo.customers;
DROP TYPE IF EXISTS dbo.order_line_list;
GO
CREATE TABLE dbo.customers (
  id   int           NOT NULL CONSTRAINT PK_customers PRIMARY KEY,
  code varchar(20)   NOT NULL,
  name nvarchar(100) NOT NULL
);
CREATE INDEX ix_customers_code ON dbo.customers (code);
-- Note: no index on customer_id on purpose: customer_orders scans, and the analysis
-- recommends the index a scenario can apply.
CREATE TABLE dbo.orders (
  id          bigint IDENTITY(1, 1) NOT NULL CONSTRAINT PK_orders PRIMARY KEY,
  customer_id int           NOT NULL,
  placed_at   datetime2     NOT NULL,
  status      varchar(16)   NOT NULL,
  total       decimal(12,2) NOT NULL,
  notes       nvarchar(200) NULL
);
CREATE TABLE dbo.order_lines (
  order_id bigint        NOT NULL,
  line     int           NOT NULL,
  sku      varchar(20)   NOT NULL,
  qty      int           NOT NULL,
  price    decimal(10,2) NOT NULL,
  CONSTRAINT PK_order_lines PRIMARY KEY (order_id, line)
);
CREATE TYPE dbo.order_line_list AS TABLE (
  line  int           NOT NULL PRIMARY KEY,
  sku   varchar(20)   NOT NULL,
  qty   int           NOT NULL,
  price decimal(10,2) NOT NULL
);
GO
CREATE PROCEDURE dbo.place_order @customer_id int, @lines dbo.order_line_list READONLY
AS
BEGIN
  SET NOCOUNT ON;
  SET XACT_ABORT ON;
  BEGIN TRANSACTION;
  DECLARE @total decimal(12,2) = (SELECT SUM(qty * price) FROM @lines);
  INSERT INTO dbo.orders (customer_id, placed_at, status, total) VALUES (@customer_id, SYSUTCDATETIME(), 'placed', @total);
  DECLARE @order_id bigint = SCOPE_IDENTITY();
  INSERT INTO dbo.order_lines (order_id, line, sku, qty, price)
  SELECT @order_id, line, sku, qty, price FROM @lines;
  COMMIT;
  SELECT @order_id AS order_id;
END
GO
CREATE PROCEDURE dbo.customer_orders @customer_id int
AS
BEGIN
  SET NOCOUNT ON;
  SELECT TOP (10) id, placed_at, status, total FROM dbo.orders WHERE customer_id = @customer_id ORDER BY placed_at DESC;
END
GO
WITH n AS (
  SELECT TOP ({{customers}}) ROW_NUMBER() OVER (ORDER BY (SELECT NULL)) AS i
  FROM sys.all_columns a CROSS JOIN sys.all_columns b
)
INSERT INTO dbo.customers (id, code, name)
SELECT i, CONCAT('C-', RIGHT(CONCAT('000000', i), 6)), CONCAT(N'customer ', i) FROM n;
GO
WITH n AS (
  SELECT TOP ({{orders}}) ROW_NUMBER() OVER (ORDER BY (SELECT NULL)) AS i
  FROM sys.all_columns a CROSS JOIN sys.all_columns b
)
INSERT INTO dbo.orders (customer_id, placed_at, status, total)
SELECT (i * 7919) % {{customers}} + 1, DATEADD(minute, -CAST(i % 129600 AS int), SYSUTCDATETIME()),
  CHOOSE(i % 4 + 1, 'placed', 'paid', 'shipped', 'delivered'), CAST((i % 500) + 0.99 AS decimal(12,2))
FROM n;
GO
UPDATE STATISTICS dbo.customers WITH FULLSCAN;
UPDATE STATISTICS dbo.orders WITH FULLSCAN;
