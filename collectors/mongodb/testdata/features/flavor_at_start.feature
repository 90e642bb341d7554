@mongodb
Feature: A check FerretDB cannot pass is refused before anything starts

  Scenario: opcounters on FerretDB
    Given a FerretDB database
    Then the metric "mongodb_operation_count_total" is reported
