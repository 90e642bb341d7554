Feature: A feature file with a syntax error

  Scenario: fine so far
    Given a PostgreSQL database
  this line is not Gherkin
