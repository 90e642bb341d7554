Feature: An external database that does not answer

  Scenario: connect to a closed port
    Given a PostgreSQL database
