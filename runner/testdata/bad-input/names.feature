Feature: Names that do not exist

  Scenario: an unknown workload
    Given a PostgreSQL database
    When the "no-such-workload" workload runs for 1s with 1 worker

  Scenario: an unknown dataset
    Given a PostgreSQL database
    And the "no-such-dataset" dataset at scale 1

  Scenario: an unknown metric
    Given a PostgreSQL database
    Then the metric "postgresql_xact_commits_total" is reported

  Scenario: an undefined sentence
    Given a PostgreSQL database
    When the database is asked politely to go faster
