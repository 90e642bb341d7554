@postgresql
Feature: A password set by a scenario reaches no report

  Scenario: ALTER ROLE with a password, then the statements are collected
    Given a PostgreSQL database
    When the statement "ALTER ROLE postgres PASSWORD 'hunter2-SECRET'" runs
    And the statement "SELECT 1" runs
    Then the metric "postgresql_statements_calls_total" is reported
