-- The orders: one table of each partitioning method, each with the index its queries need.
-- ORDERS: range partitioned by month with interval partitioning (a row of a new month
-- makes its partition); SHIPMENTS: list partitioned by region; CUSTOMERS: hash
-- partitioned by id, with a local unique index.
CREATE TABLE orders (
  id          NUMBER(18) NOT NULL,
  customer_id NUMBER(10) NOT NULL,
  region      VARCHAR2(8) NOT NULL,
  order_date  DATE NOT NULL,
  amount      NUMBER(12, 2) NOT NULL,
  status      VARCHAR2(10) NOT NULL
)
PARTITION BY RANGE (order_date) INTERVAL (NUMTOYMINTERVAL(1, 'MONTH'))
(PARTITION p_before_2024 VALUES LESS THAN (DATE '2024-01-01'));
CREATE INDEX orders_by_customer ON orders (customer_id, order_date) LOCAL;
CREATE SEQUENCE orders_seq CACHE 1000;

CREATE TABLE shipments (
  order_id   NUMBER(18) NOT NULL,
  region     VARCHAR2(8) NOT NULL,
  carrier    VARCHAR2(20) NOT NULL,
  shipped_at DATE NOT NULL
)
PARTITION BY LIST (region) (
  PARTITION p_emea VALUES ('EMEA'),
  PARTITION p_amer VALUES ('AMER'),
  PARTITION p_apac VALUES ('APAC'),
  PARTITION p_other VALUES (DEFAULT)
);

CREATE TABLE customers (
  id     NUMBER(10) NOT NULL,
  name   VARCHAR2(40) NOT NULL,
  region VARCHAR2(8) NOT NULL
)
PARTITION BY HASH (id) PARTITIONS 8;
CREATE UNIQUE INDEX customers_by_id ON customers (id) LOCAL;
