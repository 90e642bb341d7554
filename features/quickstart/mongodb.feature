@mongodb @ferretdb @quickstart
Feature: A first look at MongoDB under load, on embedded FerretDB
  dbharness serves the MongoDB wire protocol from FerretDB inside its own process (its data in
  a PostgreSQL it starts for it), drives shop-like CRUD with the Go driver and checks what the
  collectors and the wire recorder saw.

  Scenario: CRUD on a shop stays fast and error-free
    Given a FerretDB database
    And the "shop" dataset at scale 1
    When the "crud" workload runs for 3s with 4 workers
    Then the p99 latency of "find" is below 250ms
    And the error rate is below 0.1%
    And the metric "mongodb_commands_total" increases by at least 100
