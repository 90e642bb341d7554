Feature: Names that do not exist, found before any database starts

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

  Scenario: a misspelt sentence, a bad threshold and an unknown database
    Given a Postgress database
    When the "point-select" workload runs for 2s with 2 workers
    Then the p95 latncy of "select" is below 5ms
    And the thresholds hold:
      | metric             | condition    |
      | latency{op:select} | p(95)<<20ms  |
